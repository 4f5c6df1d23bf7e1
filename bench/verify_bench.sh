#!/usr/bin/env bash
# Cost of the native verifier (src/verify) next to pg_dump and pg_restore.
#
# usage: bench/verify_bench.sh [BUILD_DIR]
#   BUILD_DIR  build directory with pds-verify-bench (default: build-bench at the top of the
#              repository); configured (Release, -DPDS_BUILD_TESTS=OFF) if it is not, and
#              pds-verify-bench is built.
# Environment:
#   BENCH_MB       approximate size of the custom-format dump in MiB (default 150)
#   BENCH_DATA_TABLES  tables the rows are spread over (default 4: four compressed streams
#                  of equal size, which the parallel verification can share out)
#   BENCH_FORMATS  formats to dump and verify (default "custom directory tar")
#   REPEAT         runs of each measurement; the median is reported (default 3)
#   VERIFY_JOBS    worker threads of the parallel full verification (default 0: the CPUs
#                  available, at most 8, as pg_dump-safe's default --safe-verify-jobs)
#   BENCH_PORT     port of the throwaway server's unix socket (default 54700)
#   PG_BINDIR      PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
#   JOBS           build parallelism (default: number of CPUs)
#
# Starts a throwaway PostgreSQL 15 server (unix socket under BUILD_DIR/bench-verify; as
# root it runs as user postgres), fills a database with generate_series data, dumps it
# with pg_dump in each format, and prints wall time and peak RSS (GNU time) of
#   pg_dump, pg_restore -l, pds-verify-bench toc|structure|full, pg_restore -f /dev/null
# with each one's ratio to the pg_dump time of the same dump (measured in the same run),
# and the ratio of the full verification to pg_restore -f /dev/null (goal: at most 0.50),
# serial (--jobs=1) and parallel (--jobs=VERIFY_JOBS); those three are measured
# interleaved, in rotating order, so that a change of machine load hits each of them alike.
# The load average is printed at start and end. Then it cuts a copy of
# the custom dump short and shows that pg_restore -l still accepts it while the structure
# level rejects it. All files are in the page cache (warm runs). Exit status 0 if every
# step behaved as expected; the server is stopped on exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

bench_args "$0" "$@"
mb=${BENCH_MB:-150}
ntables=${BENCH_DATA_TABLES:-4}
formats=${BENCH_FORMATS:-custom directory tar}
repeat=${REPEAT:-3}
vjobs=${VERIFY_JOBS:-0}
BENCH_WORK=$build/bench-verify

say "build pds-verify-bench in $build"
bench_build "$build" pds-verify-bench
vbench=$build/src/verify/pds-verify-bench

rm -rf "$BENCH_WORK"
mkdir -p "$BENCH_WORK"
trap bench_server_stop EXIT
say "start PostgreSQL 15 on port $BENCH_PORT"
bench_server_start "$BENCH_WORK"
say "create database bench (~${mb} MiB custom dump, $((mb * BENCH_ROWS_PER_MB)) rows in $ntables tables)"
bench_make_db bench "$mb" "$ntables"

# run_median LABEL [--rm PATH] CMD...: REPEAT runs (removing PATH before each, untimed);
# sets R_WALL, R_CPU, R_RSS (median wall and CPU seconds, max RSS in KB); fails unless
# every run exits 0.
run_median() {
    local label=$1 remove=""
    shift
    if [ "$1" = --rm ]; then remove=$2; shift 2; fi
    bench_median_runs "$label" 0 remove_before "$@"
}
# (remove is run_median's local, seen through bash's dynamic scope)
remove_before() { if [ -n "$remove" ]; then rm -rf "$remove"; fi; }

declare -A flag=([custom]=-Fc [directory]=-Fd [tar]=-Ft)
tables=""
for f in $formats; do
    [ -n "${flag[$f]:-}" ] || { echo "unknown format $f" >&2; exit 2; }
    out=$BENCH_WORK/bench.$f
    say "$f: pg_dump"
    run_median "pg_dump $f" --rm "$out" "$PG_BINDIR/pg_dump" "${flag[$f]}" -f "$out" bench
    dump_wall=$R_WALL dump_rss=$R_RSS
    size=$(bench_size_mb "$out")
    rows="| pg_dump ${flag[$f]} | $dump_wall | 1.00 | $R_CPU | $(bench_mb "$dump_rss") |"$'\n'
    say "$f: pg_restore -l"
    run_median "pg_restore -l" "$PG_BINDIR/pg_restore" -l "$out"
    rows+="| pg_restore -l | $R_WALL | $(bench_ratio "$R_WALL" "$dump_wall") | $R_CPU | $(bench_mb "$R_RSS") |"$'\n'
    for level in toc structure; do
        say "$f: verify $level"
        run_median "verify $level" "$vbench" "$level" "$out"
        rows+="| verify $level | $R_WALL | $(bench_ratio "$R_WALL" "$dump_wall") | $R_CPU | $(bench_mb "$R_RSS") |"$'\n'
    done
    # Interleaved: full serial, full parallel, pg_restore -f /dev/null, in rotating order.
    say "$f: verify full --jobs=1, --jobs=$vjobs and pg_restore -f /dev/null, interleaved"
    variants=(serial parallel restore)
    declare -A fwalls=() fcpus=() frss=()
    for v in "${variants[@]}"; do fwalls[$v]=""; fcpus[$v]=""; frss[$v]=0; done
    for ((i = 0; i < repeat; i++)); do
        for ((j = 0; j < ${#variants[@]}; j++)); do
            v=${variants[$(((i + j) % ${#variants[@]}))]}
            case $v in
            serial) bench_measure "$vbench" --jobs=1 full "$out" ;;
            parallel) bench_measure "$vbench" --jobs="$vjobs" full "$out" ;;
            restore) bench_measure "$PG_BINDIR/pg_restore" -f /dev/null "$out" ;;
            esac
            bench_check "$v $f" 0
            fwalls[$v]+=" $M_WALL"
            fcpus[$v]+=" $M_CPU"
            if [ "$M_RSS" -gt "${frss[$v]}" ]; then frss[$v]=$M_RSS; fi
        done
    done
    declare -A W=() C=()
    for v in "${variants[@]}"; do
        # shellcheck disable=SC2086 # word-split the lists of times
        W[$v]=$(bench_median ${fwalls[$v]})
        # shellcheck disable=SC2086
        C[$v]=$(bench_median ${fcpus[$v]})
    done
    rows+="| verify full, serial (--jobs=1) | ${W[serial]} | $(bench_ratio "${W[serial]}" "$dump_wall") | ${C[serial]} | $(bench_mb "${frss[serial]}") |"$'\n'
    rows+="| verify full, --jobs=$vjobs | ${W[parallel]} | $(bench_ratio "${W[parallel]}" "$dump_wall") | ${C[parallel]} | $(bench_mb "${frss[parallel]}") |"$'\n'
    rows+="| pg_restore -f /dev/null | ${W[restore]} | $(bench_ratio "${W[restore]}" "$dump_wall") | ${C[restore]} | $(bench_mb "${frss[restore]}") |"$'\n'
    tables+=$'\n'"### ${f} format (${size} MiB), median of ${repeat} runs"$'\n\n'
    tables+="| step | wall s | ÷ pg_dump wall | CPU s | peak RSS MiB |"$'\n'"|---|---:|---:|---:|---:|"$'\n'"$rows"
    tables+=$'\n'"full verify ÷ pg_restore -f /dev/null (goal ≤ 0.50): serial wall $(bench_ratio "${W[serial]}" "${W[restore]}") (CPU $(bench_ratio "${C[serial]}" "${C[restore]}")), --jobs=$vjobs wall $(bench_ratio "${W[parallel]}" "${W[restore]}") (CPU $(bench_ratio "${C[parallel]}" "${C[restore]}"))"$'\n'
    unset fwalls fcpus frss W C
done

# A custom dump cut short: the TOC at its head is intact, so pg_restore -l lists it.
truncated=""
if [[ " $formats " == *" custom "* ]]; then
    src=$BENCH_WORK/bench.custom
    cut=$BENCH_WORK/truncated.custom
    full_size=$(stat -c %s "$src")
    head -c $((full_size * 6 / 10)) "$src" >"$cut"
    say "truncated copy: $(stat -c %s "$cut") of $full_size bytes"
    truncated=$'\n'"### custom dump cut at 60% ($(stat -c %s "$cut") of $full_size bytes)"$'\n\n'
    truncated+="| check | exit | verdict |"$'\n'"|---|---:|---|"$'\n'
    "$PG_BINDIR/pg_restore" -l "$cut" >/dev/null 2>"$BENCH_WORK/trunc.err" && rc=0 || rc=$?
    truncated+="| pg_restore -l | $rc | $([ "$rc" = 0 ] && echo "accepted (lists the TOC)" || echo "rejected: $(head -n 1 "$BENCH_WORK/trunc.err")") |"$'\n'
    list_rc=$rc
    for level in toc structure full; do
        "$vbench" "$level" "$cut" >"$BENCH_WORK/trunc.out" 2>&1 && rc=0 || rc=$?
        verdict=$(sed -n 's/^problem: //p' "$BENCH_WORK/trunc.out")
        truncated+="| verify $level | $rc | ${verdict:-accepted} |"$'\n'
        if [ $level = structure ]; then structure_rc=$rc; fi
    done
    "$PG_BINDIR/pg_restore" -f /dev/null "$cut" 2>"$BENCH_WORK/trunc.err" && rc=0 || rc=$?
    truncated+="| pg_restore -f /dev/null | $rc | $([ "$rc" = 0 ] && echo accepted || echo "rejected: $(head -n 1 "$BENCH_WORK/trunc.err")") |"$'\n'
fi

echo "## Verifier benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $("$PG_BINDIR/pg_dump" --version), $ntables data tables"
echo "Load average at start: $load_start; at end: $(bench_load). CPU s = user + system of the"
echo "command (pg_dump's excludes the server's work); peak RSS from GNU time."
echo "$tables"
echo "$truncated"
say "done"
if [ -n "$truncated" ] && { [ "$list_rc" != 0 ] || [ "$structure_rc" != 1 ]; }; then
    echo "unexpected: pg_restore -l exit $list_rc (expected 0), verify structure exit $structure_rc (expected 1)" >&2
    exit 1
fi
