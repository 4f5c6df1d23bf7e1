#!/usr/bin/env bash
# Build the binary packages of pg_dump-safe from a clean copy of the source tree.
#
# usage: packaging/build-packages.sh OUTDIR [deb] [rpm] [source]    (default: deb and rpm)
#
#   deb     the binary .deb (dpkg-buildpackage -b), with its -dbgsym .deb
#   rpm     the binary .rpm and its -debuginfo .rpm (rpmbuild -bb)
#   source  the Debian source package (.dsc + .tar.xz, format 3.0 (native),
#           dpkg-buildpackage -S) and the source RPM (.src.rpm)
#
# The version is read from the project() line of CMakeLists.txt; the top entry of
# packaging/debian/changelog, the spec's Version: and its top %changelog entry must carry
# the same version (the build stops otherwise and says which to change).
# The source is copied first (git's file list when this is a git work tree, else everything
# but build directories), so build products never land in the checkout and a stale build
# directory cannot leak into a package.
#
# Environment: PDS_PKG_WORK=DIR works in DIR (must be empty or absent) and keeps it: the
# Debian build tree is DIR/deb/pg-dump-safe-VERSION/obj-*; PDS_PKG_KEEP=1 keeps the
# temporary work directory (printed) for inspection.
# Outputs in OUTDIR: the .deb, .changes, .buildinfo, the .rpm, and build logs.
set -euo pipefail

die() { echo "build-packages.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: build-packages.sh OUTDIR [deb] [rpm] [source]"
out=$1
shift
want_deb=1 want_rpm=1 want_src=0
if [ $# -gt 0 ]; then
    want_deb=0 want_rpm=0
    for a in "$@"; do
        case "$a" in
        deb) want_deb=1 ;;
        rpm) want_rpm=1 ;;
        source) want_src=1 ;;
        *) die "unknown package kind '$a' (deb, rpm, source)" ;;
        esac
    done
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# project(pg_dump_safe VERSION X.Y.Z ...) may span lines.
version=$(perl -0ne 'print $1 if /project\s*\(\s*pg_dump_safe\b[^)]*?\bVERSION\s+([0-9]+(?:\.[0-9]+){0,3})\b/s' \
    "$top/CMakeLists.txt")
[ -n "$version" ] || die "no 'project(pg_dump_safe VERSION X.Y.Z' in $top/CMakeLists.txt"
echo "build-packages.sh: version $version (from CMakeLists.txt)"
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version 2>/dev/null) ||
    die "cannot read packaging/debian/changelog (dpkg-parsechangelog)"
[ "$deb_version" = "$version" ] ||
    die "packaging/debian/changelog's top entry is $deb_version, CMakeLists.txt says $version: add a changelog entry (dch -v $version) before building"
spec=$top/packaging/rpm/pg-dump-safe.spec
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
spec_log=$(sed -n '/^%changelog/,$p' "$spec" | sed -n 's/^\* .* - \([^ -]*\)-[^ ]*$/\1/p' | head -n 1)
[ "$spec_version" = "$version" ] && [ "$spec_log" = "$version" ] ||
    die "packaging/rpm/pg-dump-safe.spec has Version: $spec_version and a top %changelog entry for $spec_log, CMakeLists.txt says $version: update both"

if [ -n "${PDS_PKG_WORK:-}" ]; then
    work=$PDS_PKG_WORK
    mkdir -p "$work"
    [ -z "$(ls -A "$work")" ] || die "PDS_PKG_WORK=$work is not empty"
    work=$(cd "$work" && pwd)
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/pds-pkg.XXXXXX")
    if [ "${PDS_PKG_KEEP:-0}" = 1 ]; then
        echo "build-packages.sh: keeping $work"
    else
        trap 'rm -rf "$work"' EXIT
    fi
fi

# copy_tree DEST: the project's files without build products.
copy_tree() {
    local dest=$1
    mkdir -p "$dest"
    if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        # Tracked plus untracked-but-not-ignored files: what a commit of this tree would hold.
        # Tracked files deleted in the work tree are left out.
        git -C "$top" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                if [ -e "$top/$f" ] || [ -L "$top/$f" ]; then printf '%s\0' "$f"; fi
            done |
            tar -C "$top" --null --no-recursion -T - -cf - | tar -C "$dest" -xf -
    else
        echo "build-packages.sh: $top is not a git work tree; copying all but build directories" >&2
        tar -C "$top" --exclude=./.git --exclude='./build*' --exclude='./_*' \
            --exclude='./obj-*' --exclude=./debian -cf - . | tar -C "$dest" -xf -
    fi
    [ -f "$dest/CMakeLists.txt" ] || die "source copy in $dest has no CMakeLists.txt"
}

# debian_tree: a copy of the tree with packaging/debian as debian/ (what a source package
# unpacks to); prints its path.
debian_tree() {
    local src="$work/deb/pg-dump-safe-$version"
    if [ ! -d "$src" ]; then
        copy_tree "$src"
        rm -rf "$src/debian"
        cp -a "$top/packaging/debian" "$src/debian"
    fi
    echo "$src"
}

build_deb() {
    local src
    src=$(debian_tree)
    echo "build-packages.sh: dpkg-buildpackage -b (log: $out/deb-build.log)"
    # nocheck: the test suite needs a PostgreSQL server (CI runs it on its own);
    # parallel=1: the machines are shared.
    if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=1" DEB_BUILD_PROFILES=nocheck \
        dpkg-buildpackage -us -uc -b) >"$out/deb-build.log" 2>&1; then
        tail -n 40 "$out/deb-build.log" >&2
        die "dpkg-buildpackage failed; full log: $out/deb-build.log"
    fi
    local f n=0
    for f in "$work/deb"/*.deb "$work/deb"/*.changes "$work/deb"/*.buildinfo; do
        [ -e "$f" ] || continue
        cp "$f" "$out/"
        n=$((n + 1))
    done
    ls "$out"/pg-dump-safe_"$version"_*.deb >/dev/null 2>&1 ||
        die "dpkg-buildpackage produced no pg-dump-safe_${version}_*.deb"
    echo "build-packages.sh: deb done ($n files)"
}

# The Debian source package: a native 3.0 package whose tarball is the tree with debian/.
# "dpkg-source -x pg-dump-safe_VERSION.dsc" then "dpkg-buildpackage -us -uc" in the unpacked
# directory builds the .deb anywhere (the checkout itself has no debian/ at its top).
build_source() {
    local src
    src=$(debian_tree)
    echo "build-packages.sh: dpkg-buildpackage -S (log: $out/source-build.log)"
    if ! (cd "$src" && dpkg-buildpackage -us -uc -S -d) >"$out/source-build.log" 2>&1; then
        tail -n 40 "$out/source-build.log" >&2
        die "dpkg-buildpackage -S failed; full log: $out/source-build.log"
    fi
    cp "$work/deb"/pg-dump-safe_"$version".dsc "$work/deb"/pg-dump-safe_"$version".tar.* \
        "$work/deb"/pg-dump-safe_"$version"_source.* "$out/" ||
        die "dpkg-buildpackage -S produced no pg-dump-safe_$version.dsc/.tar.*"
    echo "build-packages.sh: Debian source package done"
}

build_rpm() {
    local top_rpm="$work/rpmbuild" name="pg_dump-safe-$version"
    mkdir -p "$top_rpm"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
    copy_tree "$work/rpmsrc/$name"
    tar -C "$work/rpmsrc" -czf "$top_rpm/SOURCES/$name.tar.gz" "$name"
    cp "$spec" "$top_rpm/SPECS/"
    # rpmbuild checks BuildRequires against the rpm database. Debian's rpm has an empty one
    # (the build tools are dpkg packages), so there, and only there, --nodeps. Debian's
    # brp-compress also uses bash's "read -d" under #!/bin/sh (dash), so it compressed
    # nothing: run it with bash there.
    local debian=()
    if ! rpm -q --whatprovides gcc-c++ >/dev/null 2>&1; then
        debian=(--nodeps --define "__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}")
        echo "build-packages.sh: the rpm database has no gcc-c++ (not an RPM system): rpmbuild --nodeps, brp-compress with bash"
    fi
    local what=-bb
    if [ "$want_src" = 1 ]; then
        if [ "$want_rpm" = 1 ]; then what=-ba; else what=-bs; fi
    fi
    echo "build-packages.sh: rpmbuild $what (log: $out/rpm-build.log)"
    # The Packager tag is the build system's (as Fedora's Koji sets it), not the spec's.
    if ! rpmbuild "$what" "${debian[@]}" \
        --define "_topdir $top_rpm" \
        --define "packager pg_dump-safe maintainers <maintainers@pg-dump-safe.org>" \
        --define "_smp_mflags -j1" \
        "$top_rpm/SPECS/pg-dump-safe.spec" >"$out/rpm-build.log" 2>&1; then
        tail -n 40 "$out/rpm-build.log" >&2
        die "rpmbuild failed; full log: $out/rpm-build.log"
    fi
    local rpms
    rpms=$(find "$top_rpm/RPMS" "$top_rpm/SRPMS" -name "pg-dump-safe-*$version-*.rpm")
    [ -n "$rpms" ] || die "rpmbuild produced no pg-dump-safe-$version-*.rpm"
    # shellcheck disable=SC2086
    cp $rpms "$out/"
    echo "build-packages.sh: rpm done"
}

[ "$want_deb" = 1 ] && build_deb
[ "$want_src" = 1 ] && build_source
[ "$want_rpm" = 1 ] || [ "$want_src" = 1 ] && build_rpm
echo "build-packages.sh: packages in $out"
