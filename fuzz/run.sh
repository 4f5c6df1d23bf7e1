#!/usr/bin/env bash
# Fuzz the native archive verifier (src/verify) with libFuzzer for a bounded time.
#
# usage: fuzz/run.sh SECONDS [BUILD_DIR]
#   SECONDS    how long the fuzzer runs (-max_total_time), e.g. 60 in CI
#   BUILD_DIR  build directory (default: build-fuzz at the top of the repository); it is
#              configured with clang (CC=clang CXX=clang++), -DPDS_FUZZ=ON,
#              -DPDS_BUILD_TESTS=OFF, and only the fuzz targets are built.
# Environment: JOBS (ninja -j, default: number of CPUs), FUZZ_ARGS (extra libFuzzer options).
#
# Steps: configure and build; write the seed corpus (synthetic archives of every format,
# archive version and compression, from tests/archive/seed_corpus.cpp) into
# BUILD_DIR/fuzz-seeds; replay every input saved under fuzz/crashes-found/ (crashes found
# earlier must stay fixed); fuzz for SECONDS seconds, keeping what the fuzzer finds in
# BUILD_DIR/fuzz-corpus (reused by the next run of the same build directory).
# Exit status: 0 if nothing was found; 1 on any crash, leak, undefined behaviour, timeout
# or out-of-memory (the input is saved as BUILD_DIR/fuzz-artifacts/<kind>-<sha1> and
# the report is in BUILD_DIR/fuzz.log); 2 on a usage error.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ] || ! [[ $1 =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
fi
seconds=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$repo/build-fuzz}
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=${JOBS:-$(nproc)}
start=$(date +%s)
say() { echo "fuzz/run.sh: $* ($(($(date +%s) - start))s)"; }

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
say "configure $build"
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S "$repo" -B "$build" "${generator[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DPDS_FUZZ=ON -DPDS_BUILD_TESTS=OFF >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 1; }
say "build"
cmake --build "$build" -j "$jobs" --target pds_fuzz_verify pds_fuzz_seed_corpus

fuzzer=$build/fuzz/pds_fuzz_verify
seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
log=$build/fuzz.log
# The fuzzer writes every input to files: on tmpfs when there is one.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    work=$(mktemp -d /dev/shm/pds-fuzz.XXXXXX)
else
    work=$build/fuzz-tmp
fi
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
rm -rf "$seeds" "$artifacts"
mkdir -p "$seeds" "$corpus" "$artifacts" "$work"
say "seed corpus"
PDS_SEED_DIR=$seeds "$build/fuzz/pds_fuzz_seed_corpus"

export TMPDIR=$work
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common=(-timeout=20 -rss_limit_mb=2048 -max_len=65536 "-artifact_prefix=$artifacts/")

# Anything the sanitizers or libFuzzer report is a failure, whatever the exit status says.
check_log() {
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|SUMMARY: |fuzz_verify: ' "$1"; then
        return 1
    fi
}
report_failure() {
    echo "fuzz/run.sh: FAILED: $1" >&2
    grep -nE 'ERROR:|runtime error:|SUMMARY:|fuzz_verify: |Test unit written' "$log" | head -20 >&2 || true
    echo "--- last lines of $log:" >&2
    tail -n 60 "$log" >&2
    for f in "$artifacts"/*; do
        [ -e "$f" ] || continue
        echo "--- input $f ($(stat -c %s "$f") bytes), first bytes:" >&2
        od -A d -c "$f" | head -n 12 >&2
    done
    exit 1
}

regressions=("$repo"/fuzz/crashes-found/*)
if [ -e "${regressions[0]}" ]; then
    say "replay ${#regressions[@]} input(s) from fuzz/crashes-found"
    rc=0
    "$fuzzer" "${common[@]}" "${regressions[@]}" >"$log" 2>&1 || rc=$?
    if [ "$rc" != 0 ] || ! check_log "$log"; then
        report_failure "an input of fuzz/crashes-found still crashes the verifier (exit $rc)"
    fi
fi

say "fuzz for ${seconds}s"
rc=0
# shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
"$fuzzer" "${common[@]}" -max_total_time="$seconds" -print_final_stats=1 ${FUZZ_ARGS:-} \
    "$corpus" "$seeds" >"$log" 2>&1 || rc=$?
if [ "$rc" != 0 ] || ! check_log "$log" || [ -n "$(ls -A "$artifacts")" ]; then
    report_failure "the fuzzer found a problem (exit $rc)"
fi
grep -E '^(stat::|Done )' "$log" || true
say "OK: no crash, leak or undefined behaviour; corpus $(find "$corpus" -type f | wc -l) inputs in $corpus"
