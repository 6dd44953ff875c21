#!/usr/bin/env bash
# Memory around an admin reload under load: 45 s of the soak's request mix (wrk -t2
# -c256, bench/soak.lua) against one release server, POST /admin/reload at 15 s, RSS
# printed once a second. Run bench/soak.sh once first: it builds the binary, loads the
# cluster_atlas_soak database and writes the request list this reuses.
#
#   bench/reload_memory.sh            # prints "second rss_kb", the reload, wrk's tallies
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=scripts/common.sh
source "$here/../scripts/common.sh"
cd "$CA_REPO_ROOT"
paths="$here/work/soak-paths.txt"
bin="$CA_REPO_ROOT/target/release/cluster-atlas"
[ -s "$paths" ] && [ -x "$bin" ] || { echo "run bench/soak.sh first" >&2; exit 2; }
ensure_private_postgis cluster_atlas_soak
PORT=18098
base="http://127.0.0.1:$PORT"
RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$PORT" --admin-token reload-memory \
    --public-url "$base" >"$here/work/reload-memory-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done
PATHS="$paths" SOAK_TOTAL=100000000 SOAK_THREADS=2 wrk -t2 -c256 -d45s --timeout 30s \
    -s "$here/soak.lua" "$base" >"$here/work/reload-memory-wrk.txt" 2>&1 &
wrk_pid=$!
for second in $(seq 1 45); do
    if [ "$second" = 15 ]; then
        curl -s -o /dev/null -w "reload: %{http_code} in %{time_total} s\n" -X POST \
            -H "Authorization: Bearer reload-memory" "$base/admin/reload" &
    fi
    echo "$second $(awk '/^VmRSS/ { print $2 }' "/proc/$server/status")"
    sleep 1
done
wait "$wrk_pid" || true
grep '^SOAK' "$here/work/reload-memory-wrk.txt"
