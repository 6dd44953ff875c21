"""Request list for bench/soak.sh: a deterministic mix of everything a dashboard or GIS
client asks for (tiles at every zoom and layer set, indicator tiles, TileJSON, styles,
legends, data, findings, OGC API Features pages and items, downloads, the map page and its
assets), plus a small share of deliberately bad requests that must come back 4xx.

Usage: python3 soak_paths.py BASE_URL OUT_FILE
Reads the live catalogue (/indicators, /collections/clusters/items) so every "good" request
is valid for the loaded data. Lines are "G <path>" (expect 2xx/3xx) or "B <path>"
(expect 4xx).
"""
import json
import math
import random
import sys
import urllib.request

base, out = sys.argv[1].rstrip("/"), sys.argv[2]
rng = random.Random(6)


def fetch(path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.load(r)


indicators = [i["id"] for i in fetch("/indicators")["indicators"]]
clusters = fetch("/collections/clusters/items?limit=100&f=json")["features"]
cluster_ids = [f["id"] for f in clusters]
boards = sorted({f["properties"]["hb_code"] for f in clusters})
lsoas = [f["id"] for f in fetch("/collections/lsoa/items?limit=200&f=json")["features"]]
WEST, SOUTH, EAST, NORTH = -5.35, 51.35, -2.65, 53.45
METHODS = ["quantile", "equal_interval", "fisher_jenks"]
PALETTES = ["YlOrRd", "Blues", "PuBuGn", "OrRd", "Greens"]
DOMAINS = ["overall", "income", "employment", "health", "education", "access_to_services",
           "housing", "community_safety", "physical_environment"]


def tile(z):
    n = 2 ** z
    lon = rng.uniform(WEST, EAST)
    lat = math.radians(rng.uniform(SOUTH, NORTH))
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * n)
    return z, x, y


def good():
    kind = rng.random()
    if kind < 0.55:
        z, x, y = tile(rng.choice([5, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 12, 13, 14]))
        layers = rng.choice(["wales", "wales", "lsoa", "clusters", "health_boards", "lsoa,clusters"])
        return f"/tiles/{layers}/{z}/{x}/{y}"
    if kind < 0.65:
        z, x, y = tile(rng.choice([6, 7, 8, 9, 10]))
        ind = rng.choice(indicators)
        return (f"/tiles/clusters/{z}/{x}/{y}?indicator={ind}"
                f"&method={rng.choice(METHODS)}&classes={rng.randint(3, 7)}")
    if kind < 0.68:
        return rng.choice(["/tiles/wales", "/tiles/lsoa.json", "/tiles/clusters,health_boards",
                           f"/tiles/clusters?indicator={rng.choice(indicators)}"])
    if kind < 0.76:
        ind = rng.choice(indicators)
        return rng.choice([
            f"/styles/indicator.json?indicator={ind}&method={rng.choice(METHODS)}"
            f"&classes={rng.randint(3, 9)}&palette={rng.choice(PALETTES)}",
            f"/styles/deprivation.json?domain={rng.choice(DOMAINS)}&lang={rng.choice(['en', 'cy'])}",
            f"/styles/significance.json?indicator={ind}&vs={rng.choice(['wales', 'hb'])}",
            f"/styles/indicator.sld?indicator={ind}&classes=5",
        ])
    if kind < 0.82:
        ind = rng.choice(indicators)
        return rng.choice([
            f"/legends/indicator.json?indicator={ind}&classes={rng.randint(3, 9)}",
            f"/legends/indicator.svg?indicator={ind}&lang=cy",
            f"/legends/deprivation.svg?domain={rng.choice(DOMAINS)}",
            f"/data/{ind}", f"/data/{ind}?f=csv", f"/findings/{ind}?lang={rng.choice(['en', 'cy'])}",
            "/indicators", "/catalog", "/health",
        ])
    if kind < 0.94:
        w = rng.uniform(WEST, EAST - 0.3)
        s = rng.uniform(SOUTH, NORTH - 0.3)
        return rng.choice([
            f"/collections/clusters/items?limit={rng.randint(1, 63)}&offset={rng.randint(0, 60)}",
            f"/collections/lsoa/items?bbox={w:.3f},{s:.3f},{w + 0.3:.3f},{s + 0.3:.3f}&limit=100",
            f"/collections/lsoa/items?health_board={rng.choice(boards)}&limit=50&f=csv",
            f"/collections/lsoa/items?wimd_quintile={rng.randint(1, 5)}&limit=20",
            f"/collections/clusters/items/{rng.choice(cluster_ids)}",
            f"/collections/lsoa/items/{rng.choice(lsoas)}",
            f"/collections/clusters/items?indicator={rng.choice(indicators)}&limit=63&lang=cy",
            "/collections/health_boards/items", "/collections", "/conformance",
        ])
    if kind < 0.97:
        return rng.choice(["/map", "/static/map.js", "/static/map.css", "/",
                           "/static/vendor/maplibre-gl/maplibre-gl.mjs", "/static/vendor/maplibre-gl/maplibre-gl.css"])
    return rng.choice(["/downloads/clusters.geojson", "/downloads/clusters.csv",
                       "/downloads/health_boards.geojson", "/api"])


BAD = [
    "/tiles/wales/7/999/42", "/tiles/nope/7/62/42", "/tiles/wales/23/0/0", "/tiles/wales/a/b/c",
    "/tiles/lsoa/7/62/42?indicator=copd", "/styles/indicator.json?indicator=nope",
    "/styles/indicator.json?indicator=copd&classes=99", "/styles/indicator.json?indicator=copd&palette=x'--",
    "/collections/lsoa/items?bbox=1,2,3", "/collections/lsoa/items?limit=-1",
    "/collections/lsoa/items?wimd_quintile=9%27%20or%201=1--", "/collections/nope/items",
    "/data/copd?period=1999", "/findings/copd?lang=fr", "/legends/indicator.json?method=magic&indicator=copd",
    "/collections/clusters/items/%27%3B%20drop%20table%20atlas.lsoa%3B--",
]

lines = []
for _ in range(20000):
    if rng.random() < 0.02:
        lines.append("B " + rng.choice(BAD))
    else:
        lines.append("G " + good())
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"{len(lines)} requests ({sum(l.startswith('B') for l in lines)} deliberately bad) -> {out}")
