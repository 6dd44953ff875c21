#!/usr/bin/env bash
# The tile benchmark: cluster-atlas against Martin on the same PostGIS and the same table
# (atlas.lsoa), and against nginx serving the same tiles as static files, with wrk.
#
#   bench/run.sh                       # everything, two rounds: about 30 minutes on 2 cores,
#                                      # then the scale test (about 15 more)
#   DURATION=10s ROUNDS=1 bench/run.sh # shorter
#   SCALE=0 bench/run.sh               # without the scale test
#
# It installs what it needs (wrk and nginx from Debian, Martin 1.14 with cargo into
# .bench-tools/), starts a private PostGIS (scripts/common.sh), loads the bundled data into
# database cluster_atlas_bench, and writes bench/results/latest.md. Then bench/scale.sh
# loads the bundled data at 1x and 20x into databases of its own on the same PostGIS and
# writes bench/results/scale.md (its knobs, e.g. SCALES and WARM_SCALES, pass through).
# Loopback only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/common.sh
source "$here/../scripts/common.sh"
cd "$CA_REPO_ROOT"

DURATION="${DURATION:-15s}"
OURS_PORT=18080
MARTIN_PORT=18081
NGINX_PORT=18082
work="$here/work"
results="$here/results"
mkdir -p "$work" "$results"
log() { printf '\n==== %s ====\n' "$*" >&2; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

log "tools"
ensure_packages
command -v wrk >/dev/null || ca_apt_install wrk
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || ca_apt_install nginx-light
martin="$CA_REPO_ROOT/.bench-tools/bin/martin"
if [ ! -x "$martin" ]; then
    # 1.14.0 is the newest that builds with this toolchain; its default features need
    # network access at build time, so only the PostgreSQL source is built.
    cargo install martin@1.14.0 --locked --no-default-features --features postgres --root "$CA_REPO_ROOT/.bench-tools"
fi
cargo build --release --locked
bin="${CARGO_TARGET_DIR:-$CA_REPO_ROOT/target}/release/cluster-atlas"

log "database"
ensure_private_postgis cluster_atlas_bench
"$bin" load >/dev/null
version="$("$CA_PG_BIN/psql" -X -qAt "$DATABASE_URL" -c 'select max(version) from atlas.data_version')"

log "request list"
read -r west south east north < <("$CA_PG_BIN/psql" -X -qAt -F ' ' "$DATABASE_URL" \
    -c 'select west, south, east, north from atlas.data_version order by version desc limit 1')
python3 "$here/paths.py" "$west" "$south" "$east" "$north" "$work"

log "static export for nginx (lsoa, z6-z14)"
rm -rf "$work/static"
"$bin" export --format dir --layers lsoa --minzoom 6 --maxzoom 14 --output "$work/static" > "$work/export.json"
cat > "$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $work/static;
        default_type application/vnd.mapbox-vector-tile;
        location / { try_files \$uri.mvt =204; }
    }
}
EOF

cat > "$work/martin.yaml" <<EOF
listen_addresses: 127.0.0.1:$MARTIN_PORT
worker_processes: 2
postgres:
  connection_string: $DATABASE_URL
  pool_size: 16
  auto_publish: false
  tables:
    lsoa:
      schema: atlas
      table: lsoa
      srid: 3857
      geometry_column: geom
      geometry_type: MULTIPOLYGON
      id_column: fid
      properties:
        code: text
        name_en: text
        name_cy: text
        name_cy_fallback: bool
        name_wimd: text
        la_code: text
        hb_code: text
        cluster_code: text
        cluster_provenance: text
        wimd_rank: int4
        wimd_decile: int2
        wimd_quintile: int2
        income_quintile: int2
        employment_quintile: int2
        health_quintile: int2
        education_quintile: int2
        access_to_services_quintile: int2
        housing_quintile: int2
        community_safety_quintile: int2
        physical_environment_quintile: int2
EOF

wait_http() {
    for _ in $(seq 1 100); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.2
    done
    ca_die "no answer from $1"
}

start_ours() { # $1 = cache MiB
    "$bin" serve --bind "127.0.0.1:$OURS_PORT" --cache-mb "$1" --pool-size 16 >"$work/ours.log" 2>&1 &
    ours_pid=$!
    pids+=("$ours_pid")
    wait_http "http://127.0.0.1:$OURS_PORT/health"
}
start_martin() { # $1 = cache MiB (0 = off)
    "$martin" --config "$work/martin.yaml" --cache-size "$1" >"$work/martin.log" 2>&1 &
    martin_pid=$!
    pids+=("$martin_pid")
    wait_http "http://127.0.0.1:$MARTIN_PORT/catalog"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
rss_mb() { awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

# One pass over every tile once, 16 at a time, so that caches hold the pyramid.
warm_pass() { # $1 = base URL, $2 = unique list
    awk -v base="$1" '{ printf "url = \"%s%s\"\noutput = \"/dev/null\"\n", base, $0 }' "$2" > "$work/warm.curl"
    curl -s --no-progress-meter --parallel --parallel-max 16 -K "$work/warm.curl"
}

log "lists: every non-empty lsoa tile z6-z14 (the files the export wrote)"
python3 - "$work" <<'PY'
import os, random, sys
work = sys.argv[1]
root = os.path.join(work, "static")
tiles = []
for z in sorted(os.listdir(root)):
    if not z.isdigit():
        continue
    for x in os.listdir(os.path.join(root, z)):
        for name in os.listdir(os.path.join(root, z, x)):
            if name.endswith(".mvt") and os.path.getsize(os.path.join(root, z, x, name)) > 0:
                tiles.append((int(z), int(x), int(name[:-4])))
tiles.sort()
random.Random(15).shuffle(tiles)
for scheme, template in {"ours": "/tiles/lsoa/{}/{}/{}", "martin": "/lsoa/{}/{}/{}", "nginx": "/{}/{}/{}"}.items():
    with open(os.path.join(work, f"{scheme}-nonempty.txt"), "w") as f:
        f.writelines(template.format(*t) + "\n" for t in tiles)
print(f"{len(tiles)} non-empty tiles", file=sys.stderr)
PY

log "PMTiles archive for archive mode (lsoa, z6-z14)"
"$bin" export --format pmtiles --layers lsoa --minzoom 6 --maxzoom 14 --output "$work/lsoa.pmtiles" >/dev/null

table="$work/table.md"
echo "| round | list | server | cache | concurrency | req/s | p50 | p99 | non-2xx/3xx | socket errors | peak RSS MB |" > "$table"
echo "|---|---|---|---|---|---|---|---|---|---|---|" >> "$table"
# Both request lists against one running server: "popular" (every tile once plus 30,000
# drawn by zoom popularity) and "nonempty" (every non-empty tile once, mostly z12-z14).
run_wrk() { # round, name, state, base url, list prefix (ours|martin|nginx), pid-for-rss
    for list in popular nonempty; do
        local paths="$work/$5.txt"
        [ "$list" = nonempty ] && paths="$work/$5-nonempty.txt"
        for c in 1 16 64; do
            local threads=$((c < 2 ? 1 : 2))
            local f="$work/wrk-$1-$list-$2-$3-$c.txt"
            PATHS="$paths" wrk -t"$threads" -c"$c" -d"$DURATION" --latency -s "$here/paths.lua" "$4" >"$f" 2>&1 || true
            local rps p50 p99 non2xx sockerr rss
            rps=$(awk '/Requests\/sec/ {print $2}' "$f")
            p50=$(awk '$1=="50%" {print $2}' "$f")
            p99=$(awk '$1=="99%" {print $2}' "$f")
            non2xx=$(awk '/Non-2xx/ {print $NF}' "$f"); non2xx=${non2xx:-0}
            sockerr=$(awk '/Socket errors/ {print $0}' "$f" | sed 's/.*Socket errors: //'); sockerr=${sockerr:-none}
            rss=$([ -n "$6" ] && rss_mb "$6" || echo "-")
            echo "| $1 | $list | $2 | $3 | $c | $rps | $p50 | $p99 | $non2xx | $sockerr | $rss |" >> "$table"
            echo "round $1 $list $2 $3 c=$c: $rps req/s, p50 $p50, p99 $p99" >&2
        done
    done
}

ROUNDS="${ROUNDS:-2}"
for round in $(seq 1 "$ROUNDS"); do
    log "round $round: cold, cluster-atlas and Martin without cache"
    start_ours 0
    run_wrk "$round" cluster-atlas cold "http://127.0.0.1:$OURS_PORT" ours "$ours_pid"
    stop "$ours_pid"
    start_martin 0
    run_wrk "$round" martin cold "http://127.0.0.1:$MARTIN_PORT" martin "$martin_pid"
    stop "$martin_pid"

    log "round $round: warm, after one pass over every tile"
    start_ours 1024
    t0=$(date +%s.%N)
    warm_pass "http://127.0.0.1:$OURS_PORT" "$work/ours-unique.txt"
    ours_warm_s=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
    run_wrk "$round" cluster-atlas warm "http://127.0.0.1:$OURS_PORT" ours "$ours_pid"
    ours_rss=$(rss_mb "$ours_pid")
    stop "$ours_pid"
    start_martin 1024
    t0=$(date +%s.%N)
    warm_pass "http://127.0.0.1:$MARTIN_PORT" "$work/martin-unique.txt"
    martin_warm_s=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
    run_wrk "$round" martin warm "http://127.0.0.1:$MARTIN_PORT" martin "$martin_pid"
    stop "$martin_pid"
    /usr/sbin/nginx -c "$work/nginx.conf"
    wait_http "http://127.0.0.1:$NGINX_PORT/6/31/21"
    run_wrk "$round" nginx static "http://127.0.0.1:$NGINX_PORT" nginx ""
    kill "$(cat "$work/nginx.pid")"
    sleep 0.5

    log "round $round: archive mode (serve --pmtiles), after one pass"
    "$bin" serve --pmtiles "$work/lsoa.pmtiles" --bind "127.0.0.1:$OURS_PORT" >"$work/archive.log" 2>&1 &
    archive_pid=$!
    pids+=("$archive_pid")
    wait_http "http://127.0.0.1:$OURS_PORT/health"
    warm_pass "http://127.0.0.1:$OURS_PORT" "$work/ours-unique.txt"
    run_wrk "$round" archive warm "http://127.0.0.1:$OURS_PORT" ours "$archive_pid"
    stop "$archive_pid"
done

# Ratios, per round, list and concurrency: the issue's targets.
ratios="$work/ratios.md"
python3 - "$table" > "$ratios" <<'PY'
import sys
rows = [l.strip().strip("|").split("|") for l in open(sys.argv[1]) if l.startswith("| ") and "req/s" not in l and "---" not in l]
rps = {}
for r in rows:
    r = [c.strip() for c in r]
    try:
        rps[(r[0], r[1], r[2], r[3], r[4])] = float(r[5])
    except ValueError:
        pass
def ratio(round_, lst, c, a, b):
    x, y = rps.get((round_, lst, *a, c)), rps.get((round_, lst, *b, c))
    return f"{x / y:.2f}×" if x and y else "–"
print("| round | list | c | cold: ours / Martin (target ≥ 1, goal 2) | warm: ours / nginx (≥ 0.8) | archive / nginx (≥ 0.8) | warm: ours / Martin |")
print("|---|---|---|---|---|---|---|")
for round_ in sorted({k[0] for k in rps}):
    for lst in ("popular", "nonempty"):
        for c in ("1", "16", "64"):
            print(f"| {round_} | {lst} | {c} | {ratio(round_, lst, c, ('cluster-atlas', 'cold'), ('martin', 'cold'))} | "
                  f"{ratio(round_, lst, c, ('cluster-atlas', 'warm'), ('nginx', 'static'))} | "
                  f"{ratio(round_, lst, c, ('archive', 'warm'), ('nginx', 'static'))} | "
                  f"{ratio(round_, lst, c, ('cluster-atlas', 'warm'), ('martin', 'warm'))} |")
PY

log "seeding the whole pyramid (all default layers, z0-z14) at start-up"
"$bin" serve --bind "127.0.0.1:$OURS_PORT" --cache-mb 1024 >"$work/ours-warm.log" 2>&1 &
seed_pid=$!
pids+=("$seed_pid")
for _ in $(seq 1 600); do
    grep -q "tile pyramid warmed" "$work/ours-warm.log" && break
    sleep 0.5
done
seed_line=$(grep "tile pyramid warmed" "$work/ours-warm.log" | sed 's/\x1b\[[0-9;]*m//g' | tail -1)
seed_rss=$(rss_mb "$seed_pid")
stop "$seed_pid"

{
    echo "# Benchmark results"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"
    echo "- cluster-atlas $(git rev-parse --short HEAD), data version $version; Martin $("$martin" --version | awk '{print $2}'); $(wrk --version 2>&1 | head -1 | awk '{print $1, $2}'); nginx $(/usr/sbin/nginx -v 2>&1 | sed 's#.*/##')"
    echo "- request lists: **popular**, every lsoa tile covering Wales z6-z14 ($(wc -l <"$work/ours-unique.txt") tiles) plus 30,000 more drawn by zoom popularity, shuffled ($(wc -l <"$work/ours.txt") requests); **nonempty**, every non-empty lsoa tile z6-z14 once ($(wc -l <"$work/ours-nonempty.txt") tiles), shuffled"
    echo "- wrk $DURATION per row, 1 thread at concurrency 1, 2 threads otherwise, client and servers on the same $(nproc) cores; $ROUNDS rounds (the noise is about ±10%)"
    echo "- warm pass over every tile once (16 at a time): cluster-atlas ${ours_warm_s}s, Martin ${martin_warm_s}s"
    echo "- default pyramid rendered before the first version is served (wales and clusters,health_boards z0-z14, lsoa z11-z14): $(echo "$seed_line" | sed "s/.*tile pyramid warmed[;:]* *//"); peak RSS with it cached: ${seed_rss} MB"
    echo "- peak RSS of cluster-atlas after the warm runs: ${ours_rss} MB"
    echo "- largest tile per zoom for the static export: $(python3 -c "import json; print(json.load(open('$work/export.json'))['largest_tile_by_zoom'])")"
    echo
    echo "## Ratios"
    echo
    cat "$ratios"
    echo
    echo "## Every run"
    echo
    cat "$table"
} > "$results/latest.md"
cat "$results/latest.md"

# The scale test (issue 25, part 3): the same PostGIS, databases of its own.
if [ "${SCALE:-1}" != 0 ]; then
    log "scale: the bundled data at 1x and 20x (bench/scale.sh; SCALE=0 skips it)"
    SCALE_BIN="$bin" "$here/scale.sh"
fi
