"""MLT against MVT on every non-empty tile of the two default map sources (bench/mlt.sh).

usage: python3 bench/mlt_sizes.py http://127.0.0.1:PORT WORKDIR

For `wales` (the deprivation map's source) and `clusters,health_boards?indicator=copd`
(the indicator map's), z6-z13 over the data's bounds: each tile is fetched as MVT (which
renders and caches it), then as MLT twice (the first re-encodes the cached MVT, the second
is a cache hit), raw and with gzip. Prints a Markdown table and writes the lsoa request
lists for wrk (WORKDIR/lsoa-mvt.txt, lsoa-mlt.txt). Standard library only.
"""

import json
import math
import statistics
import sys
import time
import urllib.request

base, work = sys.argv[1].rstrip("/"), sys.argv[2]


def get(path, gzip=False):
    req = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip" if gzip else "identity"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
        return r.status, len(body), r.headers.get("Content-Type", ""), (time.perf_counter() - t) * 1000


def tiles(bounds, z):
    w, s, e, n = bounds
    def xy(lon, lat):
        x = (lon + 180) / 360 * 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z
        return int(x), int(y)
    x0, y0 = xy(w, n)
    x1, y1 = xy(e, s)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


bounds = json.load(urllib.request.urlopen(base + "/vocabulary"))["bounds"]
sources = [("wales", "wales", ""), ("clusters,health_boards + copd", "clusters,health_boards", "indicator=copd")]
rows = []
lsoa = []
for label, layers, query in sources:
    sums = {"tiles": 0, "mvt": 0, "mvt_gz": 0, "mlt": 0, "mlt_gz": 0}
    encode_ms, hit_ms, mvt_hit_ms = [], [], []
    for z in range(6, 14):
        for (z_, x, y) in tiles(bounds, z):
            path = f"/tiles/{layers}/{z_}/{x}/{y}"
            sep = "?" + query + "&" if query else "?"
            status, mvt, ctype, _ = get(path + ("?" + query if query else ""))
            if status != 200:
                continue
            _, _, _, t_mvt_hit = get(path + ("?" + query if query else ""))
            _, mlt, mtype, t_encode = get(path + sep + "encoding=mlt")
            _, _, _, t_hit = get(path + sep + "encoding=mlt")
            assert mtype.startswith("application/vnd.maplibre-tile"), mtype
            _, mvt_gz, _, _ = get(path + ("?" + query if query else ""), gzip=True)
            _, mlt_gz, _, _ = get(path + sep + "encoding=mlt", gzip=True)
            sums["tiles"] += 1
            sums["mvt"] += mvt
            sums["mvt_gz"] += mvt_gz
            sums["mlt"] += mlt
            sums["mlt_gz"] += mlt_gz
            encode_ms.append(t_encode)
            hit_ms.append(t_hit)
            mvt_hit_ms.append(t_mvt_hit)
            if layers == "wales":
                lsoa.append((z_, x, y))
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]
    rows.append((label, sums, statistics.median(encode_ms), q(encode_ms, 0.95), max(encode_ms),
                 statistics.median(hit_ms), statistics.median(mvt_hit_ms)))

with open(f"{work}/lsoa-mvt.txt", "w") as f:
    f.writelines(f"/tiles/lsoa/{z}/{x}/{y}\n" for (z, x, y) in lsoa if z >= 6)
with open(f"{work}/lsoa-mlt.txt", "w") as f:
    f.writelines(f"/tiles/lsoa/{z}/{x}/{y}?encoding=mlt\n" for (z, x, y) in lsoa if z >= 6)
# The MLT copies of the lsoa list, made once so that wrk measures hits.
for (z, x, y) in lsoa:
    get(f"/tiles/lsoa/{z}/{x}/{y}")
    get(f"/tiles/lsoa/{z}/{x}/{y}?encoding=mlt")

mb = lambda b: f"{b / 1e6:.2f}"
print("| source (z6-z13, non-empty tiles) | tiles | MVT MB | MLT MB | MLT / MVT | MVT gzip MB | MLT gzip MB | MLT / MVT, gzip | first MLT request (encode), median / p95 / max ms | MLT hit, median ms | MVT hit, median ms |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for label, s, med, p95, mx, hit, mvt_hit in rows:
    print(f"| {label} | {s['tiles']} | {mb(s['mvt'])} | {mb(s['mlt'])} | {s['mlt'] / s['mvt']:.2f} | {mb(s['mvt_gz'])} | "
          f"{mb(s['mlt_gz'])} | {s['mlt_gz'] / s['mvt_gz']:.2f} | {med:.1f} / {p95:.1f} / {mx:.1f} | {hit:.2f} | {mvt_hit:.2f} |")
