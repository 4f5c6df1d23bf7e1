#!/usr/bin/env bash
# From a fresh checkout: build pg_dump-safe, start a throwaway PostgreSQL 15 server, create a
# database, publish a verified dump of it with pg_dump-safe, then show a failing run (server
# stopped) leaving the good dump untouched. Everything lives under ./demo and is removed at
# the end unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
[ -x "$bindir/initdb" ] || { echo "demo: PostgreSQL 15 server not found in $bindir (run scripts/install-deps.sh as root)" >&2; exit 1; }
cmake -S . -B build -G Ninja >/dev/null
cmake --build build --target pg_dump-safe pg_dump-safe-audit
demo="$top/demo"
rm -rf "$demo"; mkdir -p "$demo/backups"
tests/fixtures/pg_server.sh start "$demo" server "$bindir" 54370 tests/fixtures/seed.sql
cleanup() { tests/fixtures/pg_server.sh stop "$demo" server; [ "${KEEP:-0}" = 1 ] || rm -rf "$demo"; }
trap cleanup EXIT
export PGHOST="$demo/server/sock" PGPORT=54370 PGUSER=postgres PATH="$bindir:$PATH"
echo "== pg_dump-safe -v -Fc -f $demo/backups/app.dump app"
build/src/pg_dump-safe -v -Fc -f "$demo/backups/app.dump" app 2>&1 | grep -v '^pg_dump: ' || true
ls -l "$demo/backups"
echo "== pg_dump-safe-audit --verify=full $demo/backups/app.dump"
build/src/audit/pg_dump-safe-audit --verify=full "$demo/backups/app.dump" || true
echo "== the same run with the server stopped: the good dump above must survive"
tests/fixtures/pg_server.sh stop "$demo" server
before=$(sha256sum "$demo/backups/app.dump")
build/src/pg_dump-safe -Fc -f "$demo/backups/app.dump" app || echo "(exit status $?)"
[ "$(sha256sum "$demo/backups/app.dump")" = "$before" ] && echo "app.dump unchanged: $before"
