#!/usr/bin/env bash
# Smoke test of an installed pg_dump-safe through its masquerade directory, against a
# throwaway PostgreSQL 15 server (tests/fixtures/pg_server.sh, seeded with the "app" database).
#
# usage: packaging/smoke-test.sh [MASQUERADE_DIR [AUDIT_PROGRAM]]
#        (defaults: /usr/lib/pg_dump-safe/bin and /usr/bin/pg_dump-safe-audit)
# Environment: PDS_PKG_TEST_PORT (default 54393), PDS_PG_BINDIR (default
# /usr/lib/postgresql/15/bin). Needs strace (to see the rename) and, as root, a "postgres"
# user to run the server. Prints "smoke: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=$here/../tests/fixtures
masq=${1:-/usr/lib/pg_dump-safe/bin}
audit=${2:-/usr/bin/pg_dump-safe-audit}
port=${PDS_PKG_TEST_PORT:-54393}
pg_bindir=${PDS_PG_BINDIR:-/usr/lib/postgresql/15/bin}

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok: $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL: $*"; }
finish() {
    echo "smoke: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

for tool in strace "$pg_bindir/pg_restore" "$fixtures/pg_server.sh"; do
    command -v "$tool" >/dev/null || { bad "missing prerequisite: $tool"; finish; }
done
[ -x "$masq/pg_dump" ] || { bad "$masq/pg_dump does not exist or is not executable"; finish; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pds-smoke.XXXXXX")
chmod 755 "$work" # the server runs as "postgres" below it
stop_server() { "$fixtures/pg_server.sh" stop "$work/pg" s15 >/dev/null 2>&1; }
trap 'stop_server; rm -rf "$work"' EXIT

echo "smoke: starting PostgreSQL ($pg_bindir, port $port)"
if ! "$fixtures/pg_server.sh" start "$work/pg" s15 "$pg_bindir" "$port" "$fixtures/seed.sql"; then
    bad "could not start the test server"
    finish
fi
set -a
# shellcheck source=/dev/null
. "$work/pg/s15/env"
set +a

out=$work/out
fails=$work/fails
mkdir -p "$out" "$fails"
PATH_SAFE=$masq:$PATH

# The masquerade directory must put pg_dump-safe first on PATH.
resolved=$(PATH=$PATH_SAFE command -v pg_dump)
target=$(readlink -f "$resolved")
if [ "$resolved" = "$masq/pg_dump" ] && [ "$(basename "$target")" = pg_dump-safe ]; then
    ok "pg_dump on PATH=$masq:... is $resolved -> $target"
else
    bad "pg_dump on PATH=$masq:... is '$resolved' -> '$target', expected $masq/pg_dump -> .../pg_dump-safe"
fi

# traced LOG CMD...: run CMD under strace, recording renames, creations and removals, with
# the masquerade PATH.
traced() {
    local log=$1
    shift
    PATH=$PATH_SAFE strace -f -qq -e signal=none \
        -e trace=rename,renameat,renameat2,open,openat,unlink,unlinkat -o "$log" "$@"
}
# renamed LOG FROM TO: the trace shows a successful rename of FROM onto TO.
renamed() {
    grep -E "rename(at2?)?\(.*\"([^\"]*/)?$2\".*\"([^\"]*/)?$3\".*\) = 0" "$1" >/dev/null
}

echo "smoke: custom-format dump through the masquerade directory"
traced "$work/custom.trace" pg_dump -v -Fc -f "$out/app.dump" app 2>"$work/custom.err"
rc=$?
if [ $rc -eq 0 ]; then ok "pg_dump -Fc -f app.dump app exited 0"; else
    bad "pg_dump -Fc -f app.dump app exited $rc:"; grep -v '^pg_dump: [a-z]' "$work/custom.err" | tail -n 5; fi
if [ -s "$out/app.dump" ] && "$pg_bindir/pg_restore" -l "$out/app.dump" >"$work/custom.toc" 2>&1; then
    ok "app.dump is a readable archive ($(grep -c 'TABLE DATA' "$work/custom.toc") TABLE DATA entries)"
else
    bad "app.dump is missing, empty or unreadable by pg_restore -l"
fi
if renamed "$work/custom.trace" 'app\.dump\.partial' 'app\.dump'; then
    ok "published by renaming app.dump.partial onto app.dump"
else
    bad "no rename of app.dump.partial onto app.dump in the trace:"; cat "$work/custom.trace"
fi
if grep -E '^\[backup\] PUBLISHED target=[^ ]*app\.dump ' "$work/custom.err" >/dev/null; then
    ok "-v printed the PUBLISHED line"
else
    bad "no '[backup] PUBLISHED target=...app.dump' line on stderr"
fi
left=$(find "$out" -name '*.partial*' -o -name '*.lock')
if [ -z "$left" ]; then ok "no partial or lock file left"; else bad "left behind: $left"; fi

echo "smoke: plain dump redirected by the shell"
traced "$work/plain.trace" sh -c 'exec pg_dump app >"$1"' sh "$out/app.sql" 2>"$work/plain.err"
rc=$?
if [ $rc -eq 0 ] && tail -n 5 "$out/app.sql" | grep -q -- '-- PostgreSQL database dump complete'; then
    ok "pg_dump app > app.sql exited 0 and the dump is complete"
else
    bad "pg_dump app > app.sql exited $rc or app.sql lacks pg_dump's trailer"; tail -n 5 "$work/plain.err"
fi
# Standard output is the shell's descriptor: the dump goes to app.sql.partial, is verified,
# then copied into the descriptor; app.sql is never replaced by a rename.
if grep -E 'open(at)?\(.*"([^"]*/)?app\.sql\.partial".*O_CREAT.*\) = [0-9]+' "$work/plain.trace" >/dev/null &&
    grep -E 'unlink(at)?\(.*"([^"]*/)?app\.sql\.partial".*\) = 0' "$work/plain.trace" >/dev/null; then
    ok "stdout file: the dump went through app.sql.partial (created, then removed)"
else
    bad "no creation and removal of app.sql.partial in the trace"
fi
if renamed "$work/plain.trace" '[^"]*' 'app\.sql'; then
    bad "something was renamed onto app.sql (the shell's descriptor would write to a replaced file)"
else
    ok "nothing renamed onto app.sql: the verified dump was copied into the shell's descriptor"
fi

echo "smoke: failing dumps publish nothing"
printf 'previous dump\n' >"$fails/keep.dump"
PATH=$PATH_SAFE pg_dump -Fc -f "$fails/keep.dump" no_such_database 2>"$work/fail.err"
rc=$?
if [ $rc -eq 1 ]; then ok "a dump of a missing database exits 1"; else bad "a dump of a missing database exited $rc, expected 1"; fi
if grep -E '^\[backup\] FAILED target=[^ ]*keep\.dump .*reason=connection' "$work/fail.err" >/dev/null; then
    ok "the FAILED line names the target and reason=connection"
else
    bad "no '[backup] FAILED target=...keep.dump ... reason=connection' line:"; cat "$work/fail.err"
fi
if [ "$(cat "$fails/keep.dump")" = "previous dump" ]; then
    ok "the previous keep.dump is untouched"
else
    bad "keep.dump was changed by a failed run"
fi
PATH=$PATH_SAFE pg_dump -Fc -f "$fails/new.dump" no_such_database 2>/dev/null
if [ ! -e "$fails/new.dump" ] && [ -e "$fails/new.dump.partial" ] &&
    [ -e "$fails/new.dump.partial.failure.json" ]; then
    ok "a failed first dump leaves no final name, only its partial and failure record"
else
    bad "a failed dump left: $(find "$fails" -name 'new.dump*')"
fi

echo "smoke: pg_dump-safe-audit"
if "$audit" --verify "$out/app.dump" >"$work/audit.out" 2>&1; then
    ok "pg_dump-safe-audit --verify app.dump exits 0"
else
    bad "pg_dump-safe-audit --verify app.dump exited $?:"; tail -n 15 "$work/audit.out"
fi
"$audit" --verify "$fails/keep.dump" >"$work/audit-bad.out" 2>&1
rc=$?
if [ $rc -eq 2 ]; then ok "pg_dump-safe-audit --verify rejects a non-dump (exit 2)"; else
    bad "pg_dump-safe-audit --verify on a non-dump exited $rc, expected 2"; tail -n 15 "$work/audit-bad.out"; fi

finish
