#!/usr/bin/env bash
# MapLibre Tiles against MVT, and the static-site bundle: sizes and timings on real tiles.
#
#   bench/mlt.sh            # about 10 minutes on 2 cores (release build included)
#
# 1. Sizes: every non-empty tile of the two default map sources (`wales`, the deprivation
#    map's, and `clusters,health_boards` with `indicator=copd`, the indicator map's), z6-z13
#    over Wales, fetched as MVT and as MLT, raw and gzip (bench/mlt_sizes.py).
# 2. Encoding time: the first MLT request of each tile re-encodes the cached MVT; its latency
#    against the warm MVT hit's is the encoder's cost.
# 3. Warm throughput: wrk on the non-empty lsoa list (as bench/run.sh), MVT and MLT, both from
#    the cache, c=16 and c=64.
# 4. The static site: `export --format site` of the full pyramid, its time and its size.
# Writes bench/results/mlt-latest.md. Loopback only; needs a quiet machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/common.sh
source "$here/../scripts/common.sh"
cd "$CA_REPO_ROOT"

DURATION="${DURATION:-10s}"
PORT=18085
work="$here/work/mlt"
results="$here/results"
mkdir -p "$work" "$results"
log() { printf '\n==== %s ====\n' "$*" >&2; }
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT

ensure_packages
command -v wrk >/dev/null || ca_apt_install wrk
cargo build --release --locked
bin="$CA_REPO_ROOT/target/release/cluster-atlas"
ensure_private_postgis cluster_atlas_bench
"$bin" load >/dev/null

log "server (cache 1 GiB, no warm-up: the script fills it)"
"$bin" serve --bind "127.0.0.1:$PORT" --cache-mb 1024 --no-warm >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

log "sizes and encoding time"
python3 "$here/mlt_sizes.py" "http://127.0.0.1:$PORT" "$work" >"$work/sizes.md"
cat "$work/sizes.md" >&2

log "warm throughput, MVT and MLT (nonempty lsoa list)"
throughput="$work/throughput.md"
echo "| encoding | c | req/s | p50 | p99 |" >"$throughput"
echo "|---|---|---|---|---|" >>"$throughput"
for enc in mvt mlt; do
    for c in 16 64; do
        f="$work/wrk-$enc-$c.txt"
        PATHS="$work/lsoa-$enc.txt" wrk -t2 -c"$c" -d"$DURATION" --latency -s "$here/paths.lua" "http://127.0.0.1:$PORT" >"$f" 2>&1 || true
        echo "| $enc | $c | $(awk '/Requests\/sec/ {print $2}' "$f") | $(awk '$1=="50%" {print $2}' "$f") | $(awk '$1=="99%" {print $2}' "$f") |" >>"$throughput"
    done
done
cat "$throughput" >&2
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

log "static site, full pyramid"
rm -rf "$work/site"
start=$(date +%s.%N)
"$bin" export --format site --output "$work/site" >"$work/site.json"
end=$(date +%s.%N)
site="$work/site-size.md"
{
    echo "| part | files | MB |"
    echo "|---|---|---|"
    for part in tiles data styles legends profiles summary findings fonts static; do
        echo "| $part | $(find "$work/site/$part" -type f | wc -l) | $(du -sm --apparent-size "$work/site/$part" | cut -f1) |"
    done
    echo "| **all** | $(find "$work/site" -type f | wc -l) | $(du -sm --apparent-size "$work/site" | cut -f1) |"
    echo
    echo "gzip of the whole folder (what a CDN compressing text sends, roughly): $(tar -C "$work" -cf - site | gzip -6 | wc -c | awk '{printf "%.0f MB", $1/1e6}')"
    echo "export time: $(echo "$end - $start" | bc) s"
} >"$site"
cat "$site" >&2

{
    echo "# MLT and static-site benchmark"
    echo
    echo "- $(date -u +%Y-%m-%dT%H:%MZ), cluster-atlas $(git rev-parse --short HEAD), $(nproc) cores, command: \`bench/mlt.sh\` (DURATION=$DURATION)"
    echo
    echo "## Sizes and encoding time"
    echo
    cat "$work/sizes.md"
    echo
    echo "## Warm throughput (both from the cache)"
    echo
    cat "$throughput"
    echo
    echo "## Static site (\`export --format site\`, z0-z14)"
    echo
    cat "$site"
} >"$results/mlt-latest.md"
echo "wrote $results/mlt-latest.md" >&2
