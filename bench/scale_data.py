#!/usr/bin/env python3
# Synthetic scale data for bench/scale.sh: the bundled Wales inputs repeated COPIES times, each copy shifted on a grid and given its own codes.
"""Writes a data folder laid out like boundaries/ (only the files `cluster-atlas load`
reads), holding the bundled Wales data repeated COPIES times, so that

    cluster-atlas load --data-dir OUT --extent-check W,S,E,N   (from OUT/scale.json)

loads COPIES x 1,909 LSOAs (2011), COPIES x 1,917 LSOAs (2021), COPIES x 63 clusters and
COPIES x 7 health boards through the normal loader and its validation.

Usage: scale_data.py --copies 20 --out DIR [--source boundaries]

Copy 0 is the bundled data unchanged (codes and coordinates), so --copies 1 reproduces it.
Copy k (k >= 1):

- codes: every 9-character GSS code of an LSOA (2011 and 2021), MSOA, local authority or
  health board, which all read `Xnn00dddd`, becomes `Xnn` + k (two digits) + `dddd`: the
  same length (so tiles carry the same number of bytes), unique, and consistent in every
  file. Board ODS codes, cluster keys and practice codes get a `-kk` tag
  (`7A1:anglesey` -> `7A1-03:anglesey`). Wales (W92000004) stays one area.
- WIMD ranks (2019 overall and domains, 2025 overall) are interleaved:
  rank' = (rank - 1) * COPIES + k + 1. Every copy keeps its published deciles, quintiles and
  quartiles, which stay consistent with the new ranks, and the 2025 ranks stay a
  permutation of 1..n, as the loader requires.
- geometry is translated in Web Mercator (EPSG:3857) by whole z9 tiles: a grid of
  ceil(sqrt(COPIES)) columns going east and as many rows as needed going south. A
  translation in EPSG:3857 keeps every shape exactly as it is drawn on the map, and a step
  of whole z9 tiles means every tile from z9 up of copy k is the same as copy 0's (the
  largest z12 tile of the 20x data is that of the 1x data, up to the bytes of its codes).
  The step is the data's extent (2011 and 2021 boundaries) rounded up to whole z9 tiles,
  so copies never overlap; the grid stays far inside Web Mercator's latitudes.
- the population-weighted centroids of the 2021 LSOAs move with their copy. The loader
  refuses boundaries and centroids outside a box around Wales unless given
  `--extent-check`; OUT/scale.json's `extent_check` is the copies' extent with a margin.
- counts and values (populations, QOF registers and list sizes, deprivation counts, WIMD
  indicator rates) are repeated as they are, so the Wales totals are COPIES times the
  bundled ones and every published prevalence is still reproduced by its summed counts.

Names are kept (LSOA, cluster and board names are in tiles: keeping them keeps tile sizes
comparable). Also writes OUT/scale.json: copies, grid, offsets, counts, bounds and the
`--extent-check` value to load them with.

Standard library only.
"""

import argparse
import csv
import json
import math
import os
import shutil
import sys

# Web Mercator (EPSG:3857): sphere radius and the width of the world in metres.
R = 6378137.0
WORLD = 2 * math.pi * R
# Translations are whole tiles at this zoom (and so whole tiles at every deeper zoom).
ALIGN_ZOOM = 9
TILE_M = WORLD / 2**ALIGN_ZOOM
# Gap kept between copies' bounding boxes, at least (metres).
MIN_GAP_M = 2000.0
# Wales's GSS code: one area however many copies.
WALES = "W92000004"


def merc_y(lat):
    """Latitude (degrees) to Web Mercator y (metres)."""
    return R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def merc_lat(y):
    """Web Mercator y (metres) to latitude (degrees)."""
    return math.degrees(2 * math.atan(math.exp(y / R)) - math.pi / 2)


# --- codes -------------------------------------------------------------------------------


def gss(code, k):
    """A 9-character GSS code (`W01000123`) of copy k: `W01` + k + `0123`."""
    if k == 0 or not code:
        return code
    if len(code) != 9 or code[3:5] != "00" or code == WALES:
        raise ValueError(f"unexpected GSS code {code!r}: expected 9 characters with 00 at 4-5")
    return f"{code[:3]}{k:02d}{code[5:]}"


def tagged(code, k):
    """A code of copy k with a `-kk` tag: before the first `:` of a cluster key
    (`7A1:anglesey` -> `7A1-03:anglesey`, so it still starts with its board's ODS code), at
    the end otherwise (`W00005` -> `W00005-03`)."""
    if k == 0 or not code:
        return code
    head, sep, tail = code.partition(":")
    return f"{head}-{k:02d}{sep}{tail}"


def gss_list(value, k):
    """A `;`-separated list of GSS codes (`lsoa11_parents`, `lsoa21_children`)."""
    if k == 0 or not value:
        return value
    return ";".join(gss(part.strip(), k) for part in value.split(";"))


def area(row, k):
    """`area_code` of the QOF prevalence file: a board's GSS code or a cluster key."""
    level = row["level"]
    if level == "lhb":
        return gss(row["area_code"], k)
    if level == "cluster":
        return tagged(row["area_code"], k)
    return row["area_code"]


def rank(value, k, copies):
    """Interleaved rank: copy k's rank r becomes (r - 1) * copies + k + 1."""
    if value == "":
        return value
    return str((int(value) - 1) * copies + k + 1)


# --- files -------------------------------------------------------------------------------

# Each CSV the loader reads: how each column that holds a code changes for copy k. Columns
# not listed are copied as they are. `ranks` lists the rank columns to interleave; `once`
# is a filter for rows that must appear once only, not once per copy (Wales rows).
GSS = lambda v, k, n: gss(v, k)  # noqa: E731
TAG = lambda v, k, n: tagged(v, k)  # noqa: E731
GSS_LIST = lambda v, k, n: gss_list(v, k)  # noqa: E731
RANK = lambda v, k, n: rank(v, k, n)  # noqa: E731

WIMD2019_RANKS = ["wimd_rank"] + [
    f"{d}_rank"
    for d in (
        "income",
        "employment",
        "health",
        "education",
        "access_to_services",
        "housing",
        "community_safety",
        "physical_environment",
    )
]

CSV_FILES = {
    "health_boards.csv": {"lhb_code": GSS, "lhb_ods_code": TAG},
    "clusters.csv": {
        "cluster_key": TAG,
        "official_cluster_code": TAG,
        "lhb_code": GSS,
        "lhb_ods_code": TAG,
        "cluster_2025_key": TAG,
    },
    "lsoa_lookup_wales.csv": {"lsoa11cd": GSS, "lad_cd": GSS, "msoa11cd": GSS, "lhb_cd": GSS},
    "wimd2019.csv": {"lsoa11cd": GSS, **{c: RANK for c in WIMD2019_RANKS}},
    "lsoa11_to_cluster_APPROX_model.csv": {
        "lsoa11cd": GSS,
        "lhb_code": GSS,
        "cluster_2024_key": TAG,
        "lsoa21_children": GSS_LIST,
        "cluster_2025_key": TAG,
    },
    "lsoa21_to_cluster_APPROX_model.csv": {
        "lsoa21cd": GSS,
        "lsoa11_parents": GSS_LIST,
        "lhb_code": GSS,
        "cluster_2024_key": TAG,
        "nearest_practice_cluster_key": TAG,
        "cluster_2025_key": TAG,
    },
    "cluster_qof_prevalence_2024.csv": {
        "area_code": None,  # by level: see area()
        "lhb_code": GSS,
        "cluster_key": TAG,
    },
    "practice_qof_counts_2024.csv": {"practice_code": TAG, "lhb_code": GSS, "cluster_key": TAG},
    "cluster_deprivation_2024.csv": {"cluster_key": TAG, "lhb_code": GSS},
    "wimd2019_indicators.csv": {
        "lsoa_code": GSS,
        "middle_layer_super_output_area_msoa_code": GSS,
        "local_authority_la_code": GSS,
    },
    "population/lsoa_population.csv": {"lsoa11cd": GSS},
    "population/lsoa_population_syoa.csv": {"lsoa11cd": GSS},
    "population/lsoa21_sex_age_mid2024.csv": {"lsoa21cd": GSS},
    # pwc_lon and pwc_lat move with the copy: see write_csv's `move`.
    "lsoa2021/lsoa21_wales_pop_weighted_centroids.csv": {"lsoa21cd": GSS},
    "wimd2025/wimd2025_overall_lsoa21.csv": {"lsoa21cd": GSS, "wimd2025_rank": RANK},
}
# Rows written once, with copy 0: the Wales rows of the QOF prevalences.
ONCE = {"cluster_qof_prevalence_2024.csv": lambda row: row["level"] == "wales"}
# Position columns (lon, lat) moved with their copy.
POSITIONS = {"lsoa2021/lsoa21_wales_pop_weighted_centroids.csv": ("pwc_lon", "pwc_lat")}
# Read as they are, copied unchanged.
UNCHANGED = ["indicators.csv"]
# The two boundary files: (path, properties that hold GSS codes).
GEOJSON_FILES = {
    "lsoa_wales.geojson": ["lsoa11cd", "lad_cd"],
    "lsoa2021/lsoa21_wales_bsc.geojson": ["lsoa21cd"],
}


def write_csv(src, dst, columns, offsets, once, position):
    """Writes `dst`: every row of `src` once per copy, with its codes changed and its
    `position` columns (lon, lat), if any, moved by the copy's offset."""
    copies = len(offsets)
    with open(src, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames
        rows = list(reader)
    missing = [c for c in columns if c not in header]
    if missing:
        sys.exit(f"{src}: expected columns {missing} are missing")
    with open(dst, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for k in range(copies):
            for row in rows:
                if k > 0 and once is not None and once(row):
                    continue
                out = dict(row)
                for column, change in columns.items():
                    out[column] = area(row, k) if change is None else change(row[column], k, copies)
                if position and k > 0:
                    lon, lat = shifted(*offsets[k])([float(row[position[0]]), float(row[position[1]])])
                    out[position[0]], out[position[1]] = repr(lon), repr(lat)
                writer.writerow(out)
    return len(rows)


def walk(coords, fn):
    """Applies fn to every [x, y] position of a GeoJSON coordinate array."""
    if coords and isinstance(coords[0], (int, float)):
        return fn(coords)
    return [walk(c, fn) for c in coords]


def extent(features):
    """(west, south, east, north) in degrees of some GeoJSON features."""
    xs, ys = [], []

    def see(p):
        xs.append(p[0])
        ys.append(p[1])
        return p

    for ft in features:
        walk(ft["geometry"]["coordinates"], see)
    return min(xs), min(ys), max(xs), max(ys)


def grid(copies, bounds):
    """Offsets (dx, dy) in metres of each copy: columns go east, rows go south, each step
    the extent plus a gap rounded up to whole z9 tiles."""
    west, south, east, north = bounds
    width = (east - west) / 360.0 * WORLD
    height = merc_y(north) - merc_y(south)
    step_x = math.ceil((width + MIN_GAP_M) / TILE_M) * TILE_M
    step_y = math.ceil((height + MIN_GAP_M) / TILE_M) * TILE_M
    columns = math.ceil(math.sqrt(copies))
    offsets = [((k % columns) * step_x, -(k // columns) * step_y) for k in range(copies)]
    return offsets, columns, step_x, step_y


def shifted(dx, dy):
    """A function moving a CRS84 position by (dx, dy) metres in EPSG:3857."""
    dlon = dx / WORLD * 360.0

    def move(p):
        return [p[0] + dlon, merc_lat(merc_y(p[1]) + dy)] + p[2:]

    return move


def write_geojson(src, dst, code_props, offsets):
    """Writes every feature of `src` once per copy, moved and with its codes changed."""
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    features = doc["features"]
    out_features = []
    for k, (dx, dy) in enumerate(offsets):
        move = shifted(dx, dy)
        for ft in features:
            props = dict(ft["properties"])
            for p in code_props:
                props[p] = gss(props[p], k)
            geometry = ft["geometry"]
            if k > 0:
                geometry = {"type": geometry["type"], "coordinates": walk(geometry["coordinates"], move)}
            out_features.append({"type": "Feature", "properties": props, "geometry": geometry})
    doc["features"] = out_features
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
    return len(features)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, required=True, help="how many copies (1 = the bundled data)")
    parser.add_argument("--out", required=True, help="folder to write (replaced)")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--source", default=os.path.join(here, "..", "boundaries"), help="the bundled data folder")
    args = parser.parse_args()
    if not 1 <= args.copies <= 99:
        sys.exit("--copies must be 1 to 99 (codes carry the copy in two digits)")

    # The grid comes from the extent of both boundary files.
    boundaries = {}
    for name in GEOJSON_FILES:
        with open(os.path.join(args.source, name), encoding="utf-8") as f:
            boundaries[name] = json.load(f)["features"]
    extents = [extent(fs) for fs in boundaries.values()]
    bounds = (
        min(e[0] for e in extents),
        min(e[1] for e in extents),
        max(e[2] for e in extents),
        max(e[3] for e in extents),
    )
    offsets, columns, step_x, step_y = grid(args.copies, bounds)
    lowest = merc_lat(merc_y(bounds[1]) + min(dy for _, dy in offsets))
    if lowest < -85 or bounds[2] + max(dx for dx, _ in offsets) / WORLD * 360 > 180:
        sys.exit("the grid leaves Web Mercator's extent; use fewer copies")
    del boundaries

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    counts = {}
    for name, code_props in GEOJSON_FILES.items():
        os.makedirs(os.path.dirname(os.path.join(args.out, name)), exist_ok=True)
        counts[name] = args.copies * write_geojson(
            os.path.join(args.source, name), os.path.join(args.out, name), code_props, offsets
        )
    for name, changes in CSV_FILES.items():
        os.makedirs(os.path.dirname(os.path.join(args.out, name)), exist_ok=True)
        n = write_csv(
            os.path.join(args.source, name),
            os.path.join(args.out, name),
            changes,
            offsets,
            ONCE.get(name),
            POSITIONS.get(name),
        )
        counts[name] = n * args.copies
    for name in UNCHANGED:
        shutil.copyfile(os.path.join(args.source, name), os.path.join(args.out, name))

    south = merc_lat(merc_y(bounds[1]) - (len(offsets) - 1) // columns * step_y)
    east = bounds[2] + (min(args.copies, columns) - 1) * step_x / WORLD * 360
    manifest = {
        "copies": args.copies,
        "columns": columns,
        "rows": math.ceil(args.copies / columns),
        "step_z9_tiles": [round(step_x / TILE_M), round(step_y / TILE_M)],
        "offsets_m": [[round(dx, 3), round(dy, 3)] for dx, dy in offsets],
        "bounds": [bounds[0], south, east, bounds[3]],
        # For `load --extent-check`: the bounds with half a degree around them.
        "extent_check": ",".join(
            f"{v:.4f}" for v in (bounds[0] - 0.5, south - 0.5, east + 0.5, bounds[3] + 0.5)
        ),
        "rows_written": counts,
    }
    with open(os.path.join(args.out, "scale.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print(
        f"{args.copies} copies ({manifest['columns']} x {manifest['rows']} grid, step "
        f"{manifest['step_z9_tiles'][0]} x {manifest['step_z9_tiles'][1]} z9 tiles): "
        f"{counts['lsoa_wales.geojson']} LSOAs (2011), {counts['lsoa2021/lsoa21_wales_bsc.geojson']} (2021), "
        f"{counts['clusters.csv']} clusters, {counts['health_boards.csv']} boards in {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
