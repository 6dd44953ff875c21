#!/usr/bin/env bash
# Scale test (issue 25, part 3): the bundled Wales data at 1x and 20x, loaded through `cluster-atlas load`, measured through the CLI, HTTP and logs.
#
#   bench/scale.sh                          # 1x and 20x; writes bench/results/scale.md
#   SCALES="1 5" bench/scale.sh             # other sizes (copies of the bundled data, 1-99)
#   WARM_SCALES="1 20" bench/scale.sh       # also run the real warm-up at 20x (long: see below)
#
# For each scale N it:
#   1. writes N copies of the bundled inputs into bench/work/scale<N>/data (bench/scale_data.py;
#      reused while newer than the generator; SCALE_REGEN=1 rewrites them),
#   2. creates database ca_scale<N> on the server of DATABASE_URL (dropped again at the end
#      unless SCALE_KEEP_DB=1) and times `cluster-atlas load --data-dir DIR` (wall clock; the
#      loader's JSON log gives each step's seconds), with `--extent-check` from DIR/scale.json
#      above 1x, as the copies lie outside the loader's default box around Wales,
#   3. starts `serve --no-warm --cache-mb 0`, reads its RSS at rest, then measures cold tiles
#      and estimates the default pyramid through HTTP (bench/scale_probe.py measure),
#   4. for the scales in WARM_SCALES (default: 1 only; empty: none), starts `serve` with the default warm-up
#      and cache, waits for its "tile pyramid warmed" log line (at most WARM_TIMEOUT seconds,
#      default 1200) and reads its RSS. At 20x the whole default pyramid is ~2.6 million tiles,
#      far beyond the 20-minute budget of this script and the default 512 MiB cache, so by
#      default 20x reports the estimate of step 3 instead.
# and writes the table to bench/results/scale.md (bench/scale_probe.py report).
#
# Database: DATABASE_URL's server (any database name in it is replaced); without it, the
# private PostGIS of scripts/common.sh. Binary: SCALE_BIN, else a release build
# (`cargo build --release --locked`, honouring CARGO_TARGET_DIR). Loopback only;
# SCALE_PORT (default 18097) is where the server under test listens.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/common.sh
source "$here/../scripts/common.sh"
cd "$CA_REPO_ROOT"

SCALES="${SCALES:-1 20}"
WARM_SCALES="${WARM_SCALES-1}" # empty: no warm-up at all
WARM_TIMEOUT="${WARM_TIMEOUT:-1200}"
SCALE_PORT="${SCALE_PORT:-18097}"
work="$here/work"
results="$here/results"
mkdir -p "$work" "$results"
started_all=$(date +%s.%N)
log() { printf '\n==== scale: %s ====\n' "$*" >&2; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(round($(now) - float(sys.argv[1]), 2))" "$1"; }

server_pid=""
dbs=()
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    if [ "${SCALE_KEEP_DB:-0}" != 1 ] && [ -n "${admin_url:-}" ]; then
        for db in "${dbs[@]}"; do
            "$CA_PG_BIN/psql" -X -q "$admin_url" -c "drop database if exists $db" >/dev/null 2>&1 || true
        done
    fi
}
trap cleanup EXIT

log "tools, binary and database server"
ensure_packages
if [ -n "${SCALE_BIN:-}" ]; then
    bin="$SCALE_BIN"
else
    cargo build --release --locked
    bin="${CARGO_TARGET_DIR:-$CA_REPO_ROOT/target}/release/cluster-atlas"
fi
[ -x "$bin" ] || ca_die "no binary at $bin"
ensure_private_postgis postgres
# The server of DATABASE_URL, with its own databases for each scale.
server_url="${DATABASE_URL%%\?*}"
server_url="${server_url%/*}"
admin_url="$server_url/postgres"
base="http://127.0.0.1:$SCALE_PORT"
if ca_port_in_use "$SCALE_PORT"; then
    ca_die "port $SCALE_PORT is in use; choose another with SCALE_PORT"
fi

rss_mb() { awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
wait_http() { # url, seconds
    local deadline=$(($(date +%s) + $2))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        curl -s -o /dev/null --max-time 5 "$1" && return 0
        kill -0 "$server_pid" 2>/dev/null || ca_die "the server exited; see its log"
        sleep 0.2
    done
    ca_die "no answer from $1 within $2 s"
}

for n in $SCALES; do
    dir="$work/scale$n"
    data="$dir/data"
    db="ca_scale$n"
    db_url="$server_url/$db"
    mkdir -p "$dir"

    log "${n}x: data"
    if [ "${SCALE_REGEN:-0}" = 1 ] || [ ! -f "$data/scale.json" ] || [ "$here/scale_data.py" -nt "$data/scale.json" ]; then
        python3 "$here/scale_data.py" --copies "$n" --out "$data"
    else
        echo "reusing $data (SCALE_REGEN=1 rewrites it)" >&2
    fi
    input_mb=$(du -sm "$data" | cut -f1)
    # Copies lie outside the loader's default box around Wales (its check for a wrong CRS).
    load_flags=(--data-dir "$data")
    if [ "$n" -gt 1 ]; then
        load_flags+=(--extent-check "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["extent_check"])' "$data/scale.json")")
    fi

    log "${n}x: load into $db"
    "$CA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "drop database if exists $db" -c "create database $db" >/dev/null
    dbs+=("$db")
    t0=$(now)
    load_start=$t0
    echo "cluster-atlas load --database-url $db_url ${load_flags[*]}" >&2
    CLUSTER_ATLAS_LOG_FORMAT=json "$bin" load --database-url "$db_url" "${load_flags[@]}" >"$dir/load.out" 2>"$dir/load.log" ||
        { tail -n 20 "$dir/load.log" >&2; ca_die "the ${n}x load failed (log: $dir/load.log)"; }
    load_seconds=$(since "$t0")
    load_end=$(now)
    echo "load: $load_seconds s" >&2
    read -r lsoas lsoa21s clusters boards < <("$CA_PG_BIN/psql" -X -qAt -F ' ' "$db_url" -c \
        'select (select count(*) from atlas.lsoa), (select count(*) from atlas.lsoa21), (select count(*) from atlas.cluster), (select count(*) from atlas.health_board)')
    echo "loaded: $lsoas LSOAs (2011), $lsoa21s (2021), $clusters clusters, $boards boards" >&2

    log "${n}x: at rest (--no-warm, cache off), then cold tiles and the pyramid estimate"
    CLUSTER_ATLAS_LOG_FORMAT=json "$bin" serve --database-url "$db_url" --bind "127.0.0.1:$SCALE_PORT" \
        --no-autoload --no-warm --cache-mb 0 >"$dir/serve-cold.out" 2>"$dir/serve-cold.log" &
    server_pid=$!
    wait_http "$base/health" 120
    curl -s -o /dev/null "$base/catalog"
    sleep 1
    rss_rest=$(rss_mb "$server_pid")
    echo "RSS at rest: $rss_rest MB" >&2
    t0=$(now)
    python3 "$here/scale_probe.py" measure --base "$base" --data "$data" --out "$dir/probe.json"
    echo "probe: $(since "$t0") s" >&2
    stop_server

    warm='{}'
    if [[ " $WARM_SCALES " == *" $n "* ]]; then
        log "${n}x: the default warm-up (at most $WARM_TIMEOUT s)"
        CLUSTER_ATLAS_LOG_FORMAT=json "$bin" serve --database-url "$db_url" --bind "127.0.0.1:$SCALE_PORT" \
            --no-autoload >"$dir/serve-warm.out" 2>"$dir/serve-warm.log" &
        server_pid=$!
        t0=$(now)
        deadline=$(($(date +%s) + WARM_TIMEOUT))
        while ! grep -q -e 'tile pyramid warmed' -e 'warming the new data version failed' "$dir/serve-warm.log"; do
            kill -0 "$server_pid" 2>/dev/null || ca_die "the server exited during the warm-up; see $dir/serve-warm.log"
            [ "$(date +%s)" -lt "$deadline" ] || break
            sleep 1
        done
        if grep -q -e 'tile pyramid warmed' -e 'warming the new data version failed' "$dir/serve-warm.log"; then
            wait_http "$base/health" 120
            sleep 1
            warm=$(python3 "$here/scale_probe.py" warm-line "$dir/serve-warm.log" |
                python3 -c 'import json, sys; w = json.load(sys.stdin); w.update(rss_mb=int(sys.argv[1]), peak_rss_mb=int(sys.argv[2])); print(json.dumps(w))' \
                    "$(rss_mb "$server_pid")" "$(hwm_mb "$server_pid")")
        else
            warm=$(python3 -c 'import json, sys; print(json.dumps({"note": f"not finished after {sys.argv[1]} s", "rss_mb": int(sys.argv[2])}))' \
                "$WARM_TIMEOUT" "$(rss_mb "$server_pid")")
        fi
        echo "warm-up: $warm ($(since "$t0") s)" >&2
        stop_server
    fi

    steps=$(python3 "$here/scale_probe.py" load-steps "$dir/load.log" --start "$load_start" --end "$load_end")
    WARM_JSON="$warm" STEPS_JSON="$steps" python3 - "$dir/meta.json" <<PY
import json, os, sys
meta = {
    "copies": $n,
    "date": "$(date -u +%Y-%m-%dT%H:%MZ)",
    "machine": "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end",
    "commit": "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+changes')",
    "command": "SCALES='$SCALES' WARM_SCALES='$WARM_SCALES' bench/scale.sh",
    "input_mb": $input_mb,
    "load_seconds": $load_seconds,
    "lsoas": $lsoas, "lsoa21s": $lsoa21s, "clusters": $clusters, "boards": $boards,
    "rss_rest_mb": $rss_rest,
    "warm": json.loads(os.environ["WARM_JSON"]),
    "load_steps": json.loads(os.environ["STEPS_JSON"]),
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY
done

log "report"
# shellcheck disable=SC2086 # SCALES is a list of numbers
python3 "$here/scale_probe.py" report --work "$work" --scales $SCALES --out "$results/scale.md" \
    --footer "scale.sh took $(since "$started_all") s in all (data generation, loads, probes, warm-ups)."
