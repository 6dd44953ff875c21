"""Regenerates the SDF glyph ranges that the server embeds (glyphs/*/N-M.pbf) from Noto Sans.

Usage: python3 scripts/make-glyphs.py FONT_DIR OUT_DIR   (scripts/make-glyphs.sh sets it up)

The output is the format MapLibre reads from a style's `glyphs` URL: a protobuf `glyphs`
message with one `fontstack` holding, per code point, a signed distance field of the glyph
rendered at 24 px with a 3 px border, and its metrics (left, top, advance). The conventions
are those of the widely used generators, so the labels sit where MapLibre expects:
`top` is the bitmap's top above the baseline less the face's ascender, and a value of 192
marks the glyph's edge (255 - 255 * cutoff, cutoff 0.25, radius 8).

The distance field is computed from FreeType's anti-aliased coverage with the squared
Euclidean distance transform of Felzenszwalb and Huttenlocher, sub-pixel edges taken from
the coverage (as browser-side SDF generators do), so no outline maths is needed.
"""
import math
import os
import sys

import freetype

SIZE = 24
BUFFER = 3
RADIUS = 8
CUTOFF = 0.25
INF = 1e20

# Latin-1, Latin Extended-A (Welsh ŵ ŷ are U+0175 and U+0177) and General Punctuation
# (the en dash and curly quotes in names and titles).
RANGES = [(0, 255), (256, 511), (8192, 8447)]
FACES = {"noto-sans-regular": "NotoSans-Regular.ttf", "noto-sans-bold": "NotoSans-Bold.ttf"}
STACK_NAMES = {"noto-sans-regular": "Noto Sans Regular", "noto-sans-bold": "Noto Sans Bold"}


def edt1d(grid, offset, stride, length, f, v, z):
    """One pass of the 1-D squared distance transform over grid[offset + i * stride]."""
    v[0] = 0
    z[0] = -INF
    z[1] = INF
    f[0] = grid[offset]
    k = 0
    for q in range(1, length):
        f[q] = grid[offset + q * stride]
        q2 = q * q
        while True:
            r = v[k]
            s = (f[q] - f[r] + q2 - r * r) / (q - r) / 2
            if s <= z[k]:
                k -= 1
                if k > -1:
                    continue
            break
        k += 1
        v[k] = q
        z[k] = s
        z[k + 1] = INF
    k = 0
    for q in range(length):
        while z[k + 1] < q:
            k += 1
        r = v[k]
        grid[offset + q * stride] = f[r] + (q - r) * (q - r)


def edt(grid, x0, y0, width, height, grid_width):
    n = max(width, height) + 1
    f = [0.0] * n
    v = [0] * n
    z = [0.0] * (n + 1)
    for x in range(x0, x0 + width):
        edt1d(grid, y0 * grid_width + x, grid_width, height, f, v, z)
    for y in range(y0, y0 + height):
        edt1d(grid, y * grid_width + x0, 1, width, f, v, z)


def sdf(coverage, width, height):
    """The buffered distance field of a coverage bitmap (rows of bytes)."""
    w, h = width + 2 * BUFFER, height + 2 * BUFFER
    outer = [INF] * (w * h)
    inner = [0.0] * (w * h)
    for y in range(height):
        for x in range(width):
            a = coverage[y][x] / 255.0
            if a == 0:
                continue
            j = (y + BUFFER) * w + x + BUFFER
            if a == 1:
                outer[j] = 0.0
                inner[j] = INF
            else:
                d = 0.5 - a
                outer[j] = d * d if d > 0 else 0.0
                inner[j] = d * d if d < 0 else 0.0
    edt(outer, 0, 0, w, h, w)
    edt(inner, BUFFER, BUFFER, width, height, w)
    out = bytearray(w * h)
    for i in range(w * h):
        d = math.sqrt(outer[i]) - math.sqrt(inner[i])
        out[i] = max(0, min(255, round(255 - 255 * (d / RADIUS + CUTOFF))))
    return bytes(out)


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 31)


def field_varint(no, n):
    return varint(no << 3) + varint(n)


def field_bytes(no, data):
    return varint((no << 3) | 2) + varint(len(data)) + data


def glyph_message(cp, bitmap, width, height, left, top, advance):
    msg = field_varint(1, cp)
    if width > 0:
        msg += field_bytes(2, bitmap)
    msg += field_varint(3, width) + field_varint(4, height)
    msg += field_varint(5, zigzag(left)) + field_varint(6, zigzag(top)) + field_varint(7, advance)
    return msg


def render_range(face, name, start, end):
    ascender = round(face.size.ascender / 64)
    stack = field_bytes(1, name.encode()) + field_bytes(2, f"{start}-{end}".encode())
    count = 0
    for cp in range(start, end + 1):
        if face.get_char_index(cp) == 0:
            continue
        face.load_char(cp, freetype.FT_LOAD_RENDER | freetype.FT_LOAD_NO_HINTING)
        g = face.glyph
        bm = g.bitmap
        width, height = bm.width, bm.rows
        rows = [bm.buffer[y * bm.pitch:y * bm.pitch + width] for y in range(height)]
        bitmap = sdf(rows, width, height) if width > 0 and height > 0 else b""
        if not bitmap:
            width = height = 0
        advance = round(g.metrics.horiAdvance / 64)
        stack += field_bytes(3, glyph_message(cp, bitmap, width, height, g.bitmap_left,
                                              g.bitmap_top - ascender, advance))
        count += 1
    return field_bytes(1, stack), count


def main():
    font_dir, out_dir = sys.argv[1], sys.argv[2]
    for key, file in FACES.items():
        face = freetype.Face(os.path.join(font_dir, file))
        face.set_char_size(SIZE * 64)
        os.makedirs(os.path.join(out_dir, key), exist_ok=True)
        for start, end in RANGES:
            data, count = render_range(face, STACK_NAMES[key], start, end)
            with open(os.path.join(out_dir, key, f"{start}-{end}.pbf"), "wb") as fh:
                fh.write(data)
            print(f"{key} {start}-{end}: {count} glyphs, {len(data)} bytes")


if __name__ == "__main__":
    main()
