#!/usr/bin/env bash
# One client major's proof (issue 11): with the real pg_dump MAJOR (host 15, or a chroot's
# 13/17/18 through scripts/pg-chroot-run.sh),
#   - every format x every compression that pg_dump writes (none, gzip levels, lz4, zstd) of a
#     database with large objects and an empty table is published through pg_dump-safe with
#     --safe-verify=full, read back by pg_restore MAJOR and verified at toc, structure and full;
#   - each of those dumps, cut (a data file or the file in half, a large-object list at a line
#     boundary), is rejected by the default level (structure);
#   - every test server this pg_dump can dump (13, 15, 17, 18 up to MAJOR) is a dump source.
# Fails, never skips, when anything is missing (chroot, server, binary).
#
# usage: version_suite.sh MAJOR WORK
# env:   PDS_WRAPPER (pg_dump-safe), PDS_VERIFY (pds-verify-bench), PDS_SOURCE_DIR,
#        PDS_PGTEST_ROOT (server env files vs13 vs15 vs17 vs18), PDS_CHROOTS (see pg-chroots.sh)
set -uo pipefail
major=$1 work=$2
: "${PDS_WRAPPER:?}" "${PDS_VERIFY:?}" "${PDS_SOURCE_DIR:?}" "${PDS_PGTEST_ROOT:?}"
rm -rf "$work"
mkdir -p "$work"
failures=0 checks=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { checks=$((checks + 1)); }
start=$(date +%s)

# The client programs.
if [ "$major" = 15 ]; then
    bin=/usr/lib/postgresql/15/bin
else
    bin="$work/bin"
    "$PDS_SOURCE_DIR/scripts/pg-chroot-run.sh" --shims "$major" "$bin" || { echo "FAIL: cannot write shims"; exit 1; }
fi
version=$("$bin/pg_dump" --version 2>&1) || { echo "FAIL: $bin/pg_dump --version: $version"; exit 1; }
case "$version" in
"pg_dump (PostgreSQL) $major."*) echo "client: $version" ;;
*) echo "FAIL: $bin/pg_dump is not PostgreSQL $major: $version"; exit 1 ;;
esac
"$bin/pg_restore" --version | grep -q "^pg_restore (PostgreSQL) $major\." || { echo "FAIL: pg_restore is not $major"; exit 1; }

server_env() { # NAME -> sets PGHOST PGPORT PGUSER for the server vsNAME
    local f="$PDS_PGTEST_ROOT/vs$1/env"
    [ -f "$f" ] || { echo "FAIL: test server vs$1 not running ($f missing: its CTest fixture failed or was not run)"; exit 1; }
    PGHOST=$(sed -n 's/^PGHOST=//p' "$f") PGPORT=$(sed -n 's/^PGPORT=//p' "$f") PGUSER=postgres
    export PGHOST PGPORT PGUSER
    unset PGDATABASE
}

# The compressions this pg_dump writes, as -Z values (16 added algorithm specs).
if [ "$major" -ge 16 ]; then
    compressions="none 6 gzip:1 gzip:9 lz4 lz4:12 zstd zstd:19 zstd:level=5,long"
else
    compressions="0 1 6 9"
fi

expected_codec() { # -Z value, format -> compression name the verifier reports
    case "$1" in
    none | 0 | *:0) echo none ;;
    lz4*) echo lz4 ;;
    zstd*) echo zstd ;;
    *) echo gzip ;;
    esac
}

verify_all_levels() { # PATH WHAT CODEC
    local level out
    for level in toc structure full; do
        if out=$("$PDS_VERIFY" "$level" "$1"); then ok; else fail "$2: verify $level: $out"; fi
    done
    out=$("$PDS_VERIFY" full "$1")
    case "$out" in
    *" compression=$3 "*) ok ;;
    *) fail "$2: verifier reports a compression other than $3: $out" ;;
    esac
}

expect_rejected() { # PATH WHAT
    local out
    if out=$("$PDS_VERIFY" structure "$1"); then
        fail "$2: a cut dump passes structure: $out"
    else
        ok
    fi
}

largest_data_file() { # DIR: the largest NNNN.dat* file
    ls -S "$1" | grep -E '^[0-9]+\.dat' | head -n 1
}

cut_checks() { # DUMP FORMAT WHAT
    local d=$1 fmt=$2 what=$3 c="$work/cut"
    rm -rf "$c"
    cp -a "$d" "$c"
    if [ "$fmt" = d ]; then
        local f size toc
        f=$(largest_data_file "$c")
        size=$(stat -c %s "$c/$f")
        truncate -s $((size / 2)) "$c/$f"
        expect_rejected "$c" "$what: $f cut in half"
        rm -rf "$c"
        cp -a "$d" "$c"
        # A large-object list cut at a line boundary: its last line removed.
        toc=$(ls "$c" | grep -E '^blobs(_[0-9]+)?\.toc' | tail -n 1)
        [ -n "$toc" ] || { fail "$what: no large-object list in $(ls "$c" | tr '\n' ' ')"; return; }
        case "$toc" in
        *.gz | *.lz4 | *.zst) fail "$what: compressed large-object list $toc (not handled by this test)" ;;
        *)
            head -n -1 "$c/$toc" >"$c/$toc.new" && mv "$c/$toc.new" "$c/$toc"
            expect_rejected "$c" "$what: $toc without its last line"
            ;;
        esac
    else
        local size
        size=$(stat -c %s "$c")
        truncate -s $((size / 2)) "$c"
        expect_rejected "$c" "$what: cut in half"
    fi
    rm -rf "$c"
}

publish() { # NAME FORMAT ZVALUE SOURCE -> publishes $work/NAME through pg_dump-safe
    local name=$1 fmt=$2 z=$3 out err
    out="$work/$name"
    err=$(cd "$work" && PG_DUMP_SAFE_CONFIG=/dev/null "$PDS_WRAPPER" --safe-pg-dump="$bin/pg_dump" \
        --safe-pg-restore="$bin/pg_restore" --safe-verify=full -v -F"$fmt" -Z"$z" -f "$out" app 2>&1)
    local rc=$?
    if [ $rc != 0 ]; then
        echo "$err"
        return $rc
    fi
    case "$err" in
    *"PUBLISHED target=$out "*) ;;
    *) echo "no PUBLISHED line: $err"; return 1 ;;
    esac
    [ -e "$out" ] || { echo "published, but $out does not exist"; return 1; }
    if [ "$fmt" != p ]; then
        local listing
        listing=$("$bin/pg_restore" -l "$out" 2>&1) || { echo "pg_restore $major -l: $listing"; return 1; }
        case "$listing" in
        *"BLOB"* | *"LARGE OBJECT"*) ;;
        *) echo "pg_restore $major -l lists no large objects: $listing"; return 1 ;;
        esac
    fi
    return 0
}

# 1. Every format x compression from the same-major server.
server_env "$major"
written=0 refused=""
for fmt in c d t p; do
    for z in $compressions; do
        what="pg_dump $major -F$fmt -Z$z"
        name="f$fmt-z${z//[:=,]/_}"
        if ! msg=$(publish "$name" "$fmt" "$z"); then
            # What pg_dump itself refuses (tar with compression) is not a combination it
            # writes; pg_dump-safe must then have published nothing.
            case "$msg" in
            *"compression is not supported by tar archive format"*)
                if [ -e "$work/$name" ]; then fail "$what: refused, but $work/$name exists"; else ok; fi
                refused="$refused -F$fmt/-Z$z"
                continue
                ;;
            esac
            fail "$what: publish through pg_dump-safe: $msg"
            continue
        fi
        ok
        written=$((written + 1))
        codec=$(expected_codec "$z")
        [ "$fmt" = t ] && codec=none # tar members are never compressed
        verify_all_levels "$work/$name" "$what" "$codec"
        cut_checks "$work/$name" "$fmt" "$what"
        rm -rf "${work:?}/$name"
    done
done
echo "written and verified: $written format/compression combinations; pg_dump $major refuses:${refused:- none}"
[ "$written" -ge 4 ] || fail "only $written combinations written"

# 2. Every server this pg_dump can dump is a dump source (custom and directory).
for s in 13 15 17 18; do
    [ "$s" -le "$major" ] || continue
    server_env "$s"
    for fmt in c d; do
        what="pg_dump $major from server $s -F$fmt"
        if msg=$(publish "src$s-$fmt" "$fmt" 6); then ok; else fail "$what: $msg"; continue; fi
        verify_all_levels "$work/src$s-$fmt" "$what" gzip
        rm -rf "${work:?}/src$s-$fmt"
    done
done

# 3. A server newer than this pg_dump is refused by pg_dump, and pg_dump-safe publishes nothing.
for s in 13 15 17 18; do
    [ "$s" -gt "$major" ] || continue
    server_env "$s"
    out="$work/newer$s.dump"
    if (cd "$work" && PG_DUMP_SAFE_CONFIG=/dev/null "$PDS_WRAPPER" --safe-pg-dump="$bin/pg_dump" -Fc -f "$out" app) >/dev/null 2>&1; then
        fail "pg_dump $major against server $s succeeded (expected a version mismatch)"
    elif [ -e "$out" ]; then
        fail "pg_dump $major against server $s: $out exists after the failure"
    else
        ok
    fi
done

echo "pg_dump $major: $checks checks passed, $failures failed, $(($(date +%s) - start)) s"
[ "$failures" = 0 ]
