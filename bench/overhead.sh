#!/usr/bin/env bash
# What pg_dump-safe costs on top of pg_dump: wall time and memory of the same dump made by
# plain pg_dump and by pg_dump-safe at each verification level.
#
# usage: bench/overhead.sh [BUILD_DIR]
#   BUILD_DIR  build directory with pg_dump-safe (default: build-bench at the top of the
#              repository); configured (Release, -DPDS_BUILD_TESTS=OFF) if it is not, and
#              pg_dump-safe is built.
# Environment:
#   BENCH_SIZES    databases by approximate custom-format dump size in MiB (default "1 170":
#                  a tiny database and one of about 730 MB on disk; sizes are printed; 0 is
#                  the 1,000-row table alone, the "tiny database" of issue 11)
#   BENCH_TABLES   also a database of this many small tables (default 0: none)
#   BENCH_DATA_TABLES  tables the rows of each sized database are spread over (default 1)
#   BENCH_FORMATS  among custom, plain, directory, directory-j2, tar
#                  (default "custom plain directory-j2"; set but empty: none)
#   BENCH_SHAPES_FORMATS  formats of the output-shape block (default "plain custom"; empty:
#                  skip it): -f with and without writeback during the dump, `> X` copied
#   REPEAT         runs of each variant, interleaved; median and min-max (default 3)
#   BENCH_SYNC     1 (default): `sync` before every timed run (untimed, after the previous
#                  output is removed), so every variant starts with no dirty data: bare
#                  pg_dump never fsyncs its plain output, which the kernel would otherwise
#                  write back during the next run, and pg_dump-safe's fsyncs would wait for
#                  the journal commit of the previous run's deletions. 0: each run starts in
#                  the state the previous one left. The Dirty and Writeback figures of
#                  /proc/meminfo before the runs are printed either way.
#   BENCH_PORT     port of the throwaway server's unix socket (default 54700)
#   PG_BINDIR      PostgreSQL 15 binaries of the server (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_DUMP  the pg_dump every variant runs through, the same entry point for bare
#                  pg_dump, the recipe (with the pg_restore beside it) and pg_dump-safe
#                  (--safe-pg-dump): default /usr/bin/pg_dump when it exists (on Debian that
#                  is pg_wrapper, a perl start-up per call), else $PG_BINDIR/pg_dump
#   BENCH_SAFE     the pg_dump-safe to measure (default: the one built in BUILD_DIR); to
#                  compare two builds, run the script once with each
#   JOBS           build parallelism (default: number of CPUs)
#
# Starts a throwaway PostgreSQL 15 server (unix socket under BUILD_DIR/bench-overhead; as
# root it runs as user postgres), creates the databases with generate_series data, then for
# each database and format runs, REPEAT times in rotating order:
#   pg_dump -F? -f X                                (bare pg_dump: the baseline)
#   recipe: pg_dump -F? -f X.partial && test -s X.partial && pg_restore -l X.partial &&
#           mv X.partial X                          (the usual shell recipe; not for plain)
#   pg_dump-safe --safe-verify=toc|structure|full -F? -f Y
# and prints the median wall time of each with its min-max spread, the ratio of medians to
# bare pg_dump measured in the same run, pg_dump's peak RSS (GNU time) and pg_dump-safe's own
# peak RSS (VmHWM of the pg_dump-safe process, sampled every 20 ms; pg_dump and pg_restore -l
# are its children and not counted), and a markdown table for README.md. Outputs are
# removed between runs (untimed); files are in the page cache. The server is stopped on exit.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

bench_args "$0" "$@"
sizes=${BENCH_SIZES:-1 170}
ntables=${BENCH_TABLES:-0}
formats=${BENCH_FORMATS-custom plain directory-j2}
repeat=${REPEAT:-3}
sync_before=${BENCH_SYNC:-1}
BENCH_WORK=$build/bench-overhead
dirty_before=() writeback_before=()
# settle: the writeback state every timed run starts in (BENCH_SYNC), recorded.
settle() {
    if [ "$sync_before" = 1 ]; then sync; fi
    dirty_before+=("$(awk '$1 == "Dirty:" { print $2 }' /proc/meminfo)")
    writeback_before+=("$(awk '$1 == "Writeback:" { print $2 }' /proc/meminfo)")
}

say "build pg_dump-safe in $build"
bench_build "$build" pg_dump-safe
safe=${BENCH_SAFE:-$build/src/pg_dump-safe}
pg_dump=$PG_BINDIR/pg_dump
if [ -x /usr/bin/pg_dump ]; then pg_dump=/usr/bin/pg_dump; fi
pg_dump=${BENCH_PG_DUMP:-$pg_dump}
pg_restore=$(dirname "$pg_dump")/pg_restore
say "every variant runs $pg_dump ($(readlink -f "$pg_dump")); pg_dump-safe: $safe"

rm -rf "$BENCH_WORK"
mkdir -p "$BENCH_WORK"
trap bench_server_stop EXIT
say "start PostgreSQL 15 on port $BENCH_PORT"
bench_server_start "$BENCH_WORK"
dbs=()
for mb in $sizes; do
    say "create database d${mb}mb (~${mb} MiB custom dump)"
    bench_make_db "d${mb}mb" "$mb" "${BENCH_DATA_TABLES:-1}"
    dbs+=("d${mb}mb")
done
if [ "$ntables" -gt 0 ]; then
    say "create database t${ntables} ($ntables tables)"
    bench_make_many_tables "t${ntables}" "$ntables"
    dbs+=("t${ntables}")
fi

declare -A flag=([custom]=-Fc [plain]=-Fp [directory]=-Fd [directory-j2]="-Fd -j2" [tar]=-Ft)
# "min-max" of a list of numbers
spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
table="| database | DB size | format | dump MiB | pg_dump s (min-max) | recipe | toc | structure (default) | full | CPU recipe | CPU structure | CPU full | pg_dump RSS MiB | pg_dump-safe own RSS MiB |"
table+=$'\n'"|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for db in "${dbs[@]}"; do
    dbsize=$(bench_psql -At -d postgres -c "SELECT pg_size_pretty(pg_database_size('$db'))")
    for f in $formats; do
        [ -n "${flag[$f]:-}" ] || { echo "unknown format $f" >&2; exit 2; }
        read -r -a fl <<<"${flag[$f]}"
        variants=(pg_dump recipe toc structure full)
        if [ "$f" = plain ]; then variants=(pg_dump toc structure full); fi
        declare -A walls=() rss=() cpus=()
        for v in "${variants[@]}"; do walls[$v]=""; rss[$v]=0; cpus[$v]=""; done
        say "$db ($dbsize) $f: $repeat x ${variants[*]}"
        for ((i = 0; i < repeat; i++)); do
            for ((j = 0; j < ${#variants[@]}; j++)); do
                v=${variants[$(((i + j) % ${#variants[@]}))]}
                out=$BENCH_WORK/out.$f
                rm -rf "$out" "$out.lock" "$out.partial" "$out.partial.failure.json"
                settle
                case $v in
                pg_dump)
                    bench_measure "$pg_dump" "${fl[@]}" -f "$out" "$db"
                    r=$M_RSS ;;
                recipe)
                    bench_measure sh -c 'pg=$1 out=$2 db=$3 rst=$4; shift 4
                        "$pg" "$@" -f "$out.partial" "$db" && test -s "$out.partial" &&
                        "$rst" -l "$out.partial" >/dev/null && mv "$out.partial" "$out"' sh \
                        "$pg_dump" "$out" "$db" "$pg_restore" "${fl[@]}"
                    r=0 ;;
                *)
                    bench_measure --own-rss "$safe" --safe-pg-dump="$pg_dump" \
                        --safe-verify="$v" "${fl[@]}" -f "$out" "$db"
                    r=$M_OWN_RSS ;;
                esac
                bench_check "$v $f $db" 0 -e "$out"
                walls[$v]+=" $M_WALL"
                cpus[$v]+=" $M_CPU"
                if [ "$r" -gt "${rss[$v]}" ]; then rss[$v]=$r; fi
            done
        done
        size=$(bench_size_mb "$out")
        # shellcheck disable=SC2086 # word-split the list of times
        base=$(bench_median ${walls[pg_dump]})
        # shellcheck disable=SC2086
        row="| $db | $dbsize | ${flag[$f]} | $size | $base ($(spread ${walls[pg_dump]}))"
        own=0
        for v in recipe toc structure full; do
            if [ -z "${walls[$v]+x}" ]; then row+=" | -"; continue; fi
            # shellcheck disable=SC2086
            m=$(bench_median ${walls[$v]})
            # shellcheck disable=SC2086
            row+=" | $(bench_ratio "$m" "$base")× ($m s, $(spread ${walls[$v]}))"
            if [ "$v" != recipe ] && [ "${rss[$v]}" -gt "$own" ]; then own=${rss[$v]}; fi
        done
        # CPU time (user+sys of the variant and its children) varies less with machine load
        # than wall time; the sums over all runs, as a ratio to bare pg_dump's.
        # shellcheck disable=SC2086
        cpu_base=$(printf '%s\n' ${cpus[pg_dump]} | awk '{ s += $1 } END { printf "%.2f", s }')
        cpu_cols=""
        for v in recipe structure full; do
            if [ -z "${cpus[$v]+x}" ]; then cpu_cols+=" | -"; continue; fi
            # shellcheck disable=SC2086
            c=$(printf '%s\n' ${cpus[$v]} | awk '{ s += $1 } END { printf "%.2f", s }')
            cpu_cols+=" | $(bench_ratio "$c" "$cpu_base")×"
        done
        row+="$cpu_cols | $(bench_mb "${rss[pg_dump]}") | $(bench_mb "$own") |"
        table+=$'\n'"$row"
        echo "$row"
        unset walls rss cpus
    done
done
rm -rf "$BENCH_WORK"/out.*

# Output shapes (issue 12 item 1, issue 15 item 3): `> FILE` is published by copying the
# verified partial into the shell's descriptor (copy_file_range + fsync), and the writeback
# of a -f partial is started while pg_dump writes (sync_file_range). Per database and format:
#   pg_dump -f X | pg_dump-safe -f X | the same with PG_DUMP_SAFE_BENCH_NO_WRITEBACK=1 |
#   pg_dump > X  | pg_dump-safe > X
# with the journal's phases: sync = the final fsync of the partial (-f), copy = the copy into
# standard output and its fsync (> X).
shapes_formats=${BENCH_SHAPES_FORMATS-plain custom}
shapes="| database | format | dump MiB | pg_dump -f s | safe -f (writeback) | fsync tail s | safe -f (no writeback) | fsync tail s | pg_dump > X s | safe > X | copy+fsync s |"
shapes+=$'\n'"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
# median (3 decimals) of one phase of the journal lines in $1
phase() {
    grep -o "\"$2\":[0-9.]*" "$1" | cut -d: -f2 | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) printf "-"; else if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
if [ -n "$shapes_formats" ]; then
    for db in "${dbs[@]}"; do
        for f in $shapes_formats; do
            read -r -a fl <<<"${flag[$f]}"
            sv=(pg_dump safe nowb pgstdout safestdout)
            declare -A walls=()
            for v in "${sv[@]}"; do walls[$v]=""; rm -f "$BENCH_WORK/j.$v"; done
            say "$db $f shapes: $repeat x ${sv[*]}"
            for ((i = 0; i < repeat; i++)); do
                for ((j = 0; j < ${#sv[@]}; j++)); do
                    v=${sv[$(((i + j) % ${#sv[@]}))]}
                    out=$BENCH_WORK/out.shape
                    rm -rf "$out" "$out.lock" "$out.partial" "$out.partial.failure.json"
                    settle
                    jf=$BENCH_WORK/j.$v
                    case $v in
                    pg_dump) bench_measure "$pg_dump" "${fl[@]}" -f "$out" "$db" ;;
                    safe) bench_measure "$safe" --safe-pg-dump="$pg_dump" --safe-journal="$jf" \
                        "${fl[@]}" -f "$out" "$db" ;;
                    nowb) bench_measure env PG_DUMP_SAFE_BENCH_NO_WRITEBACK=1 "$safe" \
                        --safe-pg-dump="$pg_dump" --safe-journal="$jf" "${fl[@]}" -f "$out" "$db" ;;
                    pgstdout) bench_measure sh -c '"$@" > "$0"' "$out" "$pg_dump" "${fl[@]}" "$db" ;;
                    safestdout) bench_measure sh -c '"$@" > "$0"' "$out" "$safe" \
                        --safe-pg-dump="$pg_dump" --safe-journal="$jf" "${fl[@]}" "$db" ;;
                    esac
                    bench_check "$v $f $db" 0 -s "$out"
                    walls[$v]+=" $M_WALL"
                done
            done
            size=$(bench_size_mb "$out")
            # shellcheck disable=SC2086 # word-split the lists of times
            {
                base=$(bench_median ${walls[pg_dump]})
                sbase=$(bench_median ${walls[pgstdout]})
                m() { bench_median ${walls[$1]}; }
                row="| $db | $f | $size | $base ($(spread ${walls[pg_dump]}))"
                row+=" | $(bench_ratio "$(m safe)" "$base")× ($(m safe) s, $(spread ${walls[safe]}))"
                row+=" | $(phase "$BENCH_WORK/j.safe" sync)"
                row+=" | $(bench_ratio "$(m nowb)" "$base")× ($(m nowb) s, $(spread ${walls[nowb]}))"
                row+=" | $(phase "$BENCH_WORK/j.nowb" sync)"
                row+=" | $sbase ($(spread ${walls[pgstdout]}))"
                row+=" | $(bench_ratio "$(m safestdout)" "$sbase")× ($(m safestdout) s, $(spread ${walls[safestdout]}))"
                row+=" | $(phase "$BENCH_WORK/j.safestdout" rename) |"
            }
            shapes+=$'\n'"$row"
            echo "$row"
            unset walls
        done
    done
fi
rm -rf "$BENCH_WORK"/out.*

echo
echo "## pg_dump-safe overhead: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $("$pg_dump" --version) through $pg_dump, median of $repeat interleaved runs"
echo
echo "Load average at start: $load_start; at end: $(bench_load). Ratios: median wall time of the"
echo "variant / median of bare pg_dump, measured interleaved in the same run (seconds, min-max);"
echo "CPU columns: total user+sys time of all runs of the variant / that of bare pg_dump."
echo "Writeback state: sync before each run: $sync_before; /proc/meminfo before the runs: Dirty"
echo "median $(bench_median "${dirty_before[@]}" | cut -d. -f1) KiB (max $(spread "${dirty_before[@]}" | cut -d- -f2)), Writeback median $(bench_median "${writeback_before[@]}" | cut -d. -f1) KiB (max $(spread "${writeback_before[@]}" | cut -d- -f2))."
echo
echo "$table"
if [ -n "$shapes_formats" ]; then
    echo
    echo "Output shapes: -f with and without the writeback started during the dump (fsync tail ="
    echo "the journal's sync phase, median), and \`> X\` (copy+fsync = the journal's publish phase)."
    echo
    echo "$shapes"
fi
say "done"
