#!/usr/bin/env bash
# Install what building, testing and packaging pg_dump-safe needs (Debian 12). Run as root.
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: run as root (apt-get)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
    build-essential g++ cmake ninja-build pkg-config git \
    libboost-program-options-dev libboost-filesystem-dev zlib1g-dev libisal-dev liblz4-dev libzstd-dev catch2 \
    postgresql-15 postgresql-client-15 postgresql-contrib \
    clang clang-format libfuzzer-14-dev libclang-rt-14-dev \
    util-linux procps psmisc time file strace debootstrap \
    debhelper devscripts fakeroot lintian rpm man-db groff-base systemd rpmlint cpio elfutils prometheus
# The embedded PostgreSQL 17 test server comes from the npm registry. Debian's npm package
# conflicts with the nodesource nodejs some machines carry (which bundles npm), so only
# install Debian's when no npm is present at all.
if ! command -v npm >/dev/null 2>&1; then
    apt-get install -y --no-install-recommends nodejs npm
fi
