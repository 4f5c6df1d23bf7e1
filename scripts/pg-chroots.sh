#!/usr/bin/env bash
# Build (or reuse) minimal Debian chroots holding the PostgreSQL clients (pg_dump, pg_restore,
# psql) of the majors the host does not have: 13 (bullseye), 17 (trixie), 18 (sid). The host
# (Debian 12) provides 15. The mirror is the one in the host's apt sources.
#
# usage: pg-chroots.sh [ROOT]     build what is missing, print "MAJOR DIR" per chroot
#        pg-chroots.sh --check [ROOT]   exit 1 unless every chroot is complete
# ROOT defaults to $PDS_CHROOTS, else /var/cache/pg_dump-safe-chroots. A chroot is complete when
# ROOT/MAJOR/.complete exists (written last); an incomplete one is removed and rebuilt, so the
# script is idempotent and a CI run pays the build once (~4 minutes, see README).
# Needs root, debootstrap and network access to the mirror.
set -euo pipefail
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
root=${1:-${PDS_CHROOTS:-/var/cache/pg_dump-safe-chroots}}
# major:suite
targets="13:bullseye 17:trixie 18:sid"

complete() { [ -f "$root/$1/.complete" ] && [ -x "$root/$1/usr/lib/postgresql/$1/bin/pg_dump" ]; }

if [ "$check" = 1 ]; then
    rc=0
    for t in $targets; do
        m=${t%%:*}
        complete "$m" || { echo "pg-chroots.sh: chroot $root/$m is missing or incomplete (run scripts/pg-chroots.sh)" >&2; rc=1; }
    done
    exit $rc
fi

[ "$(id -u)" = 0 ] || { echo "pg-chroots.sh: run as root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "pg-chroots.sh: debootstrap not found (scripts/install-deps.sh installs it)" >&2; exit 1; }

# The first Debian mirror URI of the host's apt sources (deb822 or one-line format).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\{0,1\}$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]*\/debian\)\/\{0,1\}[[:space:]].*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

build() {
    local major=$1 suite=$2 dir="$root/$1"
    rm -rf "$dir" "$dir.log"
    mkdir -p "$dir"
    local start; start=$(date +%s)
    # sid's Release file may be past its Valid-Until on a mirror snapshot.
    if ! debootstrap --variant=minbase --include=ca-certificates "$suite" "$dir" "$mirror" >"$dir.log" 2>&1; then
        tail -n 30 "$dir.log" >&2
        echo "pg-chroots.sh: debootstrap $suite from $mirror failed (log: $dir.log)" >&2
        return 1
    fi
    # No daemons may start inside the chroot; no cluster is created (the tests' servers are
    # the host's 15 and npm builds, see tests/fixtures).
    printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
    chmod 755 "$dir/usr/sbin/policy-rc.d"
    if ! chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        sh -c "apt-get -o Acquire::Check-Valid-Until=false update &&
               apt-get -o Acquire::Check-Valid-Until=false install -y --no-install-recommends postgresql-client-$major &&
               apt-get clean" >>"$dir.log" 2>&1; then
        tail -n 30 "$dir.log" >&2
        echo "pg-chroots.sh: installing postgresql-client-$major in $dir failed (log: $dir.log)" >&2
        return 1
    fi
    [ -x "$dir/usr/lib/postgresql/$major/bin/pg_dump" ] ||
        { echo "pg-chroots.sh: $dir has no /usr/lib/postgresql/$major/bin/pg_dump" >&2; return 1; }
    # Mount points the runner (pg-chroot-run.sh) binds the host's directories onto.
    mkdir -p "$dir/work" "$dir/run/postgresql" "$dir/var/backups"
    echo "$suite $(chroot "$dir" /usr/lib/postgresql/"$major"/bin/pg_dump --version) built in $(( $(date +%s) - start ))s" >"$dir/.complete"
}

mkdir -p "$root"
pids=() names=()
for t in $targets; do
    m=${t%%:*} s=${t#*:}
    if complete "$m"; then continue; fi
    build "$m" "$s" &
    pids+=($!) names+=("$m")
done
rc=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || { echo "pg-chroots.sh: chroot ${names[$i]} failed" >&2; rc=1; }
done
[ "$rc" = 0 ] || exit 1
for t in $targets; do
    m=${t%%:*}
    echo "$m $root/$m ($(cat "$root/$m/.complete"))"
done
