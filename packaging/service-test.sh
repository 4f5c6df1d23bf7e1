#!/usr/bin/env bash
# The .deb as an administrator meets it, on this machine (root, no running systemd needed):
#
#   1. dpkg -i the package; the directories and permissions the units rely on exist;
#   2. "systemctl enable pg_dump-safe@app.timer" (offline: a symlink, as on a real system);
#   3. the shipped example config installed as the docs say (root:postgres 0640), pointed at a
#      throwaway PostgreSQL server, and the unit's ExecStart run by hand the way systemd runs
#      it: the unit's User/Group (setpriv), UMask, Environment= and EnvironmentFile= (parsed
#      from the installed unit), a clean environment, specifiers and $$ expanded. It must
#      publish a dump that verifies;
#   4. the start timeout: a table locked by another session, the same ExecStart started, and
#      once pg_dump waits for the lock, SIGTERM sent to the unit's main process only, as
#      systemd does when TimeoutStartSec= expires (KillMode=mixed). Expected: the main process
#      is pg_dump-safe, it prints the FAILED line with reason=interrupted, the failure hook
#      runs, nothing new is published;
#   5. a config file the service user cannot read stops the run (exit 2, FAILED reason=usage
#      naming the file), before pg_dump starts;
#   6. dpkg --purge: the enabled timer's link, /etc/pg_dump-safe.d and its config, the units,
#      everything of the package is gone; the dump in the backup root is kept (removed here
#      afterwards); no path named like the package is left that was not there before.
#
# usage: packaging/service-test.sh DEB
# Environment: PDS_SERVICE_TEST_PORT (default 54394), PDS_PG_BINDIR (default
# /usr/lib/postgresql/15/bin). Refuses to run when pg-dump-safe is already installed (it
# would be purged). Prints "service: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=$here/../tests/fixtures
deb=${1:?usage: service-test.sh DEB}
port=${PDS_SERVICE_TEST_PORT:-54394}
pg_bindir=${PDS_PG_BINDIR:-/usr/lib/postgresql/15/bin}
unitdir=/lib/systemd/system
unit=$unitdir/pg_dump-safe@.service
confdir=/etc/pg_dump-safe.d
root=/var/backups/pg_dump-safe
wants=/etc/systemd/system/timers.target.wants

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok: $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL: $*"; }
installed=0 locker=''
finish() {
    echo "service: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
    exit
}

[ "$(id -u)" = 0 ] || { bad "must run as root (dpkg -i, setpriv)"; finish; }
for tool in dpkg dpkg-query setpriv systemctl "$pg_bindir/psql" "$fixtures/pg_server.sh"; do
    command -v "$tool" >/dev/null || { bad "missing prerequisite: $tool"; finish; }
done
[ -f "$deb" ] || { bad "no such package: $deb"; finish; }
status=$(dpkg-query -W -f='${db:Status-Abbrev}' pg-dump-safe 2>/dev/null)
case "$status" in
'' | 'un '* | 'pn '*) ;;
*)
    bad "pg-dump-safe is already known to dpkg ($status): this test would purge it; remove it first"
    finish
    ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/pds-service.XXXXXX")
chmod 755 "$work"
stop_server() { "$fixtures/pg_server.sh" stop "$work/pg" svc >/dev/null 2>&1; }
cleanup() {
    [ -n "$locker" ] && kill "$locker" 2>/dev/null
    stop_server
    if [ "$installed" = 1 ]; then
        dpkg --purge pg-dump-safe >/dev/null 2>&1
        rm -rf "$root/app"
        rmdir "$root" 2>/dev/null
    fi
    # The link this test made, if a broken package's purge left it.
    [ -L "$wants/pg_dump-safe@app.timer" ] && rm -f "$wants/pg_dump-safe@app.timer"
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Paths named like the package anywhere they could be left (not /tmp, not /proc).
leftovers() {
    find /etc /usr /lib /var/lib/systemd /var/lib/dpkg/info /var/backups -xdev \
        \( -name '*pg_dump-safe*' -o -name '*pg-dump-safe*' \) 2>/dev/null | sort
}
leftovers >"$work/before"
if [ -s "$work/before" ]; then
    echo "  (present before the install, ignored below:)"
    sed 's/^/    /' "$work/before"
fi

echo "service: dpkg -i $(basename "$deb")"
if dpkg -i "$deb" >"$work/dpkg-i.log" 2>&1; then
    installed=1
    ok "dpkg -i installed the package"
else
    bad "dpkg -i failed:"; tail -n 20 "$work/dpkg-i.log"; finish
fi
if grep -iE 'warning|error' "$work/dpkg-i.log"; then bad "dpkg -i printed the lines above"; else ok "dpkg -i printed no warning"; fi
st=$(stat -c '%a %U:%G' "$confdir" 2>&1)
[ "$st" = "755 root:root" ] && ok "$confdir exists ($st)" || bad "$confdir: $st, expected 755 root:root"
st=$(stat -c '%a %U:%G' "$root" 2>&1)
[ "$st" = "750 postgres:postgres" ] && ok "$root created by the postinst's tmpfiles ($st)" ||
    bad "$root: $st, expected 750 postgres:postgres"
for f in "$unit" "$unitdir/pg_dump-safe@.timer" "$unitdir/pg_dump-safe-restore-test@.service" \
    "$unitdir/pg_dump-safe-restore-test@.timer" /usr/share/doc/pg-dump-safe/examples/example.conf; do
    [ -f "$f" ] || bad "not installed: $f"
done

# systemctl enables a template instance offline (no running systemd): the same link.
if systemctl enable pg_dump-safe@app.timer >"$work/enable.log" 2>&1 &&
    [ -L "$wants/pg_dump-safe@app.timer" ]; then
    ok "systemctl enable pg_dump-safe@app.timer: $(readlink "$wants/pg_dump-safe@app.timer")"
else
    bad "systemctl enable pg_dump-safe@app.timer did not make $wants/pg_dump-safe@app.timer:"
    cat "$work/enable.log"
fi

echo "service: test server (port $port)"
if ! "$fixtures/pg_server.sh" start "$work/pg" svc "$pg_bindir" "$port" "$fixtures/seed.sql"; then
    bad "could not start the test server"; finish
fi
pghost=$(sed -n 's/^PGHOST=//p' "$work/pg/svc/env")

# The hook the config names: records its facts where postgres may write.
mkdir -p "$work/hook"
chown postgres: "$work/hook"
cat >"$work/hook.sh" <<'EOF'
#!/bin/sh
printf '%s %s %s\n' "$PG_DUMP_SAFE_REASON" "$PG_DUMP_SAFE_EXIT_CODE" "$PG_DUMP_SAFE_TARGET" >>"${0%/hook.sh}/hook/ran"
EOF
chmod 755 "$work/hook.sh"

# The shipped example, installed as docs/install.md says, plus this server and the hook.
install -m 0640 -o root -g postgres /usr/share/doc/pg-dump-safe/examples/example.conf "$confdir/app.conf"
cat >>"$confdir/app.conf" <<EOF
PGHOST=$pghost
PGPORT=$port
PG_DUMP_SAFE_ON_FAILURE=$work/hook.sh
EOF
grep -q '^PG_DUMP_ARGS=.*--lock-wait-timeout=' "$confdir/app.conf" &&
    ok "the example config sets PG_DUMP_ARGS with --lock-wait-timeout: $(grep '^PG_DUMP_ARGS=' "$confdir/app.conf")" ||
    bad "the example config sets no --lock-wait-timeout in PG_DUMP_ARGS"

# ---- the unit, read as systemd reads it --------------------------------------------------
# unit_values KEY: the values of KEY= in [Service], in order.
unit_values() { sed -n '/^\[Service\]/,/^\[/p' "$unit" | sed -n "s/^$1=//p"; }
# env_file_lines FILE: KEY=VALUE lines of an EnvironmentFile (comments, blanks out; one pair
# of surrounding quotes removed, as systemd does).
env_file_lines() {
    sed -e '/^[[:space:]]*[#;]/d' -e '/^[[:space:]]*$/d' "$1" |
        sed -E -e 's/^([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/\1=\2/' -e "s/^([A-Za-z_][A-Za-z0-9_]*)='(.*)'\$/\\1=\\2/"
}
# expand INSTANCE: systemd's specifiers %i and %%, and $$ -> $, on stdin.
expand() { sed -e "s/%i/$1/g" -e 's/%%/%/g' -e 's/\$\$/$/g'; }

user=$(unit_values User) group=$(unit_values Group) umask_v=$(unit_values UMask)
[ "$user" = postgres ] && [ "$group" = postgres ] && ok "the unit runs as $user:$group" ||
    bad "the unit's User/Group: '$user:$group'"
grep -q '^RemoveIPC=yes' "$unit" && bad "the unit sets RemoveIPC=yes (removes a local server's shared memory)" ||
    ok "no RemoveIPC=yes in the unit (User=postgres shares it with a local server)"
tss=$(unit_values TimeoutStartSec)
[ -n "$tss" ] && [ "$tss" != infinity ] && ok "TimeoutStartSec=$tss" || bad "no finite TimeoutStartSec= in the unit"
[ "$(unit_values KillMode)" = mixed ] && ok "KillMode=mixed: the start timeout's SIGTERM goes to the main process only" ||
    bad "KillMode is '$(unit_values KillMode)', the test below assumes mixed"
[ "$(unit_values EnvironmentFile)" = "/etc/pg_dump-safe.d/%i.conf" ] ||
    bad "EnvironmentFile= is '$(unit_values EnvironmentFile)', expected /etc/pg_dump-safe.d/%i.conf"

# service_env INSTANCE: the environment systemd gives the service: its defaults for a
# system service with User=, then Environment=, then the EnvironmentFile.
service_env() {
    local home shell
    home=$(getent passwd "$user" | cut -d: -f6)
    shell=$(getent passwd "$user" | cut -d: -f7)
    echo "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    echo "HOME=$home" "USER=$user" "LOGNAME=$user" "SHELL=$shell" | tr ' ' '\n'
    unit_values Environment | expand "$1" | sed -E 's/^"(.*)"$/\1/'
    env_file_lines "$(unit_values EnvironmentFile | expand "$1")"
}
exec_start=$(unit_values ExecStart | expand app)
echo "  ExecStart (expanded): $exec_start"
# Word splitting as systemd does it for this line (single-quoted words); the line is the
# installed unit's own text.
eval "cmd=($exec_start)"
mapfile -t envv < <(service_env app)

# start_service OUT ERR: the ExecStart as the unit's user, in the background; $! is its main
# process (setpriv and env exec, the shell execs pg_dump-safe).
start_service() {
    (umask "$umask_v" && exec setpriv --reuid="$user" --regid="$group" --init-groups \
        env -i "${envv[@]}" "${cmd[@]}" >"$1" 2>"$2" </dev/null) &
}

finals() { find "$root/app" -maxdepth 1 -name 'app-*.dump' 2>/dev/null | sort; }

echo "service: run 1: the ExecStart with the shipped example config"
start_service "$work/run1.out" "$work/run1.err"
wait $!
rc=$?
if [ $rc -eq 0 ]; then ok "ExecStart exited 0"; else bad "ExecStart exited $rc:"; cat "$work/run1.err"; fi
mapfile -t f1 < <(finals)
if [ ${#f1[@]} -eq 1 ] && [[ ${f1[0]} =~ /app-[0-9]{8}T[0-9]{6}Z\.dump$ ]]; then
    ok "published ${f1[0]} ($(stat -c '%s bytes, %a %U:%G' "${f1[0]}"))"
else
    bad "expected one $root/app/app-<UTC stamp>.dump, found: ${f1[*]:-none}"
fi
[ -n "${f1[0]:-}" ] && [ "$(stat -c '%a %U' "${f1[0]}")" = "600 postgres" ] &&
    ok "the dump is 0600 postgres (UMask=$umask_v)" || bad "the dump's mode/owner is not 0600 postgres"
if [ -n "${f1[0]:-}" ] && /usr/bin/pg_dump-safe-audit --verify "${f1[0]}" >"$work/verify.out" 2>&1; then
    ok "pg_dump-safe-audit --verify accepts it"
else
    bad "pg_dump-safe-audit --verify rejects it:"; tail -n 10 "$work/verify.out"
fi
n=$(grep -c '^\[backup\] FAILED' "$work/run1.err")
[ "$n" -eq 0 ] && ok "no FAILED line" || bad "$n FAILED lines:"
# What the journal gets from a successful run (stdout and stderr of the service).
npub=$(grep -c '^\[backup\] PUBLISHED ' "$work/run1.err")
echo "  NOTE: a successful run printed $npub PUBLISHED line(s) and $(wc -l <"$work/run1.err") line(s) on stderr in all (the journal's view)"

echo "service: run 2: start timeout (SIGTERM to the main process while pg_dump waits for a lock)"
PGHOST=$pghost PGPORT=$port PGUSER=postgres "$pg_bindir/psql" -X -q -d app \
    -c 'BEGIN' -c 'LOCK TABLE big IN ACCESS EXCLUSIVE MODE' -c 'SELECT pg_sleep(120)' \
    -c 'COMMIT' >/dev/null 2>&1 &
locker=$!
waiting() {
    PGHOST=$pghost PGPORT=$port PGUSER=postgres "$pg_bindir/psql" -X -At -d app -c \
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_dump' AND wait_event_type = 'Lock'"
}
for _ in $(seq 100); do
    [ "$(PGHOST=$pghost PGPORT=$port PGUSER=postgres "$pg_bindir/psql" -X -At -d app -c \
        "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 'big'::regclass AND granted")" = 1 ] && break
    sleep 0.1
done
start_service "$work/run2.out" "$work/run2.err"
main=$!
for _ in $(seq 200); do
    [ "$(waiting)" -ge 1 ] 2>/dev/null && break
    sleep 0.1
done
if [ "$(waiting)" -ge 1 ] 2>/dev/null; then
    ok "pg_dump waits for the lock on table big"
else
    bad "pg_dump never waited for the lock (test setup)"
fi
exe=$(readlink "/proc/$main/exe")
[ "$exe" = /usr/bin/pg_dump-safe ] && ok "the unit's main process ($main) is /usr/bin/pg_dump-safe" ||
    bad "the unit's main process ($main) is '$exe', not /usr/bin/pg_dump-safe: systemd's SIGTERM would not reach it"
kill -TERM "$main"
wait "$main"
rc=$?
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
locker=''
[ $rc -eq 143 ] && ok "the main process ended by SIGTERM (status 143)" || bad "status $rc after SIGTERM, expected 143"
if grep -E "^\[backup\] FAILED target=$root/app/app-[0-9T]+Z\.dump .*reason=interrupted" "$work/run2.err" >/dev/null; then
    ok "FAILED line: $(grep '^\[backup\] FAILED' "$work/run2.err" | cut -c1-160)"
else
    bad "no '[backup] FAILED ... reason=interrupted' line; stderr:"; cat "$work/run2.err"
fi
if grep -q '^interrupted ' "$work/hook/ran" 2>/dev/null; then
    ok "the failure hook ran: $(cat "$work/hook/ran")"
else
    bad "the failure hook did not run (no 'interrupted' in $work/hook/ran)"
fi
mapfile -t f2 < <(finals)
[ "${f2[*]}" = "${f1[*]}" ] && ok "nothing new published; the previous dump is untouched" ||
    bad "finals changed: ${f2[*]}"

echo "service: run 3: a config file the service user cannot read"
printf 'verify = full\n' >"$work/unreadable.conf"
chmod 0600 "$work/unreadable.conf"
cp "$confdir/app.conf" "$work/app.conf.saved"
echo "PG_DUMP_SAFE_CONFIG=$work/unreadable.conf" >>"$confdir/app.conf"
mapfile -t envv < <(service_env app)
start_service "$work/run3.out" "$work/run3.err"
wait $!
rc=$?
cp "$work/app.conf.saved" "$confdir/app.conf"
[ $rc -eq 2 ] && ok "exit 2" || bad "exit $rc, expected 2"
grep -E "^\[backup\] FAILED .*reason=usage .*config file: could not open $work/unreadable.conf: Permission denied" \
    "$work/run3.err" >/dev/null && ok "FAILED reason=usage names the file and the error" ||
    { bad "no FAILED reason=usage line naming the config:"; cat "$work/run3.err"; }
mapfile -t f3 < <(finals)
[ "${f3[*]}" = "${f1[*]}" ] && ok "nothing published" || bad "finals changed: ${f3[*]}"

stop_server

echo "service: dpkg --purge"
# The failed run's partial is evidence the administrator removes; the dump is kept by purge.
find "$root/app" -name '*.partial*' -exec rm -rf {} +
if dpkg --purge pg-dump-safe >"$work/purge.log" 2>&1; then
    installed=0
    ok "dpkg --purge succeeded"
else
    bad "dpkg --purge failed:"; cat "$work/purge.log"
fi
grep -iE 'warning|error' "$work/purge.log" | grep -v "while removing pg-dump-safe, directory '$root' not empty" &&
    bad "dpkg --purge printed the lines above"
[ -z "$(dpkg-query -W -f='${db:Status-Abbrev}' pg-dump-safe 2>/dev/null | grep -v '^un\|^pn')" ] &&
    ok "dpkg no longer knows the package" || bad "dpkg still lists pg-dump-safe"
[ ! -L "$wants/pg_dump-safe@app.timer" ] && ok "the enabled timer's link is gone" ||
    bad "$wants/pg_dump-safe@app.timer is left (dangling)"
[ ! -e "$confdir" ] && ok "$confdir and app.conf are gone" || bad "$confdir is left: $(ls -A "$confdir")"
if [ -n "${f1[0]:-}" ] && [ -f "${f1[0]}" ]; then ok "the dump is kept: ${f1[0]}"; else bad "purge removed the dump"; fi
rm -rf "$root/app"
rmdir "$root" 2>/dev/null
leftovers >"$work/after"
if diff "$work/before" "$work/after" >"$work/left.diff"; then
    ok "no path named *pg_dump-safe* / *pg-dump-safe* left in /etc /usr /lib /var/lib/systemd /var/lib/dpkg/info /var/backups"
else
    bad "left behind (> after purge):"; sed 's/^/    /' "$work/left.diff"
fi
finish
