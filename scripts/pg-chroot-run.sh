#!/usr/bin/env bash
# Run a PostgreSQL client program of a chroot built by scripts/pg-chroots.sh with the caller's
# working directory and files: in a private mount namespace (unshare -m; nothing leaks to the
# host's mounts and it vanishes with the process) the host's /tmp, /dev, /proc, /run/postgresql,
# /work, /home, /root, /srv, /mnt, /var/tmp, /var/backups, the top-level directory of the
# current directory, $PDS_CHROOT_BIND (colon-separated) and the current directory are
# bind-mounted at the same paths inside the chroot, then the program is exec'd there (same
# PID: signals reach it directly; stdin/stdout/stderr and the environment pass through).
#
# usage: pg-chroot-run.sh MAJOR PROGRAM [ARG...]     e.g. pg-chroot-run.sh 13 pg_dump -Fc app
#        pg-chroot-run.sh --shims MAJOR DIR          write DIR/pg_dump, pg_restore, psql that
#                                                    run MAJOR's programs (for --safe-pg-dump)
# The chroots live under $PDS_CHROOTS (default /var/cache/pg_dump-safe-chroots). Needs root
# (mount namespaces). A missing or incomplete chroot is an error (exit 127), never a fallback.
set -euo pipefail
self=$(readlink -f "$0")
root=${PDS_CHROOTS:-/var/cache/pg_dump-safe-chroots}

if [ "${1:-}" = --shims ]; then
    major=$2 dir=$3
    mkdir -p "$dir"
    for p in pg_dump pg_restore psql; do
        printf '#!/bin/sh\n# %s %s of the chroot (scripts/pg-chroots.sh)\nPDS_CHROOTS=%q exec %q %s %s "$@"\n' \
            "PostgreSQL $major" "$p" "$root" "$self" "$major" "$p" >"$dir/$p"
        chmod 755 "$dir/$p"
    done
    exit 0
fi

if [ "${1:-}" = --inner ]; then # inside the new mount namespace
    chroot_dir=$2 cwd=$3 bin=$4
    shift 4
    # The top-level directory holding the working directory is bound too (a checkout at
    # /check/work/main runs its tests from its build tree and hands the chroot's programs
    # paths elsewhere in that checkout), unless it is one of the chroot's own system
    # directories; PDS_CHROOT_BIND adds more (colon-separated).
    top=${cwd#/}
    top=/${top%%/*}
    case $top in
    / | /usr | /etc | /bin | /sbin | /lib | /lib32 | /lib64 | /libx32 | /var | /boot | /sys | /proc | /dev | /run) top= ;;
    esac
    extra=()
    IFS=: read -r -a extra <<<"${PDS_CHROOT_BIND:-}"
    for p in /dev /proc /tmp /run/postgresql /work /home /root /srv /mnt /var/tmp /var/backups $top "${extra[@]}" "$cwd"; do
        [ -d "$p" ] || continue
        mkdir -p "$chroot_dir$p" 2>/dev/null || true
        mount --rbind "$p" "$chroot_dir$p"
    done
    exec chroot "$chroot_dir" /usr/bin/env PATH="$bin:/usr/bin:/bin" \
        /bin/sh -c 'cd "$1" || exit 127; shift; exec "$@"' sh "$cwd" "$bin/$1" "${@:2}"
fi

[ $# -ge 2 ] || { echo "usage: pg-chroot-run.sh MAJOR PROGRAM [ARG...]" >&2; exit 2; }
major=$1 prog=$2
shift 2
dir="$root/$major"
bin="/usr/lib/postgresql/$major/bin"
if [ ! -f "$dir/.complete" ] || [ ! -x "$dir$bin/$prog" ]; then
    echo "pg-chroot-run.sh: no $prog in chroot $dir (build it with scripts/pg-chroots.sh)" >&2
    exit 127
fi
exec unshare --mount --propagation private -- "$self" --inner "$dir" "$(pwd -P)" "$bin" "$prog" "$@"
