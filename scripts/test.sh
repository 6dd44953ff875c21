#!/usr/bin/env bash
# The project's checks: rustfmt, clippy and the test suite, against a private PostgreSQL 15 +
# PostGIS cluster that this script installs and starts (or against DATABASE_URL when set; its
# user must be allowed to CREATE DATABASE and CREATE EXTENSION postgis).
# Extra arguments go to `cargo test`, e.g. scripts/test.sh tiles -- --nocapture; the test
# harness always gets --include-ignored, so the tests a plain `cargo test` skips run here.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$CA_REPO_ROOT"

# A clean CI clone builds once, so incremental caches only spend disk (hundreds of MB).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"; fi

heading() { printf '\n==== %s ====\n' "$*"; }

heading "Debian packages and Rust toolchain"
ensure_packages
cargo --version
cargo fmt --version >/dev/null 2>&1 || ca_die "rustfmt missing: rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || ca_die "clippy missing: rustup component add clippy"

heading "PostgreSQL 15 + PostGIS"
# Test profile: fsync/synchronous_commit/full_page_writes off; the test databases are throw-away.
CLUSTER_ATLAS_PG_FAST=1 ensure_private_postgis postgres
"$CA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -tA "$DATABASE_URL" -c "SELECT version()"

# Drop ca_test_* databases left behind by earlier, interrupted runs. One still in use (a test
# run going on elsewhere against the same server) is left alone.
stale="$("$CA_PG_BIN/psql" -X -v ON_ERROR_STOP=1 -tA "$DATABASE_URL" \
    -c "SELECT datname FROM pg_database WHERE datname LIKE 'ca\_test\_%'")"
if [ -n "$stale" ]; then
    n=0
    while IFS= read -r dbname; do
        [ -n "$dbname" ] || continue
        if "$CA_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -v db="$dbname" "$DATABASE_URL" \
            <<<'DROP DATABASE IF EXISTS :"db"' 2>/dev/null; then
            n=$((n + 1))
        else
            ca_log "left stale database $dbname in place (in use?)"
        fi
    done <<<"$stale"
    ca_log "dropped $n stale ca_test_* database(s)"
fi

heading "Reference tools for the tests (mapclassify, MapLibre style validator)"
ensure_test_tools

heading "node --test tests/js/ (the map page's state and static-site paths)"
node --test tests/js/state.test.mjs

heading "cargo fmt --all -- --check"
cargo fmt --all -- --check

heading "cargo clippy --locked --all-targets -- -D warnings"
cargo clippy --locked --all-targets -- -D warnings

# The fuzz targets call the library directly, so a changed signature breaks them (issue 25's
# extent check did, unnoticed). Type-check them here; scripts/fuzz.sh runs them.
heading "cargo check --manifest-path fuzz/Cargo.toml (the fuzz targets still build)"
cargo check --locked --manifest-path fuzz/Cargo.toml --target-dir target/fuzz --bins

# Tests that need PostGIS or an outside tool (GDAL, QGIS, mapclassify, OWSLib, Chromium,
# nginx, the style validator) are #[ignore]d, so that a plain `cargo test` passes anywhere.
# This script sets all of them up, so the harness gets --include-ignored: after the caller's
# own `--` if there is one, else after a new one (left out if the caller chose --ignored).
test_args=()
case " $* " in
*" --ignored "* | *" --include-ignored "*) test_args=("$@") ;;
*)
    placed=0
    for arg in "$@"; do
        test_args+=("$arg")
        if [ "$placed" -eq 0 ] && [ "$arg" = "--" ]; then
            test_args+=(--include-ignored)
            placed=1
        fi
    done
    [ "$placed" -eq 1 ] || test_args+=(-- --include-ignored)
    ;;
esac

export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"
heading "cargo test --locked ${test_args[*]} (RUST_TEST_THREADS=$RUST_TEST_THREADS)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
set +e
cargo test --locked "${test_args[@]}" 2>&1 | tee "$out"
rc="${PIPESTATUS[0]}"
set -e

# cargo test prints one "test result:" line per test binary, the last one often the doc-tests'
# "0 passed"; end with a single plain total so that the closing line counts every test.
if grep -q '^test result:' "$out"; then
    awk '/^test result:/ {
            for (i = 1; i <= NF; i++) {
                if ($(i + 1) ~ /^passed/) p += $i
                if ($(i + 1) ~ /^failed/) f += $i
                if ($(i + 1) ~ /^ignored/) s += $i
            }
         }
         END { printf "\ntotal: %d passed, %d failed, %d skipped\n", p, f, s }' "$out"
fi
exit "$rc"
