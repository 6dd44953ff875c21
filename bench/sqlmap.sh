#!/usr/bin/env bash
# SQL injection attempts with sqlmap against a running cluster-atlas, on loopback only.
#
#   bench/sqlmap.sh [BASE_URL] [SERVER_LOG]
#
# BASE_URL defaults to http://127.0.0.1:8080 and must be a loopback address. Start the
# server yourself first, with its log in a file, e.g.
#   RUST_LOG=info target/release/cluster-atlas serve --bind 127.0.0.1:8080 2> server.log
# and pass that file as SERVER_LOG to have it checked for database errors afterwards.
#
# Every target starts from a request the server answers with 200, and sqlmap attacks the
# named query parameters (-p) or the path segments marked with `*`, with PostgreSQL payloads
# at --level 3 --risk 2 (boolean, error, UNION, stacked and time-based; no risk-3 payloads,
# which could change data). Each target is capped at 15 minutes. sqlmap comes from PyPI into
# .venv-hostile/ (git-ignored); its logs go to bench/work/sqlmap/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
root="$(cd "$here/.." && pwd -P)"
base="${1:-http://127.0.0.1:8080}"
server_log="${2:-}"
base="${base%/}"
case "$base" in
    http://127.*|http://localhost[:/]*|http://localhost|http://\[::1\]*) ;;
    *) echo "refusing to attack $base: loopback addresses only" >&2; exit 2 ;;
esac

venv="$root/.venv-hostile"
if [ ! -x "$venv/bin/sqlmap" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet sqlmap
fi
out="$here/work/sqlmap"
rm -rf "$out"
mkdir -p "$out"
curl -fsS "$base/health" >/dev/null || { echo "no server at $base" >&2; exit 2; }

# name | URL (with * markers for path injection) | parameters for -p (empty: the markers)
targets=(
    "items-lsoa|/collections/lsoa/items?bbox=-3.3,51.4,-3.1,51.6&limit=10&offset=0&f=json&lang=en&health_board=W11000028&wimd_quintile=1|bbox,limit,offset,f,lang,health_board,wimd_quintile"
    "items-clusters|/collections/clusters/items?indicator=copd&period=2023-24&method=quantile&classes=5&palette=YlGnBu&health_board=W11000028&wimd_q1_lsoas=3&wimd_q1_pct=10&lang=cy|indicator,period,method,classes,palette,health_board,wimd_q1_lsoas,wimd_q1_pct,lang"
    "item-path|/collections/lsoa*/items/W01000240*?lang=en|"
    "data|/data/copd*?period=2023-24&level=cluster&method=quantile&classes=5&format=json|"
    "data-params|/data/copd?period=2023-24&level=cluster&method=quantile&classes=5&format=json|period,level,method,classes,format"
    "style|/styles/indicator.json?indicator=copd&period=2023-24&method=quantile&classes=5&palette=YlGnBu|indicator,period,method,classes,palette"
    "legend|/legends/deprivation.svg?domain=housing&lang=cy|domain,lang"
    "legend-path|/legends/indicator*.json?indicator=copd|"
    "tile|/tiles/clusters/7/62/42?indicator=copd&period=2023-24&method=quantile&classes=5|indicator,period,method,classes"
    "tile-path|/tiles/clusters*/7*/62*/42*|"
    "findings|/findings/copd*?lang=cy&period=2023-24|"
    "findings-params|/findings/copd?lang=cy&period=2023-24|lang,period"
)

started=$(date +%s)
summary="$out/summary.txt"
: >"$summary"
for t in "${targets[@]}"; do
    IFS='|' read -r name path params <<<"$t"
    log="$out/$name.log"
    args=(-u "$base$path" --batch --level 3 --risk 2 --dbms PostgreSQL --time-sec 2
          --flush-session --disable-coloring --output-dir "$out/session" -t "$out/$name.traffic")
    [ -n "$params" ] && args+=(-p "$params")
    t0=$(date +%s)
    set +e
    timeout 900 "$venv/bin/sqlmap" "${args[@]}" >"$log" 2>&1
    rc=$?
    set -e
    secs=$(( $(date +%s) - t0 ))
    requests=$(grep -c '^HTTP request \[#' "$out/$name.traffic" 2>/dev/null || true)
    if grep -qiE "is vulnerable|appears to be .* injectable|sqlmap identified the following injection" "$log"; then
        verdict="INJECTABLE"
    elif grep -qE "all tested parameters do not appear to be injectable" "$log"; then
        verdict="not injectable"
    elif [ "$rc" = 124 ]; then
        verdict="timed out"
    else
        verdict="inconclusive (rc $rc)"
    fi
    line="$name: $verdict; ${secs}s; ${requests:-?} requests; params: ${params:-path markers}"
    echo "$line" | tee -a "$summary"
done
total=$(( $(date +%s) - started ))
echo "total: ${total}s" | tee -a "$summary"

if [ -n "$server_log" ]; then
    errors=$(grep -ciE "syntax error|error returned from database|status code: 500" "$server_log" || true)
    echo "server log $server_log: $errors lines with SQL errors or 500s" | tee -a "$summary"
    [ "$errors" = 0 ] || exit 1
fi
! grep -q INJECTABLE "$summary"
