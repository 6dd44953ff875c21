#!/usr/bin/env python3
"""Build the APPROXIMATE LSOA -> 2024 primary care cluster model (issue 22 item 5).

NOT the official geography. The official one (PHW / Welsh Government, DataMapWales layer
`primary_care_clusters_2024_hwm`) assigns each Census-2021 LSOA to the cluster where most of
its residents are registered; the practice x LSOA counts it needs are not public. This is a
stand-in: a capacity-constrained nearest-practice model, calibrated so that each cluster's
modelled residents track its share of its health board's registered patients.

Usage:  python3 scripts/cluster_model.py [boundaries_dir]      (Python 3 standard library only)

Reads only files in boundaries/ (see boundaries/README.md, "Approximate cluster model v2").
Writes
  boundaries/lsoa21_to_cluster_APPROX_model.csv        one row per 2021 LSOA (1,917)
  boundaries/lsoa11_to_cluster_APPROX_model.csv        carried to 2011 LSOAs (1,909)
  boundaries/practice_locations_APPROX_model.csv       where each practice was put, and how
and prints the measurement table (old nearest-practice model against this one).
The output is byte-identical on every run (no randomness; ties broken by code).

Method, per health board (clusters never cross boards):
 1. Seeds: the practices with a 2024 list (QOF values present; closed/merged ones are not
    seeds). A seed sits at the ONS population-weighted centroid of the 2021 LSOA holding the
    practice's postcode (practices.csv). Practices with only a 2015 postcode are placed
    approximately by fallback(): the LSOA of a located practice with the same postcode, else
    the mean position of the located practices in the same postcode sector, else district,
    within the board. Coordinates are projected to British National Grid (OS transverse-
    Mercator series, Airy 1830, no datum shift: distances are unaffected).
 2. Cost of LSOA i for cluster c: d(i, c) = distance from i's population-weighted centroid to
    c's nearest seed + BETA x distance to c's list-weighted seed centre (the small second term
    splits LSOAs between clusters whose practices share one LSOA). Clusters whose nearest
    seed is more than DETOUR further than i's nearest seed are not allowed for i.
 3. LSOA i goes to the allowed cluster minimising d(i, c) - w(c): an additively weighted
    nearest-practice assignment (all w = 0 is plain nearest practice).
 4. Target residents of cluster c = board residents (mid-2024) x c's share of the board's
    Welsh-resident registered patients (StatsWales, April 2024).
 5. calibrate(): offsets w are tuned (subgradient rounds, then greedy exact moves) until
    cluster residents are as close to the targets as whole LSOAs allow.
 6. tidy(): detached patches without a practice of their cluster go to the neighbouring
    cluster they touch most, then single border LSOAs are moved where that improves the fit
    without splitting a cluster.
 7. 2011 LSOAs take the cluster of their 2021 children holding most mid-2024 residents.
"""
import csv
import json
import math
import os
import statistics
import sys
import time
from collections import defaultdict

T0 = time.time()
HERE = os.path.dirname(os.path.abspath(__file__))
B = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(HERE, "..", "boundaries")
B = os.path.normpath(B)

ROUNDS = 1500          # phase 1 rounds per board
STEP0 = 4000.0         # phase 1 first step, metres
DECAY = 0.997          # phase 1 step multiplier per round
BETA = 0.1             # weight of the distance to the cluster's list-weighted practice centre
DETOUR = 8000.0        # metres: an LSOA may only join a cluster whose nearest practice is at most
                       # this much further away than the nearest practice of any cluster of its board
FAR = 1e9              # cost of a cluster an LSOA may not join
MAX_MOVES = 20000      # bound on greedy moves per board (never reached in practice)
EPS = 0.001            # metres: how far past a boundary LSOA an offset is moved
TARGET_BASIS = "welsh_resident"   # cluster share of its board from Welsh-resident registered
                                  # patients; "list_size" uses whole 2024 lists (incl. English residents)
METHOD = "APPROX: calibrated nearest-practice model (scripts/cluster_model.py); NOT the official PHW/WG geography"


def read(name):
    with open(os.path.join(B, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(name, header, rows):
    with open(os.path.join(B, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# ---------------------------------------------------------------- projection (lon/lat -> BNG)
def bng(lon, lat):
    """OS National Grid transverse Mercator (Airy 1830 ellipsoid, OS 'A guide to coordinate
    systems in Great Britain', annex C). The input is ETRS89/WGS84 and no datum shift is
    applied, so points sit ~100 m from true OSGB36 grid positions, uniformly; distances
    between them are unaffected. Returns whole metres."""
    a, b, f0 = 6377563.396, 6356256.909, 0.9996012717
    lat0, lon0, e0, n0 = math.radians(49.0), math.radians(-2.0), 400000.0, -100000.0
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    phi, lam = math.radians(lat), math.radians(lon)
    s, c, t = math.sin(phi), math.cos(phi), math.tan(phi)
    nu = a * f0 / math.sqrt(1 - e2 * s * s)
    rho = a * f0 * (1 - e2) * (1 - e2 * s * s) ** -1.5
    eta2 = nu / rho - 1
    dp, sp = phi - lat0, phi + lat0
    m = b * f0 * ((1 + n + 1.25 * n ** 2 + 1.25 * n ** 3) * dp
                  - (3 * n + 3 * n ** 2 + 21 / 8 * n ** 3) * math.sin(dp) * math.cos(sp)
                  + (15 / 8 * n ** 2 + 15 / 8 * n ** 3) * math.sin(2 * dp) * math.cos(2 * sp)
                  - 35 / 24 * n ** 3 * math.sin(3 * dp) * math.cos(3 * sp))
    dl = lam - lon0
    north = (m + n0 + nu / 2 * s * c * dl ** 2
             + nu / 24 * s * c ** 3 * (5 - t * t + 9 * eta2) * dl ** 4
             + nu / 720 * s * c ** 5 * (61 - 58 * t * t + t ** 4) * dl ** 6)
    east = (e0 + nu * c * dl + nu / 6 * c ** 3 * (nu / rho - t * t) * dl ** 3
            + nu / 120 * c ** 5 * (5 - 18 * t * t + t ** 4 + 14 * eta2 - 58 * t * t * eta2) * dl ** 5)
    return round(east), round(north)


def dist(p, q):
    return math.hypot(p[0] - q[0], p[1] - q[1])


# ---------------------------------------------------------------- inputs
clusters = {r["cluster_key"]: r for r in read("clusters.csv")}
cl_name = {k: r["cluster_name_en"] for k, r in clusters.items()}

old21 = read("lsoa21_to_cluster_APPROX_nearest_practice.csv")       # parents, names, old model
old11 = {r["lsoa11cd"]: r["cluster_2024_key"] for r in read("lsoa11_to_cluster_APPROX_nearest_practice.csv")}
lhb11 = {r["lsoa11cd"]: r["lhb_cd"] for r in read("lsoa_lookup_wales.csv")}
codes21 = sorted(r["lsoa21cd"] for r in old21)
info21 = {r["lsoa21cd"]: r for r in old21}
parents = {c: info21[c]["lsoa11_parents"].split(";") for c in codes21}

# health board of a 2021 LSOA = the board of its 2011 parents (they must all agree)
lhb21 = {}
for c in codes21:
    boards = {lhb11[p] for p in parents[c]}
    assert len(boards) == 1, (c, boards)
    lhb21[c] = boards.pop()
assert all(lhb21[c] == info21[c]["lhb_code"] for c in codes21)

pop24 = {r["lsoa21cd"]: int(r["total"]) for r in read("population/lsoa21_sex_age_mid2024.csv")}
pop20 = {r["lsoa11cd"]: int(r["total"]) for r in read("population/lsoa_population.csv") if r["year"] == "2020"}
assert sorted(pop24) == codes21 and sorted(pop20) == sorted(lhb11)

xy = {}
for r in read("lsoa2021/lsoa21_wales_pop_weighted_centroids.csv"):
    xy[r["lsoa21cd"]] = bng(float(r["pwc_lon"]), float(r["pwc_lat"]))
assert sorted(xy) == codes21

# list sizes (one row per practice x register) and Welsh-resident registered patients
list_size = {}
for r in read("practice_qof_counts_2024.csv"):
    v = (r["cluster_key"], int(r["list_size"]))
    assert list_size.setdefault(r["practice_code"], v) == v
cl_list = defaultdict(int)
for k, n in list_size.values():
    cl_list[k] += n
cl_resident = {r["cluster_key"]: int(r["patients_welsh_resident"]) for r in read("cluster_deprivation_2024.csv")}
assert sorted(cl_list) == sorted(clusters) == sorted(cl_resident)

# ---------------------------------------------------------------- practice locations
practices = read("practices.csv")
# 2015 postcodes (WG QOF 2014-15 look-up) of the 31 practices listed without a postcode. There is
# no postcode -> LSOA directory in this folder, so they are placed by the fallback below,
# approximate to a postcode sector or district, never to an exact LSOA unless another practice
# has the very same postcode.
pc2015 = {r["practice_code"]: r["postcode_nospace"] for r in read("postcodes_for_31_practices_missing_in_project.csv")}
located = {p["practice_code"]: (p["postcode"], p["lsoa21cd_of_postcode"], p["lhb_code"])
           for p in practices if p["lsoa21cd_of_postcode"]}


def fallback(pc, board):
    """Locate a postcode with no LSOA from the located practices of the same health board:
    same full postcode -> that LSOA; else the mean position of those in the same postcode
    sector (postcode minus its last 2 characters), else district (minus 3). Sorted inputs, so
    the answer is deterministic. Returns (method, lsoa, point, description)."""
    mates = sorted((code, v) for code, v in located.items() if v[2] == board)
    same = [(code, v[1]) for code, v in mates if v[0] == pc]
    if same:
        return ("same_postcode", same[0][1], xy[same[0][1]],
                f"2015 postcode = postcode of located practice {same[0][0]} -> its LSOA21")
    for label, cut in (("sector", 2), ("district", 3)):
        part = pc[:-cut]
        pts = [xy[v[1]] for _, v in mates if v[0][:-cut] == part]
        if pts:
            point = (round(sum(q[0] for q in pts) / len(pts)), round(sum(q[1] for q in pts) / len(pts)))
            spread = max(dist(point, q) for q in pts) / 1000
            return (f"{label}_mean", "", point,
                    f"APPROX: mean of {len(pts)} located practice{'s' * (len(pts) > 1)} in 2015 postcode "
                    f"{label} {part} (farthest of them {spread:.1f} km from the mean)")
    return ("not_located", "", None, "not located: no located practice in its postcode district")


loc_rows, seeds = [], defaultdict(list)          # seeds[cluster] = [(practice, (E, N))]
for p in practices:
    code, key = p["practice_code"], p["cluster_2024_key"]
    if not key:                                   # only in the 2025 list: no 2024 cluster
        continue
    point, lsoa, how, method = None, "", "", "not_located"
    if p["lsoa21cd_of_postcode"]:
        lsoa, how, pc = p["lsoa21cd_of_postcode"], "2024 postcode -> LSOA21 (practices.csv)", p["postcode"]
        method, point = "postcode_lsoa21", xy[lsoa]
        if lhb21[lsoa] != p["lhb_code"]:          # W00142: surgery across the board boundary
            how += "; LSOA is in another health board (kept)"
    elif code in pc2015:
        pc = pc2015[code]
        method, lsoa, point, how = fallback(pc, p["lhb_code"])
    else:
        pc = p["postcode"]
        how = "not located: English postcode, no Welsh LSOA" if pc else "not located"
    active = code in list_size
    is_seed = active and point is not None
    if is_seed:
        seeds[key].append((code, point))
    loc_rows.append([code, p["practice_name"], p["lhb_code"], key, pc, lsoa,
                     point[0] if point else "", point[1] if point else "", method, how,
                     list_size[code][1] if active else "", active, is_seed])
assert sorted(seeds) == sorted(clusters), "every cluster needs a seed"

seed_lsoas = defaultdict(set)
for r in loc_rows:
    if r[12] and r[5]:
        seed_lsoas[r[3]].add(r[5])

# ---------------------------------------------------------------- adjacency (2021 polygons)
# Two LSOAs are neighbours when their ONS super-generalised boundaries share a vertex.
with open(os.path.join(B, "lsoa2021/lsoa21_wales_bsc.geojson"), encoding="utf-8") as f:
    gj = json.load(f)
owner = defaultdict(set)
for ft in gj["features"]:
    code = ft["properties"]["lsoa21cd"]
    for poly in ft["geometry"]["coordinates"]:
        for ring in poly:
            for x, y in ring:
                owner[(round(x, 6), round(y, 6))].add(code)
adj = defaultdict(set)
for s_ in owner.values():
    for c in s_:
        adj[c] |= s_ - {c}
adj = {c: sorted(v) for c, v in adj.items()}
assert sorted(adj) == codes21


def components(members):
    """Connected patches of a set of LSOAs, each a sorted list, in a fixed order."""
    seen, out = set(), []
    for s in sorted(members):
        if s in seen:
            continue
        comp, stack = [s], [s]
        seen.add(s)
        while stack:
            for q in adj[stack.pop()]:
                if q in members and q not in seen:
                    seen.add(q)
                    comp.append(q)
                    stack.append(q)
        out.append(sorted(comp))
    return out


def split_clusters(assignment):
    by = defaultdict(set)
    for c, k in assignment.items():
        by[k].add(c)
    return sorted(k for k, m in by.items() if len(components(m)) > 1)


# ---------------------------------------------------------------- assignment per board
def calibrate(lsoas, keys, d, pop, target):
    """Find offsets w so that the argmin of d - w gives each cluster about its target.
    Phase 1, ROUNDS rounds: w[c] -= step * (modelled - target) / target, the step shrinking by
    DECAY each round, offsets re-centred on 0; the best round is kept. Phase 2, greedy: raise
    (or lower) one offset just far enough for the first LSOA on that cluster's weighted
    boundary to join (or leave) it, taking the move that most improves the score; stop when
    none does. Score = (worst relative error, sum of relative errors), lexicographic."""
    def best(i, w):
        return min(keys, key=lambda k: (d[i][k] - w[k], k))

    def totals(a):
        g = dict.fromkeys(keys, 0)
        for i in lsoas:
            g[a[i]] += pop[i]
        return g

    def score(g):
        rel = [abs(g[k] - target[k]) / target[k] for k in keys]
        return (round(max(rel), 12), round(sum(rel), 12))

    w = dict.fromkeys(keys, 0.0)
    step, top = STEP0, None
    for _ in range(ROUNDS):
        a = {i: best(i, w) for i in lsoas}
        g = totals(a)
        sc = score(g)
        if top is None or sc < top[0]:
            top = (sc, dict(w))
        for k in keys:
            w[k] -= step * (g[k] - target[k]) / target[k]
        mean = sum(w.values()) / len(w)
        w = {k: w[k] - mean for k in keys}
        step *= DECAY
    w = top[1]
    a = {i: best(i, w) for i in lsoas}
    got, cur = totals(a), top[0]
    moves = 0
    while moves < MAX_MOVES:
        options = []                    # (score, cluster, direction, shift)
        for c in keys:
            # raise w[c]: LSOA i (not in c) joins c once w[c] passes d[i][c] - (d[i][a] - w[a])
            need = sorted((d[i][c] - (d[i][a[i]] - w[a[i]]) - w[c], i) for i in lsoas if a[i] != c)
            if need and need[0][0] < FAR / 2:
                shift = need[0][0] + EPS
                g = dict(got)
                for v, i in need:
                    if v < shift:
                        g[c] += pop[i]
                        g[a[i]] -= pop[i]
                options.append((score(g), c, 1, shift))
            # lower w[c]: LSOA i in c leaves once w[c] drops below its next-best cost
            mine = [i for i in lsoas if a[i] == c]
            need = sorted((min(d[i][k] - w[k] for k in keys if k != c) - (d[i][c] - w[c]), i)
                          for i in mine)
            if need and need[0][0] < FAR / 2:
                shift = need[0][0] + EPS
                leaving = [i for v, i in need if v < shift]
                if len(leaving) < len(mine):                       # keep at least one LSOA
                    w2 = dict(w)
                    w2[c] -= shift
                    g = dict(got)
                    for i in leaving:
                        g[c] -= pop[i]
                        g[best(i, w2)] += pop[i]
                    options.append((score(g), c, -1, shift))
        if not options:
            break
        options.sort()
        sc, c, sign, shift = options[0]
        if sc >= cur:
            break
        w[c] += sign * shift
        a = {i: best(i, w) for i in lsoas}
        got, cur = totals(a), score(totals(a))
        moves += 1
    return a, moves


def tidy(a, keys, pop, target):
    """Make clusters contiguous, then re-balance them along their borders.
    Step 1: hand each detached patch of a cluster (not its most populous patch, and holding
    none of its practices) to the cluster of the same board it touches most (ties: key),
    if the DETOUR rule allows it; repeat until nothing changes. Other patches stay.
    Step 2: move one border LSOA at a time to a neighbouring cluster of the same board when
    that improves the score; the LSOA must hold none of its cluster's practices, the DETOUR
    rule must allow the move, and neither cluster may fall into more patches. Best move
    first (ties: LSOA code, cluster key)."""
    def patches(k):
        return components({i for i in a if a[i] == k})

    moved = 0
    for _ in range(100):
        changed = False
        for k in keys:
            comps = patches(k)
            if len(comps) < 2:
                continue
            main = max(comps, key=lambda c: (sum(pop[i] for i in c), c[0]))
            for comp in comps:
                if comp is main or set(comp) & seed_lsoas[k]:
                    continue
                touch = defaultdict(int)
                for i in comp:
                    for q in adj[i]:
                        if q in a and a[q] != k and all(a[q] in allowed[j] for j in comp):
                            touch[a[q]] += 1
                if touch:
                    new = min(touch, key=lambda c: (-touch[c], c))
                    for i in comp:
                        a[i] = new
                    moved += len(comp)
                    changed = True
        if not changed:
            break
    got = dict.fromkeys(keys, 0)
    for i in a:
        got[a[i]] += pop[i]

    def score(g):
        rel = [abs(g[k] - target[k]) / target[k] for k in keys]
        return (round(max(rel), 12), round(sum(rel), 12))

    cur, swaps = score(got), 0
    npatch = {k: len(patches(k)) for k in keys}
    while swaps < MAX_MOVES:
        options = []
        for i in sorted(a):
            k = a[i]
            if i in seed_lsoas[k]:
                continue
            for c in sorted({a[q] for q in adj[i] if q in a and a[q] != k} & allowed[i]):
                g = dict(got)
                g[k] -= pop[i]
                g[c] += pop[i]
                sc = score(g)
                if sc < cur:
                    options.append((sc, i, c))
        for sc, i, c in sorted(options):
            k = a[i]
            a[i] = c
            if 0 < len(patches(k)) <= npatch[k] and len(patches(c)) <= npatch[c]:
                got[k] -= pop[i]
                got[c] += pop[i]
                cur = sc
                swaps += 1
                break
            a[i] = k
        else:
            break
    return moved, swaps


# list-weighted centre of each cluster's seeds (for the BETA term)
centre = {}
for k, pts in seeds.items():
    n = sum(list_size[code][1] for code, _ in pts)
    centre[k] = (sum(list_size[code][1] * q[0] for code, q in pts) / n,
                 sum(list_size[code][1] * q[1] for code, q in pts) / n)

new21, km_own, km_near, near_key, fit, allowed = {}, {}, {}, {}, {}, {}
for board in sorted(set(lhb21.values())):
    lsoas = [c for c in codes21 if lhb21[c] == board]
    keys = sorted(k for k in clusters if clusters[k]["lhb_code"] == board)
    near = {i: {k: min(dist(xy[i], q) for _, q in seeds[k]) for k in keys} for i in lsoas}
    for i in lsoas:
        closest = min(near[i].values())
        allowed[i] = {k for k in keys if near[i][k] <= closest + DETOUR}
    d = {i: {k: near[i][k] + BETA * dist(xy[i], centre[k]) if k in allowed[i] else FAR for k in keys}
         for i in lsoas}
    resid = sum(pop24[i] for i in lsoas)
    basis = cl_resident if TARGET_BASIS == "welsh_resident" else cl_list
    target = {k: resid * basis[k] / sum(basis[q] for q in keys) for k in keys}
    a, moves = calibrate(lsoas, keys, d, pop24, target)
    errs = []
    for stage in ("calibrated", "tidied"):
        if stage == "tidied":
            n_tidy, n_swap = tidy(a, keys, pop24, target)
        got = defaultdict(int)
        for i in lsoas:
            got[a[i]] += pop24[i]
        errs.append(max(abs(got[k] - target[k]) / target[k] for k in keys))
    fit[board] = (moves, errs[0], n_tidy, n_swap, errs[1])
    new21.update(a)
    for i in lsoas:
        near_key[i] = min(keys, key=lambda k: (near[i][k], k))
        km_near[i] = near[i][near_key[i]] / 1000
        km_own[i] = near[i][a[i]] / 1000
assert sorted(new21) == codes21 and set(new21.values()) == set(clusters)   # every cluster has LSOAs

# ---------------------------------------------------------------- carry to 2011 LSOAs
children = defaultdict(list)
for c in codes21:
    for p in parents[c]:
        children[p].append(c)
new11 = {}
for p in sorted(children):
    ks = defaultdict(int)
    for c in children[p]:
        ks[new21[c]] += pop24[c]
    new11[p] = min(ks, key=lambda k: (-ks[k], k))      # most mid-2024 residents; ties by key
assert sorted(new11) == sorted(lhb11)


def loader_rule(a11):
    """The loader's rule: a 2021 LSOA takes the cluster of most of its parents (ties: first)."""
    out = {}
    for c in codes21:
        ks = [a11[p] for p in parents[c]]
        out[c] = max(ks, key=lambda k: (ks.count(k), -ks.index(k)))
    return out


# ---------------------------------------------------------------- outputs
rows = []
for c in codes21:
    k, r = new21[c], info21[c]
    rows.append([c, r["lsoa21nm"], r["change_code"], r["lsoa11_parents"], lhb21[c], k, cl_name[k],
                 pop24[c], f"{km_own[c]:.3f}", near_key[c], f"{km_near[c]:.3f}",
                 clusters[k]["cluster_2025_key"], clusters[k]["cluster_2025_name_en"], METHOD])
write("lsoa21_to_cluster_APPROX_model.csv",
      ["lsoa21cd", "lsoa21nm", "change_code", "lsoa11_parents", "lhb_code", "cluster_2024_key",
       "cluster_2024_name_en", "residents_mid2024", "km_to_own_cluster_practice",
       "nearest_practice_cluster_key", "km_to_nearest_practice", "cluster_2025_key",
       "cluster_2025_name_en", "method"], rows)
rows = []
for p in sorted(new11):
    k, kids = new11[p], children[p]
    rows.append([p, lhb11[p], k, cl_name[k], ";".join(kids), len({new21[c] for c in kids}) > 1,
                 clusters[k]["cluster_2025_key"], clusters[k]["cluster_2025_name_en"],
                 METHOD + "; carried from 2021 LSOAs"])
write("lsoa11_to_cluster_APPROX_model.csv",
      ["lsoa11cd", "lhb_code", "cluster_2024_key", "cluster_2024_name_en", "lsoa21_children",
       "children_disagree", "cluster_2025_key", "cluster_2025_name_en", "method"], rows)
write("practice_locations_APPROX_model.csv",
      ["practice_code", "practice_name", "lhb_code", "cluster_2024_key", "postcode_used", "lsoa21cd",
       "bng_e_approx", "bng_n_approx", "location_method", "located_by", "list_size_2024",
       "has_2024_list", "is_seed"], loc_rows)

# ---------------------------------------------------------------- measurement
def measure(assignment, pop):
    got = dict.fromkeys(clusters, 0)
    for c, k in assignment.items():
        got[k] += pop[c]
    out = []
    for ref in (cl_list, cl_resident):
        ape = sorted((abs(got[k] - ref[k]) / ref[k] * 100, k) for k in clusters)
        out.append((statistics.median(v for v, _ in ape), ape[-1], sum(v <= 10 for v, _ in ape)))
    least = min(sum(1 for k2 in assignment.values() if k2 == k) for k in clusters)
    return out, least


old21_loaded = loader_rule(old11)
assert all(old21_loaded[c] == info21[c]["cluster_2024_key"] for c in codes21)
new21_loaded = loader_rule(new11)
cases = [("old: 2011 LSOAs, mid-2020", old11, pop20, False),
         ("old: 2021 LSOAs via parents rule, mid-2024", old21_loaded, pop24, True),
         ("new: 2021 LSOAs direct, mid-2024", new21, pop24, True),
         ("new: 2011 LSOAs carried, mid-2020", new11, pop20, False),
         ("new: 2021 via parents rule from carried 2011, mid-2024", new21_loaded, pop24, True)]
print("Modelled residents per cluster (63) against A = 2024 list size (QOF) and B = Welsh-resident")
print("registered patients (StatsWales, Apr 2024). APE = |model - ref| / ref. 'split' = clusters not")
print("one connected patch of 2021 polygons (Anglesey is a separate island: 2 patches in Wales).")
print(f"{'case':55} {'A median':>8} {'A worst':>30} {'<=10%':>5} {'B median':>8} {'B worst':>30}"
      f" {'min LSOAs':>9} {'split':>5}")
for label, a, pop, poly in cases:
    ((m1, w1, n1), (m2, w2, _)), least = measure(a, pop)
    split = len(split_clusters(a)) if poly else "-"
    print(f"{label:55} {m1:7.1f}% {w1[0]:6.1f}% {cl_name[w1[1]][:22]:>22} {n1:5} {m2:7.1f}% "
          f"{w2[0]:6.1f}% {cl_name[w2[1]][:22]:>22} {least:9} {split:>5}")
ch21 = [c for c in codes21 if new21[c] != old21_loaded[c]]
ch11 = sum(new11[c] != old11[c] for c in new11)
print(f"LSOAs changing cluster, old -> new: 2021 {len(ch21)} of {len(codes21)} "
      f"({sum(pop24[c] for c in ch21):,} mid-2024 residents); 2011 {ch11} of {len(new11)}. "
      f"Parents rule differs from direct 2021 in {sum(new21_loaded[c] != new21[c] for c in codes21)} LSOAs.")
extra = [km_own[c] - km_near[c] for c in codes21]
print(f"New 2021: {sum(x > 0 for x in extra)} LSOAs are not in the cluster of their nearest practice; "
      f"extra distance to their own cluster's nearest practice: max {max(extra):.1f} km, "
      f"{sum(x > 5 for x in extra)} LSOAs over 5 km.")
print("Split clusters, new 2021:", ", ".join(cl_name[k] for k in split_clusters(new21)) or "none")
hows = defaultdict(int)
for r in loc_rows:
    hows[(r[8], r[12])] += 1
print("Practices located by (location_method):")
for (h, seed), n in sorted(hows.items()):
    print(f"  {n:3} {h} ({'seed' if seed else 'not a seed'})")
print("Practices placed by the fallback:")
for r in loc_rows:
    if r[8] not in ("postcode_lsoa21", "not_located"):
        print(f"  {r[0]} {r[1][:32]:32} {r[4]:8} {'seed' if r[12] else 'no list':7} {r[9]}")
print("Fit to target per board (worst cluster): after calibration -> after tidying")
for b, (moves, e1, nt, ns, e2) in sorted(fit.items()):
    print(f"  {b}: {e1 * 100:.2f}% ({moves} greedy moves) -> {e2 * 100:.2f}% "
          f"({nt} detached LSOAs re-homed, {ns} border moves)")
print(f"done in {time.time() - T0:.1f} s")
