#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ one after another, each for a bounded time, and
# exits non-zero if any of them finds a crash (a panic, a failed property, a timeout or an
# out-of-memory). See fuzz/README.md for what each target feeds and checks.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 300; TARGET defaults to every target:
# tile_path, glyph_path, query_string, csv_loader, boundary_loader.
#
# Each target runs in a single libFuzzer process (one core; the machine is shared), with
# debug assertions and overflow checks on and no sanitizer (the code is safe Rust, and
# LeakSanitizer would report GDAL's process-lifetime allocations). Inputs found along the
# way are kept in fuzz/target/corpus/TARGET (not committed); the committed seeds in
# fuzz/corpus/TARGET are only read. A crashing input is written to fuzz/artifacts/TARGET/;
# reproduce it with
#   cd fuzz && cargo +nightly fuzz run -s none TARGET artifacts/TARGET/crash-...
# and turn it into a regression test next to the code that failed.
#
# Needs the nightly toolchain (cargo-fuzz requires it) and GDAL's headers (libgdal-dev);
# installs cargo-fuzz when missing.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${1:-300}"
shift || true
case "$seconds" in
'' | *[!0-9]*) ca_die "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...] (got '$seconds')" ;;
esac
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(tile_path glyph_path query_string csv_loader boundary_loader)

ca_find_cargo || ca_die "cargo not found: install Rust with rustup"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    ca_die "the nightly toolchain is missing (cargo-fuzz needs it): rustup toolchain install nightly"
fi
if ! command -v gdal-config >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1; then
    ca_apt_install libgdal-dev pkg-config build-essential
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    ca_log "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

cd "$CA_REPO_ROOT/fuzz"
ca_log "building the fuzz targets (release, debug assertions on)"
# --no-cfg-fuzzing: mlt-core's `cfg(fuzzing)` code does not build (a module it names is
# missing), and nothing of ours depends on that cfg.
cargo +nightly fuzz build -s none --no-cfg-fuzzing

failed=()
for target in "${targets[@]}"; do
    [ -f "fuzz_targets/$target.rs" ] || ca_die "no fuzz target '$target' in fuzz/fuzz_targets"
    work="target/corpus/$target"
    log="target/fuzz-$target.log"
    mkdir -p "$work"
    ca_log "fuzzing $target for ${seconds}s (log: fuzz/$log)"
    status=0
    cargo +nightly fuzz run -s none --no-cfg-fuzzing "$target" "$work" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    # libFuzzer's closing lines: executions, speed, coverage and corpus size.
    grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" >&2 || true
    ca_log "$target: corpus $(find "$work" -type f | wc -l) inputs in fuzz/$work"
    if [ "$status" -ne 0 ]; then
        grep -E 'panicked at|^SUMMARY|ERROR: libFuzzer|Test unit written to' "$log" >&2 || true
        tail -n 40 "$log" >&2
        ca_log "$target FAILED (exit $status): see fuzz/$log and fuzz/artifacts/$target/"
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    ca_die "fuzzing found crashes in: ${failed[*]}"
fi
ca_log "fuzzing finished: no crash in ${targets[*]} (${seconds}s each)"
