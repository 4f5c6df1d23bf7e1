#!/usr/bin/env bash
# The restore drill against the same restore done by hand: wall time of
#   pg_dump-safe-audit --restore-test --jobs=2 --no-record DUMP
#     (verify structure, find the server installation, initdb, start, create roles and the
#      database, pg_restore -j2 beside the counting pass, compare counts, immediate stop,
#      remove)
# and of the hand-made recipe
#   initdb && pg_ctl start -w && createdb && pg_restore -j2 --exit-on-error && pg_ctl stop &&
#   rm -rf DATA
# for the same custom-format dump, cluster start-up included in both, measured interleaved in
# the same run (REPEAT times, median and min-max, ratio of medians).
#
# usage: bench/restore_bench.sh [BUILD_DIR]
#   BUILD_DIR  build directory with pg_dump-safe-audit (default: build-bench at the top of
#              the repository; configured Release without tests if it is not)
# Environment:
#   BENCH_SIZE       approximate custom-format dump size in MiB (default 170: a database of
#                    about 730 MB on disk, the "~700 MB database"; the size is printed)
#   REPEAT           runs of each variant (default 3)
#   BENCH_HAND_OPTS  extra server options for the hand-made cluster (default none: what a
#                    person would type; the drill runs with fsync=off and scratch settings)
#   BENCH_PORT       port of the source server's socket (default 54700); the clusters of
#                    the runs use BENCH_PORT+1 and +2 (unix sockets only)
#   PG_BINDIR        PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

bench_args "$0" "$@"
size=${BENCH_SIZE:-170}
repeat=${REPEAT:-3}
hand_opts=${BENCH_HAND_OPTS:-}

say "building pg_dump-safe-audit in $build"
bench_build "$build" pg_dump-safe-audit
audit=$(find "$build" -name pg_dump-safe-audit -type f -perm -u+x | head -n 1)
[ -x "$audit" ] || { echo "pg_dump-safe-audit not built in $build" >&2; exit 1; }

# Work directory under /tmp: the postgres user must be able to reach it.
BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/pds-restore-bench.XXXXXX")
chmod 755 "$BENCH_WORK"
cleanup() {
    bench_server_stop
    rm -rf "$BENCH_WORK"
}
trap cleanup EXIT
bench_server_start "$BENCH_WORK"
say "creating a database of about $size MiB (custom-format dump)"
bench_make_db bench "$size" >/dev/null
dump=$BENCH_WORK/bench.dump
"$PG_BINDIR/pg_dump" -Fc -f "$dump" bench
db_mb=$(bench_psql -A -t -d bench -c "SELECT pg_database_size('bench') / 1048576")
bench_server_stop # the source server does not compete with the restores
say "dump $(bench_size_mb "$dump") MiB, database $db_mb MiB"

hand() {
    local d
    d=$(mktemp -d "$BENCH_WORK/hand.XXXXXX")
    if [ "$(id -u)" = 0 ]; then chown postgres: "$d"; fi
    local port=$((BENCH_PORT + 2))
    bench_as_postgres "$PG_BINDIR/initdb" -D "$d/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null &&
        bench_as_postgres "$PG_BINDIR/pg_ctl" -D "$d/data" -l "$d/server.log" -w \
            -o "-c listen_addresses='' -c unix_socket_directories='$d' -p $port $hand_opts" start >/dev/null &&
        "$PG_BINDIR/createdb" -h "$d" -p $port -U postgres restore_test &&
        "$PG_BINDIR/pg_restore" -j2 --exit-on-error -h "$d" -p $port -U postgres -d restore_test "$dump" &&
        bench_as_postgres "$PG_BINDIR/pg_ctl" -D "$d/data" -w stop >/dev/null
    local rc=$?
    rm -rf "$d"
    return $rc
}

drill() {
    "$audit" --restore-test --jobs=2 --no-record --cluster-port=$((BENCH_PORT + 1)) \
        --pg-bindir="$PG_BINDIR" --work-dir="$BENCH_WORK" "$dump"
}

hand_times=() drill_times=()
for ((i = 1; i <= repeat; i++)); do
    # Alternate which goes first, so that neither always meets a warmer cache.
    for v in $( ((i % 2)) && echo "hand drill" || echo "drill hand"); do
        export BENCH_WORK
        bench_measure bash -c "$(declare -f hand drill bench_as_postgres); PG_BINDIR=$PG_BINDIR BENCH_WORK=$BENCH_WORK BENCH_PORT=$BENCH_PORT dump=$dump audit=$audit hand_opts='$hand_opts' $v"
        bench_check "$v" 0
        say "run $i $v: ${M_WALL}s (load $(bench_load))"
        if [ "$v" = hand ]; then hand_times+=("$M_WALL"); else drill_times+=("$M_WALL"); fi
    done
done
mh=$(bench_median "${hand_times[@]}")
md=$(bench_median "${drill_times[@]}")
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
echo "restore drill vs hand-made restore: dump $(bench_size_mb "$dump") MiB (custom, gzip), database $db_mb MiB, $repeat runs each, $(nproc) CPUs"
printf '  hand-made (initdb, pg_ctl start, createdb, pg_restore -j2, pg_ctl stop): median %ss (%s)\n' "$mh" "$(range "${hand_times[@]}")"
printf '  pg_dump-safe-audit --restore-test --jobs=2:                          median %ss (%s)\n' "$md" "$(range "${drill_times[@]}")"
echo "  ratio drill / hand-made: $(bench_ratio "$md" "$mh")"
