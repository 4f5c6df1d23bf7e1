#!/usr/bin/env bash
# See pg_dump-safe work, from a fresh checkout (after `sudo scripts/install-deps.sh`):
#
#   build pg_dump-safe and pg_dump-safe-audit (into BUILD_DIR, default build-demo), then
#   start a throwaway PostgreSQL 15 server (unix socket only, port 54370; as root it runs
#   as the "postgres" user) holding the test database "app" (tests/fixtures/seed.sql), and:
#   1. publish a verified custom-format dump of "app" with pg_dump-safe;
#   2. stop the server and run the same command again: it fails with a [backup] FAILED line
#      and the dump published in step 1 stays byte-identical;
#   3. for comparison, run plain pg_dump the same way (`pg_dump -Fc app > unsafe.dump`),
#      which leaves a zero-byte unsafe.dump behind;
#   4. run pg_dump-safe-audit on the backup directory: it flags that zero-byte file;
#   5. show the run journal and the Prometheus metrics file the two runs wrote.
#
# usage: scripts/demo.sh [BUILD_DIR]
# Everything else lives in a temporary directory under /tmp, removed at the end unless
# KEEP=1. PG_BINDIR overrides /usr/lib/postgresql/15/bin. Exit status 0 when every step
# behaved as described, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
build=${1:-build-demo}
case "$build" in /*) ;; *) build="$top/$build" ;; esac
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
port=54370

die() { echo "demo: $*" >&2; exit 1; }
step() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; }

[ -x "$bindir/initdb" ] ||
    die "PostgreSQL server binaries not found in $bindir (run: sudo scripts/install-deps.sh)"
command -v cmake >/dev/null && command -v ninja >/dev/null ||
    die "cmake and ninja are needed (run: sudo scripts/install-deps.sh)"

step "build pg_dump-safe into $build"
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$top" -B "$build" -G Ninja -DPDS_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target pg_dump-safe pg_dump-safe-audit
safe="$build/src/pg_dump-safe"
audit="$build/src/audit/pg_dump-safe-audit"
[ -x "$safe" ] && [ -x "$audit" ] || die "the build did not produce $safe and $audit"

# A directory the server's user can reach even when the checkout is under /root.
demo=$(mktemp -d /tmp/pg_dump-safe-demo.XXXXXX)
chmod 755 "$demo"
mkdir "$demo/backups"
server_stopped=0
cleanup() {
    [ "$server_stopped" = 1 ] || "$top/tests/fixtures/pg_server.sh" stop "$demo" server || true
    if [ "${KEEP:-0}" = 1 ]; then echo "demo: kept $demo"; else rm -rf "$demo"; fi
}
trap cleanup EXIT

step "start a throwaway PostgreSQL server (port $port, unix socket only)"
"$top/tests/fixtures/pg_server.sh" start "$demo" server "$bindir" "$port" \
    "$top/tests/fixtures/seed.sql"
PGHOST=$(sed -n 's/^PGHOST=//p' "$demo/server/env") # the socket directory (under /tmp)
export PGHOST PGPORT=$port PGUSER=postgres PATH="$bindir:$PATH"
echo "server up; database \"app\" created from tests/fixtures/seed.sql"

cd "$demo/backups"
# Both runs record themselves; step 7 shows what they wrote.
export PG_DUMP_SAFE_JOURNAL="$demo/journal.jsonl"
export PG_DUMP_SAFE_METRICS_FILE="$demo/pg_dump_safe.prom"

step "1. publish a verified dump"
show "pg_dump-safe -v -Fc -f app.dump app"
set +e
"$safe" -v -Fc -f app.dump app 2> "$demo/run1.err"
status=$?
set -e
# pg_dump's own -v chatter ("pg_dump: reading ...") is long; keep pg_dump-safe's lines.
grep -v '^pg_dump: ' "$demo/run1.err" || true
echo "exit status $status"
[ "$status" = 0 ] && [ -s app.dump ] || die "the first run did not publish app.dump"
show "ls -l"
ls -l
show "pg_restore -l app.dump | grep -c TABLE"
pg_restore -l app.dump > "$demo/toc.txt"
grep -c TABLE "$demo/toc.txt"
before=$(sha256sum app.dump)
echo "sha256 before: $before"

step "2. stop the server and run the same command again"
"$top/tests/fixtures/pg_server.sh" stop "$demo" server
server_stopped=1
show "pg_dump-safe -Fc -f app.dump app"
set +e
"$safe" -Fc -f app.dump app
status=$?
set -e
echo "exit status $status"
[ "$status" != 0 ] || die "the run against a stopped server did not fail"
after=$(sha256sum app.dump)
echo "sha256 after:  $after"
[ "$after" = "$before" ] || die "app.dump changed"
echo "app.dump is byte-identical to the dump published in step 1"
show "ls -l"
ls -l

step "3. for comparison: plain pg_dump against the stopped server"
show "pg_dump -Fc app > unsafe.dump"
set +e
pg_dump -Fc app > unsafe.dump
status=$?
set -e
echo "exit status $status"
show "ls -l unsafe.dump"
ls -l unsafe.dump
[ ! -s unsafe.dump ] || die "expected plain pg_dump to leave an empty unsafe.dump"
echo "plain pg_dump left a zero-byte unsafe.dump where a restore point is expected"

step "4. audit the backup directory"
show "pg_dump-safe-audit --no-cache --verify=full $demo/backups"
set +e
"$audit" --no-cache --verify=full "$demo/backups"
status=$?
set -e
echo "exit status $status (2 = critical: the zero-byte unsafe.dump)"
[ "$status" = 2 ] || die "expected the audit to report the zero-byte unsafe.dump as critical"

step "5. what the two pg_dump-safe runs recorded"
show "cat $PG_DUMP_SAFE_JOURNAL"
cat "$PG_DUMP_SAFE_JOURNAL"
show "cat $PG_DUMP_SAFE_METRICS_FILE"
cat "$PG_DUMP_SAFE_METRICS_FILE"

printf '\ndemo: every step behaved as described\n'
