#!/usr/bin/env bash
# Cost of pg_dump-safe-audit on a large backup root, without and with its verification cache.
#
# usage: bench/audit_bench.sh [BUILD_DIR]
#   BUILD_DIR  build directory with pg_dump-safe-audit (default: build-bench at the top of
#              the repository); configured (Release, -DPDS_BUILD_TESTS=OFF) if it is not, and
#              pg_dump-safe-audit is built.
# Environment:
#   BENCH_FILES    final dumps in the root (default 10000)
#   BENCH_FILE_MB  apparent size of each, in MiB (default 2: 10000 files make 20 GiB)
#   BENCH_SERIES   series, one subdirectory each (default 4); the last one is named
#                  NAME_YYYYMMDD_HHMM.pgdump and found through --pattern='*.pgdump', the
#                  others NAME-YYYY-MM-DDTHHMM.dump
#   BENCH_REAL     how many of the files are replaced by copies of a real custom-format dump
#                  made by a throwaway PostgreSQL 15 server (default 0: none, no server)
#   BENCH_REAL_MB  approximate size of that dump in MiB (default 1)
#   BENCH_VERIFY   --verify level (default structure)
#   BENCH_TARGET   target in seconds for the cached run of unchanged files (default 1)
#   REPEAT         runs of each measurement; the median is reported (default 3)
#   BENCH_PORT     port of the throwaway server's unix socket (default 54700)
#   PG_BINDIR      PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
#   JOBS           build parallelism (default: number of CPUs)
#
# Generates, under BUILD_DIR/bench-audit/root, BENCH_FILES sparse files (truncate -s: zero
# filled, so they take almost no disk space) with date-stamped names, one per hour, spread
# over the series. The verifier takes a zero-filled file for a plain SQL dump and rejects it
# for lacking pg_dump's completion trailer after reading its first MiB and its last 64 KiB
# (reading holes costs no disk I/O, but the kernel still zero-fills the pages). Then it runs
#   pg_dump-safe-audit --format=json --verify=LEVEL --pattern='*.pgdump' [cache option] ROOT
# REPEAT times in each of these ways and prints the median wall time, CPU time and peak RSS
# (GNU time) of each:
#   --no-cache, cold page cache    (sync; echo 3 >/proc/sys/vm/drop_caches before each run)
#   --no-cache, warm page cache
#   --cache=FILE, cache file removed before each run (the first run, which fills it)
#   --cache=FILE, every file unchanged, warm page cache  (the target)
#   --cache=FILE, every file unchanged, cold page cache
# The cold rows need root (drop_caches); without it they are skipped and said so. Untimed
# runs check the JSON: every file was found, read by the verifier without the cache and
# answered from the cache with it. Prints a markdown table and PASS or FAIL against
# "with the cache, under BENCH_TARGET s for BENCH_FILES unchanged files"; exit status 0 on
# PASS, 1 on FAIL or when a run misbehaved. The generated root, the cache and the server
# are removed on exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

bench_args "$0" "$@"
files=${BENCH_FILES:-10000}
file_mb=${BENCH_FILE_MB:-2}
nseries=${BENCH_SERIES:-4}
real=${BENCH_REAL:-0}
real_mb=${BENCH_REAL_MB:-1}
level=${BENCH_VERIFY:-structure}
target=${BENCH_TARGET:-1}
repeat=${REPEAT:-3}
BENCH_WORK=$build/bench-audit
root=$BENCH_WORK/root
cache=$BENCH_WORK/audit-cache

if [ "$real" -gt "$files" ] || [ "$nseries" -lt 1 ] || [ "$files" -lt "$nseries" ]; then
    echo "need 1 <= BENCH_SERIES <= BENCH_FILES and BENCH_REAL <= BENCH_FILES" >&2
    exit 2
fi

cleanup() {
    bench_server_stop
    rm -rf "$BENCH_WORK"
}
trap cleanup EXIT

say "build pg_dump-safe-audit in $build"
bench_build "$build" pg_dump-safe-audit
audit=$build/src/audit/pg_dump-safe-audit

rm -rf "$BENCH_WORK"
mkdir -p "$root"
# Sparse files cost inodes and directory blocks only; the real dump copies cost their size.
avail_mb=$(($(df -Pk "$BENCH_WORK" | awk 'NR == 2 { print $4 }') / 1024))
need_mb=$((files * 8 / 1024 + real * real_mb * 2 + 256))
if [ "$avail_mb" -lt "$need_mb" ]; then
    echo "only $avail_mb MiB free on the filesystem of $BENCH_WORK, need about $need_mb" >&2
    exit 1
fi

say "generate $files sparse files of $file_mb MiB in $nseries series under $root"
names=("app" "billing" "hr" "crm" "inventory" "audit" "reports" "events")
per=$(((files + nseries - 1) / nseries))
base=$(date -u -d '2025-01-01 00:00' +%s)
made=0
for ((s = 0; s < nseries; s++)); do
    count=$((files - made < per ? files - made : per))
    name=${names[s % ${#names[@]}]}
    if [ "$s" -ge "${#names[@]}" ]; then name=$name$s; fi
    dir=$root/$name
    mkdir -p "$dir"
    if [ "$s" = $((nseries - 1)) ]; then fmt="+${name}_%Y%m%d_%H%M.pgdump"; else fmt="+$name-%Y-%m-%dT%H%M.dump"; fi
    seq 0 $((count - 1)) | awk -v b="$base" '{ print "@" (b + $1 * 3600) }' |
        date -u -f - "$fmt" >"$BENCH_WORK/names"
    (cd "$dir" && xargs truncate -s "${file_mb}M" <"$BENCH_WORK/names")
    made=$((made + count))
done
found=$(find "$root" -type f | wc -l)
[ "$found" = "$files" ] || { echo "generated $found files, expected $files" >&2; exit 1; }

real_note=""
if [ "$real" -gt 0 ]; then
    say "start PostgreSQL 15 on port $BENCH_PORT for a real dump (~${real_mb} MiB)"
    bench_server_start "$BENCH_WORK"
    bench_make_db bench "$real_mb" >/dev/null
    "$PG_BINDIR/pg_dump" -Fc -f "$BENCH_WORK/real.dump" bench
    bench_server_stop
    real_bytes=$(stat -c %s "$BENCH_WORK/real.dump")
    say "replace $real of the files (evenly spread) by copies of the real dump ($real_bytes bytes)"
    find "$root" -type f | sort | awk -v n="$real" -v t="$files" \
        'int((NR - 1) * n / t) != int(NR * n / t)' >"$BENCH_WORK/real.list"
    while IFS= read -r f; do cp "$BENCH_WORK/real.dump" "$f"; done <"$BENCH_WORK/real.list"
    real_note=", $real of them copies of a real custom-format dump of $real_bytes bytes"
fi
apparent_mb=$(bench_size_mb "$root")
disk_mb=$(du -sm "$root" | cut -f1)
say "root: $found files, $apparent_mb MiB apparent, $disk_mb MiB on disk"

cold=1 cold_note="cold page cache: sync; echo 3 > /proc/sys/vm/drop_caches before each run"
drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches; }
if ! drop_caches 2>/dev/null; then
    cold=0 cold_note="cold page cache not measured: cannot write /proc/sys/vm/drop_caches (warm page cache only)"
    say "$cold_note"
fi

common=(--format=json "--verify=$level" --pattern='*.pgdump')
# run_median LABEL PREP CMD...: REPEAT runs, each after the shell function PREP (untimed);
# sets R_WALL, R_CPU (medians), R_RSS (max KB); fails unless every run exits 0, 1 or 2
# (the zero-filled files are unrestorable dumps: 2, critical, is the expected status).
run_median() {
    local label=$1 prep=$2
    shift 2
    bench_median_runs "$label" 2 "$prep" "$@"
    rows+="| $label | $R_WALL | $R_CPU | $(bench_mb "$R_RSS") |"$'\n'
    say "${label//\*/}: median $R_WALL s, peak RSS $(bench_mb "$R_RSS") MiB"
}
none() { :; }
remove_cache() { rm -f "$cache"; }

# check LABEL VERIFIED FROM_CACHE CMD...: an untimed run whose JSON must count $files finals,
# VERIFIED of them read by the verifier and FROM_CACHE answered by the cache.
check() {
    local label=$1 want_v=$2 want_c=$3 rc=0 n v c
    shift 3
    "$@" >"$BENCH_WORK/check.json" 2>"$BENCH_WORK/check.err" || rc=$?
    n=$(grep -m 1 -o '"finals": [0-9]*' "$BENCH_WORK/check.json" | grep -o '[0-9]*$' || true)
    v=$(grep -m 1 -o '"verified": [0-9]*' "$BENCH_WORK/check.json" | grep -o '[0-9]*$' || true)
    c=$(grep -m 1 -o '"from_cache": [0-9]*' "$BENCH_WORK/check.json" | grep -o '[0-9]*$' || true)
    checks+="| $label | $rc | ${n:-?} | ${v:-?} | ${c:-?} |"$'\n'
    if [ "$rc" -gt 2 ] || [ "${n:-}" != "$files" ] || [ "${v:-}" != "$want_v" ] || [ "${c:-}" != "$want_c" ]; then
        echo "unexpected: $label: exit $rc, finals ${n:-?} (expected $files), verified ${v:-?} (expected $want_v), from cache ${c:-?} (expected $want_c)" >&2
        head -n 5 "$BENCH_WORK/check.err" >&2
        bad=1
    fi
}

rows="" checks="" bad=0
if [ $cold = 1 ]; then
    run_median "--no-cache, cold page cache" drop_caches "$audit" "${common[@]}" --no-cache "$root"
fi
run_median "--no-cache, warm page cache" none "$audit" "${common[@]}" --no-cache "$root"
check "--no-cache" "$files" 0 "$audit" "${common[@]}" --no-cache "$root"
run_median "--cache, first run (fills the cache), warm page cache" remove_cache \
    "$audit" "${common[@]}" "--cache=$cache" "$root"
cache_kb=$(du -k "$cache" | cut -f1)
check "--cache, second run, all unchanged" 0 "$files" "$audit" "${common[@]}" "--cache=$cache" "$root"
run_median "**--cache, all unchanged, warm page cache**" none "$audit" "${common[@]}" "--cache=$cache" "$root"
cached_wall=$R_WALL cached_rss=$R_RSS
if [ $cold = 1 ]; then
    run_median "--cache, all unchanged, cold page cache" drop_caches "$audit" "${common[@]}" "--cache=$cache" "$root"
    cached_cold_wall=$R_WALL
fi
check "--cache, after the timed runs" 0 "$files" "$audit" "${common[@]}" "--cache=$cache" "$root"

verdict=$(awk -v w="$cached_wall" -v t="$target" 'BEGIN { print (w < t) ? "PASS" : "FAIL" }')
echo "## Audit benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)"
echo "Root: $files final dumps in $nseries series, $apparent_mb MiB apparent ($file_mb MiB each,"
echo "sparse, zero filled$real_note), $disk_mb MiB on disk, on $(df -PT "$root" | awk 'NR == 2 { print $2 " (" $1 ")" }')."
echo "\`pg_dump-safe-audit ${common[*]} [--no-cache | --cache=FILE] ROOT\`, median of $repeat runs;"
echo "CPU s = user + system; peak RSS from GNU time (max of the runs). $cold_note."
echo "Cache file: $cache_kb KiB. Load average at start: $load_start; at end: $(bench_load)."
echo
echo "| run | wall s | CPU s | peak RSS MiB |"
echo "|---|---:|---:|---:|"
printf '%s' "$rows"
echo
echo "| check (untimed, JSON) | exit | finals | verified | from cache |"
echo "|---|---:|---:|---:|---:|"
printf '%s' "$checks"
echo
echo "Target (with the cache, under $target s for $files unchanged files): $verdict" \
    "($cached_wall s warm page cache${cached_cold_wall:+, $cached_cold_wall s cold}; peak RSS $(bench_mb "$cached_rss") MiB)"
say "done"
if [ "$bad" = 1 ] || [ "$verdict" != PASS ]; then exit 1; fi
