#!/usr/bin/env bash
# The soak run (issue 6): SOAK_TOTAL (default 100,000) mixed requests at concurrency 256
# against one release server on loopback, with a real data load and an admin reload
# committed half-way through. It fails unless every response is the expected class (no
# 5xx), no connection is dropped, and the server is still up and healthy afterwards; it
# records memory once a second.
#
#   bench/soak.sh                      # about 2-4 minutes on 2 cores
#   SOAK_TOTAL=20000 bench/soak.sh     # shorter
#
# Writes bench/results/soak.md (summary) and bench/results/soak-rss.csv (RSS over time).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/common.sh
source "$here/../scripts/common.sh"
cd "$CA_REPO_ROOT"

SOAK_TOTAL="${SOAK_TOTAL:-100000}"
CONNECTIONS="${CONNECTIONS:-256}"
THREADS=2
PORT=18097
TOKEN="soak-$$"
work="$here/work"
results="$here/results"
mkdir -p "$work" "$results"
log() { printf '==== %s\n' "$*" >&2; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

ensure_packages
command -v wrk >/dev/null || ca_apt_install wrk
cargo build --release --locked
bin="$CA_REPO_ROOT/target/release/cluster-atlas"
ensure_private_postgis cluster_atlas_soak
"$bin" load >/dev/null

base="http://127.0.0.1:$PORT"
log "server on $base"
CLUSTER_ATLAS_LOG_FORMAT=json RUST_LOG=info "$bin" serve --bind "127.0.0.1:$PORT" \
    --admin-token "$TOKEN" --public-url "$base" >"$work/soak-server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "$base/health" >/dev/null

log "request list and a sequential check of every distinct request"
python3 "$here/soak_paths.py" "$base" "$work/soak-paths.txt"
python3 "$here/soak_verify.py" "$base" "$work/soak-paths.txt"

metric() { # sum of a Prometheus counter or gauge, leaving out this script's own /metrics polls
    curl -fsS -H "Authorization: Bearer $TOKEN" "$base/metrics" |
        awk -v m="$1" '$1 ~ "^"m"({|$)" && $1 !~ /route="\/metrics"/ { s += $2 } END { printf "%d\n", s }'
}
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }
before_requests="$(metric cluster_atlas_http_requests_total)"
version_before="$(metric cluster_atlas_data_version)"

log "RSS sampler"
echo "seconds,rss_kb,requests" >"$results/soak-rss.csv"
(
    start=$(date +%s.%N)
    while kill -0 "$server" 2>/dev/null; do
        now=$(date +%s.%N)
        printf '%.1f,%s,%s\n' "$(echo "$now - $start" | bc)" "$(rss)" \
            "$(( $(metric cluster_atlas_http_requests_total) - before_requests ))" >>"$results/soak-rss.csv"
        sleep 1
    done
) &
pids+=("$!")

log "wrk: $SOAK_TOTAL requests, $CONNECTIONS connections"
started=$(date +%s)
PATHS="$work/soak-paths.txt" SOAK_TOTAL="$SOAK_TOTAL" SOAK_THREADS="$THREADS" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d900s --timeout 30s -s "$here/soak.lua" "$base" \
    >"$work/soak-wrk.txt" 2>&1 &
wrk_pid=$!

# Half-way: a real load from another process (new data version), then an admin reload.
half=$(( SOAK_TOTAL / 2 ))
while kill -0 "$wrk_pid" 2>/dev/null; do
    done_so_far=$(( $(metric cluster_atlas_http_requests_total) - before_requests ))
    [ "$done_so_far" -ge "$half" ] && break
    sleep 0.5
done
log "half-way ($done_so_far requests): cluster-atlas load, then POST /admin/reload"
load_started=$(date +%s.%N)
"$bin" load >"$work/soak-load.txt" 2>&1
load_secs=$(echo "$(date +%s.%N) - $load_started" | bc)
reload_status=$(curl -s -o "$work/soak-reload.json" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $TOKEN" "$base/admin/reload")
# Each wrk thread stops after its share, but wrk's main thread sleeps out -d: once the
# server has answered everything, SIGINT makes wrk print its summary and exit.
while kill -0 "$wrk_pid" 2>/dev/null; do
    if [ $(( $(metric cluster_atlas_http_requests_total) - before_requests )) -ge "$SOAK_TOTAL" ]; then
        sleep 1
        kill -INT "$wrk_pid" 2>/dev/null || true
        break
    fi
    sleep 0.5
done
wait "$wrk_pid" || true
elapsed=$(( $(date +%s) - started ))
version_after="$(metric cluster_atlas_data_version)"
health="$(curl -s -o /dev/null -w '%{http_code}' "$base/health")"
summary="$(grep '^SOAK ' "$work/soak-wrk.txt" || true)"
errors_logged=$(grep -c '"level":"ERROR"' "$work/soak-server.log" || true)
panics=$(grep -c 'panicked' "$work/soak-server.log" || true)
rss_first=$(awk -F, 'NR==2 { print $2 }' "$results/soak-rss.csv")
rss_max=$(awk -F, 'NR>1 && $2>m { m=$2 } END { print m }' "$results/soak-rss.csv")
rss_last=$(awk -F, 'NR>1 { l=$2 } END { print l }' "$results/soak-rss.csv")
get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$summary"; }

cat >"$results/soak.md" <<MD
# Soak run ($(date -u +%Y-%m-%dT%H:%MZ))

Command: \`SOAK_TOTAL=$SOAK_TOTAL CONNECTIONS=$CONNECTIONS bench/soak.sh\` (wrk -t$THREADS -c$CONNECTIONS, bench/soak.lua, $(wc -l <"$work/soak-paths.txt") mixed request lines from bench/soak_paths.py)

| | |
|---|---|
| responses | $(get responses) in ${elapsed} s ($(get rps) req/s) |
| 2xx / 3xx / 4xx / 5xx | $(get 2xx) / $(get 3xx) / $(get 4xx) / $(get 5xx) |
| connect / read / write errors, timeouts | $(get connect_errors) / $(get read_errors) / $(get write_errors) / $(get timeouts) |
| latency p50 / p99 / max | $(get p50_ms) / $(get p99_ms) / $(get max_ms) ms |
| data version before / after | $version_before / $version_after (load took ${load_secs} s; /admin/reload answered $reload_status) |
| RSS first / max / last sample | $rss_first / $rss_max / $rss_last kB |
| ERROR log lines / panics | $errors_logged / $panics |
| /health afterwards | $health |
MD
cat "$results/soak.md"

fail=0
[ -n "$summary" ] || { echo "wrk produced no summary"; fail=1; }
[ "$(get responses)" -ge "$SOAK_TOTAL" ] 2>/dev/null || { echo "fewer responses than asked"; fail=1; }
for k in 5xx other connect_errors read_errors write_errors timeouts; do
    [ "$(get "$k")" = 0 ] || { echo "FAIL: $k = $(get "$k")"; fail=1; }
done
[ "$panics" = 0 ] || { echo "FAIL: the server panicked"; fail=1; }
[ "$health" = 200 ] || { echo "FAIL: /health answered $health"; fail=1; }
[ "$reload_status" = 200 ] || { echo "FAIL: /admin/reload answered $reload_status"; fail=1; }
[ "$version_after" -ge $(( version_before + 2 )) ] || { echo "FAIL: the version did not move twice"; fail=1; }
exit "$fail"
