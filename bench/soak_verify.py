"""Checks every distinct request of the soak list once, sequentially: "G" lines must answer
2xx/3xx and "B" lines 4xx with a JSON error body. Run by bench/soak.sh before the soak, so the
soak's status tallies mean what they say.

Usage: python3 soak_verify.py BASE_URL PATHS_FILE
"""
import json
import sys
import urllib.error
import urllib.request

base, paths = sys.argv[1].rstrip("/"), sys.argv[2]
distinct = sorted(set(open(paths).read().split("\n")) - {""})
bad = []
for line in distinct:
    kind, path = line[0], line[2:]
    try:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            status, body = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    if kind == "G" and not 200 <= status < 400:
        bad.append(f"{status} {path} {body[:200]!r}")
    if kind == "B":
        ok = 400 <= status < 500
        try:
            ok = ok and "error" in json.loads(body)
        except ValueError:
            ok = False
        if not ok:
            bad.append(f"{status} {path} (expected a 4xx JSON error) {body[:200]!r}")
print(f"verified {len(distinct)} distinct requests: {len(bad)} unexpected")
for b in bad[:40]:
    print("  " + b)
sys.exit(1 if bad else 0)
