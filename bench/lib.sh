# shellcheck shell=bash disable=SC2034 # M_* and R_* are results for the caller
# Shared by the scripts of bench/ (sourced, not run).
#
# A throwaway PostgreSQL 15 server on a unix socket under a work directory (as root the
# server runs as user "postgres" via runuser), databases filled with generate_series data,
# a build directory with the binaries, and measurement of wall time and peak RSS.
# Environment: PG_BINDIR (default /usr/lib/postgresql/15/bin), BENCH_PORT (default 54700).

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
BENCH_PORT=${BENCH_PORT:-54700}
BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Rows of the data table per MiB of its custom-format (gzip) dump, measured with pg_dump 15.
BENCH_ROWS_PER_MB=${BENCH_ROWS_PER_MB:-21500}

# bench_args SCRIPT [BUILD_DIR]: the common prologue. Prints SCRIPT's header comment as
# usage (exit 2) unless the arguments are at most one build directory; sets `build` (made
# absolute, created; default build-bench at the top of the repository), `bench_start`,
# `load_start` (the load average now).
bench_args() {
    local script=$1
    shift
    if [ $# -gt 1 ] || [[ ${1:-} == -* ]]; then
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$script" >&2
        exit 2
    fi
    build=${1:-$BENCH_REPO/build-bench}
    mkdir -p "$build"
    build=$(cd "$build" && pwd)
    bench_start=$(date +%s)
    load_start=$(bench_load)
}

# say TEXT: progress on stderr, with the seconds since bench_args.
say() { echo "# $* ($(($(date +%s) - bench_start))s)" >&2; }

bench_as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# bench_build BUILD_DIR TARGET...: configures (Release, no tests) unless configured, builds.
bench_build() {
    local build=$1
    shift
    if [ ! -f "$build/CMakeCache.txt" ]; then
        local generator=()
        if command -v ninja >/dev/null; then generator=(-G Ninja); fi
        cmake -S "$BENCH_REPO" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
            -DPDS_BUILD_TESTS=OFF >"$build.configure.log" 2>&1 ||
            { cat "$build.configure.log" >&2; return 1; }
    fi
    cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "$@" >/dev/null
}

# bench_server_start WORKDIR: initdb + start; exports PGHOST PGPORT PGUSER.
bench_server_start() {
    BENCH_PGROOT=$1/pg
    if [ -f "$BENCH_PGROOT/data/postmaster.pid" ]; then
        bench_as_postgres "$PG_BINDIR/pg_ctl" -D "$BENCH_PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$BENCH_PGROOT"
    mkdir -p "$BENCH_PGROOT/sock"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { echo "no 'postgres' user to run the server as" >&2; return 1; }
        chown -R postgres: "$BENCH_PGROOT"
        chmod 755 "$1" "$BENCH_PGROOT"
    fi
    bench_as_postgres "$PG_BINDIR/initdb" -D "$BENCH_PGROOT/data" -A trust -U postgres --no-sync \
        -E UTF8 --locale=C >"$BENCH_PGROOT/initdb.log" 2>&1 ||
        { cat "$BENCH_PGROOT/initdb.log" >&2; return 1; }
    bench_as_postgres "$PG_BINDIR/pg_ctl" -D "$BENCH_PGROOT/data" -l "$BENCH_PGROOT/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$BENCH_PGROOT/sock' -p $BENCH_PORT \
            -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c wal_level=minimal \
            -c max_wal_senders=0 -c max_wal_size=4GB -c shared_buffers=256MB \
            -c max_locks_per_transaction=1024" start >/dev/null ||
        { cat "$BENCH_PGROOT/server.log" >&2; return 1; }
    export PGHOST=$BENCH_PGROOT/sock PGPORT=$BENCH_PORT PGUSER=postgres PGDATABASE=postgres
}

bench_server_stop() {
    if [ -n "${BENCH_PGROOT:-}" ] && [ -f "$BENCH_PGROOT/data/postmaster.pid" ]; then
        bench_as_postgres "$PG_BINDIR/pg_ctl" -D "$BENCH_PGROOT/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -n "${BENCH_PGROOT:-}" ]; then rm -rf "$BENCH_PGROOT/data"; fi
}

bench_psql() { "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# bench_make_db NAME MB [TABLES]: a database whose custom-format dump is about MB megabytes:
# TABLES tables (default 1) of md5 text, numbers and timestamps sharing the rows evenly
# ("data" when there is one, data1..dataN otherwise), plus a small table and an index on
# each. Several tables make several independent compressed streams, as real databases have.
bench_make_db() {
    local db=$1 rows=$(($2 * BENCH_ROWS_PER_MB)) tables=${3:-1} i name sql=""
    for ((i = 1; i <= tables; i++)); do
        name=data$i
        if [ "$tables" = 1 ]; then name=data; fi
        sql+="CREATE UNLOGGED TABLE $name (id bigint, a text, b text, n numeric(12,2), ts timestamptz);
INSERT INTO $name
    SELECT i, md5(i::text), md5((i * 7)::text), (i % 100000) * 1.25,
           timestamptz '2020-01-01 00:00:00+00' + i * interval '1 second'
    FROM generate_series($(((i - 1) * rows / tables + 1)), $((i * rows / tables))) i;
ALTER TABLE $name SET LOGGED;
CREATE INDEX ${name}_id ON $name (id);
"
    done
    bench_psql -d postgres -c "CREATE DATABASE $db"
    bench_psql -d "$db" <<SQL
CREATE TABLE small (id int PRIMARY KEY, name text);
INSERT INTO small SELECT i, 'name ' || i FROM generate_series(1, 1000) i;
$sql
VACUUM ANALYZE;
SQL
}

# bench_make_many_tables NAME COUNT: COUNT small tables (100 rows, a primary key, a comment).
bench_make_many_tables() {
    local db=$1 count=$2
    bench_psql -d postgres -c "CREATE DATABASE $db"
    bench_psql -d "$db" <<SQL
DO \$\$
BEGIN
  FOR i IN 1..$count LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v text)', i);
    EXECUTE format('INSERT INTO t%s SELECT g, md5(g::text) FROM generate_series(1, 100) g', i);
    EXECUTE format('COMMENT ON TABLE t%s IS %L', i, 'table ' || i);
  END LOOP;
END
\$\$;
VACUUM ANALYZE;
SQL
}

# bench_measure [--own-rss] CMD...: runs CMD (output discarded, stderr kept in
# $BENCH_WORK/last.err) and sets M_WALL (seconds), M_CPU (user + system seconds of CMD and
# its waited-for children), M_RSS (peak RSS in KB of CMD and its waited-for children; both
# from /usr/bin/time), M_RC (exit status) and, with --own-rss,
# M_OWN_RSS: CMD's own peak RSS (VmHWM of that process alone, sampled every 20 ms; growth in
# its last 20 ms would be missed).
bench_measure() {
    local own=0
    if [ "$1" = --own-rss ]; then own=1; shift; fi
    local tf=${BENCH_WORK:?}/last.time
    M_OWN_RSS=0
    /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >/dev/null 2>"$BENCH_WORK/last.err" &
    local tpid=$! cpid="" hwm k v _
    if [ $own = 1 ]; then
        while kill -0 "$tpid" 2>/dev/null; do
            if [ -z "$cpid" ]; then
                # The file has no final newline: read fails at its end but sets cpid.
                read -r cpid _ <"/proc/$tpid/task/$tpid/children" 2>/dev/null || true
            fi
            if [ -n "$cpid" ] && [ -r "/proc/$cpid/status" ]; then
                hwm=""
                while read -r k v _; do
                    if [ "$k" = VmHWM: ]; then hwm=$v; fi
                done <"/proc/$cpid/status" 2>/dev/null || true
                if [ -n "$hwm" ] && [ "$hwm" -gt "$M_OWN_RSS" ]; then M_OWN_RSS=$hwm; fi
            fi
            sleep 0.02
        done
    fi
    M_RC=0
    wait "$tpid" || M_RC=$?
    # GNU time writes "Command exited with non-zero status N" before the figures.
    local user sys
    read -r M_WALL M_RSS user sys < <(tail -n 1 "$tf")
    M_CPU=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

# bench_check LABEL MAX_RC [TEST...]: after bench_measure, unless M_RC is at most MAX_RC and
# the `test` expression TEST (if given, e.g. -s "$out") holds, prints "LABEL failed (exit N):"
# and the run's stderr, and exits 1.
bench_check() {
    local label=$1 max_rc=$2
    shift 2
    if [ "$M_RC" -gt "$max_rc" ] || { [ $# -gt 0 ] && ! test "$@"; }; then
        echo "$label failed (exit $M_RC):" >&2
        cat "$BENCH_WORK/last.err" >&2
        exit 1
    fi
}

# bench_median_runs LABEL MAX_RC PREP CMD...: $repeat runs of CMD (bench_measure, checked by
# bench_check LABEL MAX_RC), each after the shell command PREP (untimed; : for none); sets
# R_WALL, R_CPU (median wall and CPU seconds) and R_RSS (max peak RSS in KB).
bench_median_runs() {
    local label=$1 max_rc=$2 prep=$3 walls=() cpus=() rss=0 i
    shift 3
    for ((i = 0; i < ${repeat:?}; i++)); do
        "$prep"
        bench_measure "$@"
        bench_check "$label" "$max_rc"
        walls+=("$M_WALL")
        cpus+=("$M_CPU")
        if [ "$M_RSS" -gt "$rss" ]; then rss=$M_RSS; fi
    done
    R_WALL=$(bench_median "${walls[@]}")
    R_CPU=$(bench_median "${cpus[@]}")
    R_RSS=$rss
}

# bench_median NUMBER...: the median (the mean of the two middle values for an even count).
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
bench_mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
bench_size_mb() { du -sm --apparent-size "$1" | cut -f1; }
