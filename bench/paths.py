"""Request list for bench/run.sh: every tile covering Wales from z6 to z14, shuffled, with
the zooms people view most repeated (weights below), for three URL schemes.

Usage: python3 paths.py WEST SOUTH EAST NORTH OUTDIR
Writes OUTDIR/{ours,martin,nginx}.txt (one path per line, same tiles, same order) and
OUTDIR/unique.txt (each tile once, for warm-up passes).
"""
import math
import random
import sys

west, south, east, north = map(float, sys.argv[1:5])
out = sys.argv[5]
# Share of extra requests per zoom: mid zooms (town and neighbourhood views) are what
# analysts look at most. Every tile also appears once.
WEIGHTS = {6: 0.02, 7: 0.04, 8: 0.08, 9: 0.12, 10: 0.16, 11: 0.18, 12: 0.18, 13: 0.12, 14: 0.10}
EXTRA = 30000


def col(lon, z):
    return int(math.floor((lon + 180.0) / 360.0 * 2**z))


def row(lat, z):
    r = math.radians(lat)
    return int(math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2**z))


by_zoom = {}
for z in WEIGHTS:
    by_zoom[z] = [
        (z, x, y)
        for x in range(col(west, z), col(east, z) + 1)
        for y in range(row(north, z), row(south, z) + 1)
    ]
unique = [t for z in WEIGHTS for t in by_zoom[z]]
rng = random.Random(2026)
zooms = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()), k=EXTRA)
weighted = unique + [rng.choice(by_zoom[z]) for z in zooms]
rng.shuffle(weighted)
random.Random(7).shuffle(unique)
schemes = {
    "ours": "/tiles/lsoa/{z}/{x}/{y}",
    "martin": "/lsoa/{z}/{x}/{y}",
    "nginx": "/{z}/{x}/{y}",
}
for name, template in schemes.items():
    with open(f"{out}/{name}.txt", "w") as f:
        for z, x, y in weighted:
            f.write(template.format(z=z, x=x, y=y) + "\n")
    with open(f"{out}/{name}-unique.txt", "w") as f:
        for z, x, y in unique:
            f.write(template.format(z=z, x=x, y=y) + "\n")
print(f"{len(unique)} tiles, {len(weighted)} weighted requests")
