#!/usr/bin/env python3
# HTTP client of bench/scale.sh: cold tile latency, largest tiles and a per-zoom estimate of the default pyramid, and the Markdown report.
"""Measures a running cluster-atlas through HTTP only (so the figures stay comparable
whatever renders the tiles), and writes the scale report.

    scale_probe.py measure --base http://127.0.0.1:18097 --data DIR --out probe.json
    scale_probe.py report --work WORK --scales 1 20 --out bench/results/scale.md

`measure` expects a server started with `--cache-mb 0 --no-warm`, so that every request
renders its tile. It does three things:

1. **Cold latency** at z8, z12 and z14, for the `lsoa` layer and the `wales` layer set:
   a random sample (seeded) of the tiles that hold data (tiles holding a vertex of a 2011
   LSOA boundary in DIR/lsoa_wales.geojson), each requested once, one at a time, on one
   keep-alive connection (c=1). Latency is request sent to last byte received.
2. **Largest tile** (raw MVT bytes, no Accept-Encoding) at the same zooms: the most
   vertex-dense and the most feature-dense tiles (top CANDIDATES of each) plus the latency
   sample. With the copies on a grid of whole z9 tiles, the densest tiles of every copy
   are the same tile translated, so this finds the largest in practice; z8 fetches every
   data tile.
3. **The default pyramid, estimated**: for each layer set of the warm-up (the mirror of
   WARM_LAYER_SETS below) and each zoom, the tiles covering the data's bounds (as
   `TileCoord::covering` counts them), all of them when there are at most PYRAMID_SAMPLE,
   else a random sample, requested 8 at a time as the warm-up does (`buffer_unordered(8)`).
   Seconds per zoom = tiles x (wall time of the batch / batch size); bytes = tiles x mean
   raw size. bench/scale.sh compares the 1x estimate with the warm-up's own log line.

`report` reads WORK/scale<N>/meta.json (written by scale.sh: load time, RSS, the warm-up's
log line) and WORK/scale<N>/probe.json for each scale and writes the Markdown table.

Standard library only.
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import sys
import threading
import time
import urllib.parse

# Mirror of WARM_LAYER_SETS and WARM_MAX_ZOOM (src/tiles/postgis.rs): each layer set the
# warm-up renders, with its first zoom. Keep in step with the server; the 1x run checks the
# tile count against the warm-up's log line.
WARM_LAYER_SETS = [
    ("wales", 0),
    ("lsoa21,clusters,health_boards,labels", 0),
    ("clusters,health_boards,labels", 0),
    ("lsoa", 11),
]
WARM_MAX_ZOOM = 14
# What the latency and size measures ask for.
LATENCY_SETS = ["lsoa", "wales"]
LATENCY_ZOOMS = [8, 12, 14]
LATENCY_SAMPLE = 300
CANDIDATES = 25
PYRAMID_SAMPLE = 240
PYRAMID_CONCURRENCY = 8
SEED = 25


# --- tile arithmetic (as src/tiles/coord.rs) ---------------------------------------------


def col(lon, z):
    n = 2**z
    return min(max(int(math.floor((lon + 180.0) / 360.0 * n)), 0), n - 1)


def row(lat, z):
    n = 2**z
    r = math.radians(lat)
    y = (1.0 - math.log(math.tan(r) + 1.0 / math.cos(r)) / math.pi) / 2.0 * n
    return min(max(int(math.floor(y)), 0), n - 1)


def covering(z, bounds):
    """Every tile of zoom z over (west, south, east, north), as the warm-up walks them."""
    west, south, east, north = bounds
    return [(z, x, y) for y in range(row(north, z), row(south, z) + 1) for x in range(col(west, z), col(east, z) + 1)]


def data_tiles(geojson, zooms):
    """Per zoom: tile -> [vertices, features] over every vertex of every feature."""
    with open(geojson, encoding="utf-8") as f:
        features = json.load(f)["features"]
    per_zoom = {z: {} for z in zooms}
    for fid, ft in enumerate(features):
        seen = {z: set() for z in zooms}

        def visit(c):
            if c and isinstance(c[0], (int, float)):
                lon, lat = c[0], c[1]
                for z in zooms:
                    t = (z, col(lon, z), row(lat, z))
                    entry = per_zoom[z].setdefault(t, [0, 0])
                    entry[0] += 1
                    if t not in seen[z]:
                        seen[z].add(t)
                        entry[1] += 1
            else:
                for cc in c:
                    visit(cc)

        visit(ft["geometry"]["coordinates"])
    return per_zoom


# --- HTTP --------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; `get` returns (status, bytes, seconds)."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port or 80
        self.conn = None

    def get(self, path):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                started = time.perf_counter()
                # No Accept-Encoding beyond http.client's `identity`: raw MVT bytes.
                self.conn.request("GET", path)
                resp = self.conn.getresponse()
                body = resp.read()
                return resp.status, body, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def tile_path(layers, t):
    return f"/tiles/{layers}/{t[0]}/{t[1]}/{t[2]}"


def fetch_parallel(base, paths, workers):
    """Fetches paths with `workers` threads; returns (results in order, wall seconds)."""
    results = [None] * len(paths)
    next_index = [0]
    lock = threading.Lock()

    def work():
        client = Client(base)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(paths):
                return
            status, body, seconds = client.get(paths[i])
            results[i] = (status, len(body) if status == 200 else 0, seconds)

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, time.perf_counter() - started


def percentile(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


# --- measure -----------------------------------------------------------------------------


def measure(args):
    rng = random.Random(SEED)
    client = Client(args.base)
    status, body, _ = client.get("/tiles/wales")
    if status != 200:
        sys.exit(f"TileJSON answered {status}")
    bounds = json.loads(body)["bounds"]
    out = {"bounds": bounds, "latency": {}, "largest": {}, "pyramid": []}

    print("data tiles from the 2011 boundaries", file=sys.stderr)
    per_zoom = data_tiles(os.path.join(args.data, "lsoa_wales.geojson"), LATENCY_ZOOMS)

    # 1 and 2: latency sample and largest-tile candidates, one request at a time.
    for z in LATENCY_ZOOMS:
        tiles = sorted(per_zoom[z])
        sample = tiles if len(tiles) <= LATENCY_SAMPLE else rng.sample(tiles, LATENCY_SAMPLE)
        by_vertices = sorted(tiles, key=lambda t: -per_zoom[z][t][0])[:CANDIDATES]
        by_features = sorted(tiles, key=lambda t: -per_zoom[z][t][1])[:CANDIDATES]
        candidates = sorted((set(by_vertices) | set(by_features)) - set(sample))
        for layers in LATENCY_SETS:
            times, sizes, errors = [], [], 0
            for t in sample:
                status, body, seconds = client.get(tile_path(layers, t))
                if status in (200, 204):
                    times.append(seconds * 1000)
                    sizes.append((len(body) if status == 200 else 0, t))
                else:
                    errors += 1
            for t in candidates:
                status, body, _ = client.get(tile_path(layers, t))
                if status == 200:
                    sizes.append((len(body), t))
                elif status != 204:
                    errors += 1
            biggest = max(sizes) if sizes else (0, None)
            key = f"{layers}/{z}"
            out["latency"][key] = {
                "data_tiles": len(tiles),
                "n": len(times),
                "p50_ms": round(percentile(times, 50), 2) if times else None,
                "p99_ms": round(percentile(times, 99), 2) if times else None,
                "max_ms": round(max(times), 2) if times else None,
                "errors": errors,
            }
            out["largest"][key] = {"bytes": biggest[0], "tile": list(biggest[1]) if biggest[1] else None,
                                   "tiles_checked": len(sizes)}
            print(f"{key}: {out['latency'][key]} largest {biggest[0]} B at {biggest[1]}", file=sys.stderr)

    # 3: the default pyramid, per layer set and zoom, 8 at a time.
    for layers, min_zoom in WARM_LAYER_SETS:
        for z in range(min_zoom, WARM_MAX_ZOOM + 1):
            tiles = covering(z, bounds)
            batch = tiles if len(tiles) <= PYRAMID_SAMPLE else rng.sample(tiles, PYRAMID_SAMPLE)
            results, wall = fetch_parallel(args.base, [tile_path(layers, t) for t in batch], PYRAMID_CONCURRENCY)
            ok = [r for r in results if r[0] in (200, 204)]
            errors = len(results) - len(ok)
            mean_bytes = sum(r[1] for r in ok) / len(ok) if ok else 0
            entry = {
                "layers": layers,
                "z": z,
                "tiles": len(tiles),
                "sampled": len(batch),
                "empty_share": round(sum(1 for r in ok if r[0] == 204) / len(ok), 3) if ok else None,
                "largest_bytes": max((r[1] for r in ok), default=0),
                "est_seconds": len(tiles) * wall / len(batch),
                "est_bytes": len(tiles) * mean_bytes,
                "slowest_ms": round(max((r[2] for r in results), default=0) * 1000, 1),
                "errors": errors,
                "statuses": sorted({r[0] for r in results}),
            }
            out["pyramid"].append(entry)
            print(
                f"pyramid {layers} z{z}: {len(tiles)} tiles, ~{entry['est_seconds']:.1f} s, "
                f"~{entry['est_bytes'] / 1e6:.1f} MB, largest {entry['largest_bytes']} B, "
                f"slowest {entry['slowest_ms']} ms, errors {errors}",
                file=sys.stderr,
            )
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)


# --- report ------------------------------------------------------------------------------


def fmt_int(v):
    return "–" if v is None else f"{round(v):,}"


def fmt(v, digits=1):
    return "–" if v is None else f"{v:,.{digits}f}"


def cache_weight(raw_bytes, tiles):
    """MiB the tile cache would weigh these tiles at: today's weigher (src/tiles/cache.rs)
    counts raw x 1.6 (room for the gzip and brotli copies) + 128 bytes per entry, empty
    tiles included. The 1x run checks it against the warm-up's logged cache_mb."""
    return (raw_bytes * 1.6 + 128 * tiles) / 2**20


def pyramid_totals(probe):
    seconds = sum(e["est_seconds"] for e in probe["pyramid"])
    size = sum(e["est_bytes"] for e in probe["pyramid"])
    tiles = sum(e["tiles"] for e in probe["pyramid"])
    return tiles, seconds, size


def cumulative_by_zoom(probe):
    """Per deepest zoom zmax: tiles, estimated seconds and MB of the pyramid z0..zmax."""
    rows = []
    for zmax in range(0, WARM_MAX_ZOOM + 1):
        part = [e for e in probe["pyramid"] if e["z"] <= zmax]
        tiles = sum(e["tiles"] for e in part)
        rows.append(
            (
                zmax,
                tiles,
                sum(e["est_seconds"] for e in part),
                cache_weight(sum(e["est_bytes"] for e in part), tiles),
            )
        )
    return rows


def report(args):
    data = {}
    for n in args.scales:
        folder = os.path.join(args.work, f"scale{n}")
        with open(os.path.join(folder, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        with open(os.path.join(folder, "probe.json"), encoding="utf-8") as f:
            probe = json.load(f)
        data[n] = (meta, probe)
    cols = [f"{n}×" for n in args.scales]
    first_meta = data[args.scales[0]][0]
    lines = [
        "# Scale: the bundled Wales data at " + " and ".join(cols) + " (issue 25, part 3)",
        "",
        f"- date: {first_meta.get('date', '?')}; machine: {first_meta.get('machine', '?')}; "
        f"cluster-atlas {first_meta.get('commit', '?')}, release build",
        f"- command: `{first_meta.get('command', 'bench/scale.sh')}`",
        "- data: `bench/scale_data.py --copies N` (copy 0 is the bundled data; copies are "
        "translated on a grid of whole z9 tiles, with their own codes), loaded by "
        "`cluster-atlas load --data-dir <work folder>` (with `--extent-check` from its scale.json above 1×, "
        "as the copies lie outside the loader's default box around Wales)",
        "- cold latency: server started with `--cache-mb 0 --no-warm` (every request renders), "
        f"a random sample of up to {LATENCY_SAMPLE} tiles holding data per zoom, each requested "
        "once, sequentially (c=1), keep-alive; nearest-rank percentiles",
        "- largest tile: raw MVT bytes (no compression) over the latency sample plus the "
        f"{CANDIDATES} most vertex-dense and {CANDIDATES} most feature-dense tiles of the zoom "
        "(every data tile at z8)",
        "- RSS: `VmRSS` of the serve process; at rest = `serve --no-warm` after `/health` and "
        "`/catalog`; with the pyramid = `serve` (default 512 MiB cache) after its "
        "`tile pyramid warmed` log line",
        "",
        "| | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
    ]

    def row_of(label, f):
        lines.append(f"| {label} | " + " | ".join(f(*data[n]) for n in args.scales) + " |")

    row_of("2011 LSOAs / 2021 LSOAs", lambda m, p: f"{m['lsoas']:,} / {m['lsoa21s']:,}")
    row_of("clusters / health boards", lambda m, p: f"{m['clusters']:,} / {m['boards']:,}")
    row_of("input files (MB)", lambda m, p: fmt(m.get("input_mb")))
    row_of("`cluster-atlas load`, wall clock (s)", lambda m, p: fmt(m.get("load_seconds")))
    row_of("RSS at rest, `--no-warm` (MB)", lambda m, p: fmt_int(m.get("rss_rest_mb")))

    def warm_cell(m, key):
        w = m.get("warm") or {}
        if w.get(key) is not None:
            return w[key]
        return None

    row_of(
        "default pyramid: tiles (warm-up log)",
        lambda m, p: fmt_int(warm_cell(m, "tiles")) if warm_cell(m, "tiles") is not None else "not run",
    )
    row_of(
        "default pyramid: render seconds (warm-up log)",
        lambda m, p: fmt(warm_cell(m, "seconds")) if warm_cell(m, "seconds") is not None
        else (m.get("warm") or {}).get("note", "not run"),
    )
    row_of("default pyramid: cache MB (warm-up log)", lambda m, p: fmt_int(warm_cell(m, "cache_mb")))
    row_of(
        "RSS with the default pyramid (MB)",
        lambda m, p: fmt_int(warm_cell(m, "rss_mb")) + ("" if warm_cell(m, "tiles") is not None or
                                                         warm_cell(m, "rss_mb") is None else " (unfinished)"),
    )
    row_of("default pyramid: tiles (covering the bounds, computed)", lambda m, p: fmt_int(pyramid_totals(p)[0]))
    row_of(
        "default pyramid: render seconds, estimated from samples (8 at a time)",
        lambda m, p: fmt(pyramid_totals(p)[1]),
    )
    row_of("default pyramid: raw MVT MB, estimated", lambda m, p: fmt(pyramid_totals(p)[2] / 2**20))
    row_of(
        "default pyramid: cache MB, estimated (raw × 1.6 + 128 B a tile, as the cache weighs tiles)",
        lambda m, p: fmt_int(cache_weight(pyramid_totals(p)[2], pyramid_totals(p)[0])),
    )
    for layers in LATENCY_SETS:
        for z in LATENCY_ZOOMS:
            key = f"{layers}/{z}"
            row_of(
                f"cold `{layers}` z{z}: p50 / p99 ms (tiles)",
                lambda m, p, key=key: (
                    f"{fmt(p['latency'][key]['p50_ms'])} / {fmt(p['latency'][key]['p99_ms'])} "
                    f"({p['latency'][key]['n']})"
                ),
            )
    for layers in LATENCY_SETS:
        for z in LATENCY_ZOOMS:
            key = f"{layers}/{z}"
            row_of(f"largest `{layers}` tile z{z} (bytes)", lambda m, p, key=key: fmt_int(p["largest"][key]["bytes"]))
    def largest_anywhere(m, p):
        e = max(p["pyramid"], key=lambda e: e["largest_bytes"])
        return f"{e['largest_bytes']:,} (`{e['layers']}` z{e['z']})"

    row_of("largest tile seen in the default pyramid (bytes)", largest_anywhere)
    row_of("requests that failed (not 200/204)", lambda m, p: str(sum(v["errors"] for v in p["latency"].values())
                                                                + sum(e["errors"] for e in p["pyramid"])))

    lines += [
        "",
        "## The default pyramid by deepest zoom (estimated from samples)",
        "",
        "Every layer set of the warm-up from its first zoom to the deepest zoom of the row: "
        "tiles covering the data's bounds, estimated render seconds (8 at a time, as the "
        "warm-up) and the cache MB they would weigh (raw × 1.6 + 128 B a tile; the default "
        "cache is 512 MiB).",
        "",
        "| deepest zoom | " + " | ".join(f"{c} tiles | {c} s | {c} cache MB" for c in cols) + " |",
        "|---|" + "---|---|---|" * len(cols),
    ]
    cumulative = {n: cumulative_by_zoom(data[n][1]) for n in args.scales}
    for zmax in range(0, WARM_MAX_ZOOM + 1):
        cells = []
        for n in args.scales:
            _, tiles, seconds, mb = cumulative[n][zmax]
            cells.append(f"{tiles:,} | {seconds:,.1f} | {mb:,.0f}")
        lines.append(f"| z{zmax} | " + " | ".join(cells) + " |")

    lines += [
        "",
        "## Per layer set and zoom (estimated)",
        "",
        "| scale | layers | z | tiles | sampled | empty | est. s | est. MB | largest B | slowest ms | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n in args.scales:
        for e in data[n][1]["pyramid"]:
            lines.append(
                f"| {n}× | `{e['layers']}` | {e['z']} | {e['tiles']:,} | {e['sampled']} | "
                f"{e['empty_share'] if e['empty_share'] is not None else '–'} | {e['est_seconds']:.1f} | "
                f"{e['est_bytes'] / 2**20:.2f} | {e['largest_bytes']:,} | {e['slowest_ms']} | {e['errors']} |"
            )
    steps = [(n, data[n][0].get("load_steps") or []) for n in args.scales]
    if any(s for _, s in steps):
        lines += ["", "## Load steps (seconds, from the loader's log)", ""]
        names = []
        for _, s in steps:
            for name, _secs in s:
                if name not in names:
                    names.append(name)
        lines.append("| step | " + " | ".join(cols) + " |")
        lines.append("|---|" + "---|" * len(cols))
        for name in names:
            cells = []
            for _, s in steps:
                d = dict(s)
                cells.append(fmt(d.get(name), 2))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if args.footer:
        lines += ["", args.footer]
    text = "\n".join(lines) + "\n"
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)


# --- logs --------------------------------------------------------------------------------


def json_lines(path):
    """The JSON log lines of a file (CLUSTER_ATLAS_LOG_FORMAT=json); other lines skipped."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


def stamp(entry):
    """Seconds of a log entry's RFC 3339 timestamp (microseconds kept)."""
    from datetime import datetime

    return datetime.fromisoformat(entry["timestamp"].replace("Z", "+00:00")).timestamp()


def load_steps(args):
    """The seconds of each step of a load, from its JSON log: a step runs from its log line
    to the next (the last one to `--end`, epoch seconds). The progress lines of reading a
    file (`reading F: 477/1909`) make one step; what follows a file's `done` line until the
    next line is the reading and checking of the CSV inputs read after it, which log
    nothing. `--start` (epoch seconds the process started) adds the time before the first
    line: connecting and migrating."""
    entries = [e for e in json_lines(args.log) if "timestamp" in e and e.get("fields", {}).get("message")]
    marks = []  # (name, start seconds)
    if args.start is not None and entries:
        marks.append(("start-up: connect, migrate", args.start))
    for e in entries:
        message = e["fields"]["message"]
        m = re.match(r"^reading (.*?): (\d+ items|\d+/\d+|done \(\d+\))$", message)
        if m and m.group(2).startswith("done"):
            name = f"read and check the inputs that follow {os.path.basename(m.group(1))}"
        elif m:
            name = f"read {os.path.basename(m.group(1))} (GDAL)"
        else:
            name = message[:80]
        if not marks or marks[-1][0] != name:
            marks.append((name, stamp(e)))
    steps = []
    for i, (name, begin) in enumerate(marks):
        end = marks[i + 1][1] if i + 1 < len(marks) else args.end
        if end is not None:
            steps.append([name, round(end - begin, 3)])
    json.dump(steps, sys.stdout)


def warm_line(args):
    """The warm-up's log line as JSON: tiles, seconds, cache_mb (or {} if absent)."""
    found = {}
    for e in json_lines(args.log):
        fields = e.get("fields", {})
        if str(fields.get("message", "")).startswith("tile pyramid warmed"):
            found = {k: fields.get(k) for k in ("version", "tiles", "seconds", "cache_mb")}
        elif str(fields.get("message", "")).startswith("warming the new data version failed"):
            found = {"note": "failed: " + str(fields.get("error"))[:200]}
    json.dump(found, sys.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("measure", help="measure a running server (started with --cache-mb 0 --no-warm)")
    m.add_argument("--base", required=True)
    m.add_argument("--data", required=True, help="the generated data folder")
    m.add_argument("--out", required=True)
    r = sub.add_parser("report", help="write the Markdown report")
    r.add_argument("--work", required=True)
    r.add_argument("--scales", type=int, nargs="+", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--footer", help="a last line (e.g. how long the run took)")
    ls = sub.add_parser("load-steps", help="step timings of a load log (JSON log format)")
    ls.add_argument("log")
    ls.add_argument("--start", type=float, help="epoch seconds the load started")
    ls.add_argument("--end", type=float, help="epoch seconds the load ended")
    w = sub.add_parser("warm-line", help="the warm-up's log line as JSON")
    w.add_argument("log")
    args = parser.parse_args()
    {"measure": measure, "report": report, "load-steps": load_steps, "warm-line": warm_line}[args.command](args)


if __name__ == "__main__":
    main()
