#!/usr/bin/env bash
# What pg_dump-safe costs on top of pg_dump: wall time and memory of the same dump made by
# plain pg_dump and by pg_dump-safe at each verification level.
#
# usage: bench/overhead.sh [BUILD_DIR]
#   BUILD_DIR  build directory with pg_dump-safe (default: build-bench at the top of the
#              repository); configured (Release, -DPDS_BUILD_TESTS=OFF) if it is not, and
#              pg_dump-safe is built.
# Environment:
#   BENCH_SIZES    databases by approximate custom-format dump size in MiB (default "20 150")
#   BENCH_TABLES   also a database of this many small tables (default 2000; 0: none)
#   BENCH_FORMATS  pg_dump formats (default "custom plain directory")
#   REPEAT         runs of each variant, interleaved; the median is reported (default 5)
#   BENCH_PORT     port of the throwaway server's unix socket (default 54700)
#   PG_BINDIR      PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
#   JOBS           build parallelism (default: number of CPUs)
#
# Starts a throwaway PostgreSQL 15 server (unix socket under BUILD_DIR/bench-overhead; as
# root it runs as user postgres), creates the databases with generate_series data, then for
# each database and format runs, REPEAT times in rotating order:
#   pg_dump -F? -f X                               (plain pg_dump)
#   pg_dump-safe -F? -f Y                          (default level: structure)
#   pg_dump-safe --safe-verify=toc|full -F? -f Y
# and prints the median wall time of each, its ratio to plain pg_dump, the peak RSS of
# pg_dump (GNU time) and pg_dump-safe's own peak RSS (VmHWM of the pg_dump-safe process,
# sampled every 20 ms; pg_dump and pg_restore -l are its children and not counted), and
# a markdown table for README.md. Outputs are removed between runs (untimed); files are
# in the page cache. The server is stopped on exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

if [ $# -gt 1 ] || [[ ${1:-} == -* ]]; then
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
    exit 2
fi
build=${1:-$BENCH_REPO/build-bench}
mkdir -p "$build"
build=$(cd "$build" && pwd)
sizes=${BENCH_SIZES:-20 150}
ntables=${BENCH_TABLES:-2000}
formats=${BENCH_FORMATS:-custom plain directory}
repeat=${REPEAT:-5}
BENCH_WORK=$build/bench-overhead
start=$(date +%s)
say() { echo "# $* ($(($(date +%s) - start))s)" >&2; }

load_start=$(bench_load)
say "build pg_dump-safe in $build"
bench_build "$build" pg_dump-safe
safe=$build/src/pg_dump-safe
pg_dump=$PG_BINDIR/pg_dump

rm -rf "$BENCH_WORK"
mkdir -p "$BENCH_WORK"
trap bench_server_stop EXIT
say "start PostgreSQL 15 on port $BENCH_PORT"
bench_server_start "$BENCH_WORK"
dbs=()
for mb in $sizes; do
    say "create database d${mb}mb (~${mb} MiB custom dump)"
    bench_make_db "d${mb}mb" "$mb"
    dbs+=("d${mb}mb")
done
if [ "$ntables" -gt 0 ]; then
    say "create database t${ntables} ($ntables tables)"
    bench_make_many_tables "t${ntables}" "$ntables"
    dbs+=("t${ntables}")
fi

declare -A flag=([custom]=-Fc [plain]=-Fp [directory]=-Fd [tar]=-Ft)
variants=(pg_dump structure toc full)
table="| database | format | dump MiB | pg_dump s | safe (structure) s | ratio | safe toc s | ratio | safe full s | ratio | added CPU s structure / toc / full | pg_dump RSS MiB | pg_dump-safe own RSS MiB |"
table+=$'\n'"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for db in "${dbs[@]}"; do
    for f in $formats; do
        [ -n "${flag[$f]:-}" ] || { echo "unknown format $f" >&2; exit 2; }
        declare -A walls=() cpus=() rss=()
        for v in "${variants[@]}"; do walls[$v]=""; cpus[$v]=""; rss[$v]=0; done
        say "$db $f: $repeat x ${variants[*]}"
        for ((i = 0; i < repeat; i++)); do
            for ((j = 0; j < ${#variants[@]}; j++)); do
                v=${variants[$(((i + j) % ${#variants[@]}))]}
                out=$BENCH_WORK/out.$f
                rm -rf "$out" "$out.lock" "$out.partial"
                if [ "$v" = pg_dump ]; then
                    bench_measure "$pg_dump" "${flag[$f]}" -f "$out" "$db"
                    r=$M_RSS
                else
                    level=()
                    if [ "$v" != structure ]; then level=(--safe-verify="$v"); fi
                    bench_measure --own-rss "$safe" --safe-pg-dump="$pg_dump" "${level[@]}" \
                        "${flag[$f]}" -f "$out" "$db"
                    r=$M_OWN_RSS
                fi
                if [ "$M_RC" != 0 ] || [ ! -e "$out" ]; then
                    echo "$v $f $db failed (exit $M_RC):" >&2
                    cat "$BENCH_WORK/last.err" >&2
                    exit 1
                fi
                walls[$v]+=" $M_WALL"
                cpus[$v]+=" $M_CPU"
                if [ "$r" -gt "${rss[$v]}" ]; then rss[$v]=$r; fi
            done
        done
        size=$(bench_size_mb "$out")
        # shellcheck disable=SC2086 # word-split the list of times
        base=$(bench_median ${walls[pg_dump]})
        # shellcheck disable=SC2086
        base_cpu=$(bench_median ${cpus[pg_dump]})
        row="| $db | ${flag[$f]} | $size | $base"
        own=0 added=""
        for v in structure toc full; do
            # shellcheck disable=SC2086
            m=$(bench_median ${walls[$v]})
            row+=" | $m | $(bench_ratio "$m" "$base")"
            # shellcheck disable=SC2086
            c=$(bench_median ${cpus[$v]})
            added+="${added:+ / }$(awk -v a="$c" -v b="$base_cpu" 'BEGIN { printf "%+.2f", a - b }')"
            if [ "${rss[$v]}" -gt "$own" ]; then own=${rss[$v]}; fi
        done
        row+=" | $added | $(bench_mb "${rss[pg_dump]}") | $(bench_mb "$own") |"
        table+=$'\n'"$row"
        echo "$row"
        unset walls cpus rss
    done
done
rm -rf "$BENCH_WORK"/out.*

echo
echo "## pg_dump-safe overhead: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $("$pg_dump" --version), median of $repeat interleaved runs"
echo
echo "Load average at start: $load_start; at end: $(bench_load). Added CPU: median user + system"
echo "seconds of pg_dump-safe and its children (pg_dump, pg_restore -l) minus pg_dump's alone."
echo
echo "$table"
say "done"
