#!/usr/bin/env bash
# Exercise completion/pg_dump-safe the way bash's programmable completion calls it (COMP_LINE,
# COMP_POINT, COMP_WORDS, COMP_CWORD), without needing an interactive shell or the
# bash-completion package. Prints "N passed, M failed"; exits non-zero on any failure.
#
# usage: packaging/test-completion.sh [COMPLETION_FILE]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
file=${1:-$here/../completion/pg_dump-safe}
# shellcheck source=/dev/null
source "$file" || { echo "test-completion.sh: cannot source $file" >&2; exit 1; }

pass=0 fail=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/conf.d" "$work/backups"
touch "$work/conf.d/site.conf"

# complete FUNCTION LINE: fills COMPREPLY as bash would for the cursor at the end of LINE.
complete_line() {
    local fn=$1 line=$2 w
    COMP_LINE=$line
    COMP_POINT=${#line}
    COMP_WORDS=()
    # bash splits words at COMP_WORDBREAKS characters too ("--x=v" -> "--x" "=" "v").
    local tmp=${line//=/ = }
    read -ra COMP_WORDS <<<"$tmp"
    [[ $line == *" " || $line == *"=" ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    "$fn"
    w=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
    REPLY=${w% }
}

# expect FUNCTION LINE EXPECTED-REPLY (space-separated, sorted)
expect() {
    complete_line "$1" "$2"
    if [[ $REPLY == "$3" ]]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        printf 'FAIL: %s "%s"\n  expected: [%s]\n  got:      [%s]\n' "$1" "$2" "$3" "$REPLY"
    fi
}

# expect_has FUNCTION LINE WORD: the reply contains WORD (pg_dump's option list varies).
expect_has() {
    complete_line "$1" "$2"
    if [[ " $REPLY " == *" $3 "* ]]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        printf 'FAIL: %s "%s"\n  expected to contain: %s\n  got: [%s]\n' "$1" "$2" "$3" "$REPLY"
    fi
}

s=_pg_dump_safe
expect $s "pg_dump-safe --safe-ver" "--safe-verify-follow= --safe-verify-jobs= --safe-verify="
expect $s "pg_dump-safe --safe-verify-j" "--safe-verify-jobs="
expect $s "pg_dump-safe --safe-verify-follow=" "off on"
expect $s "pg_dump-safe --safe-verify=" "full restore structure toc"
expect $s "pg_dump-safe --safe-verify=st" "structure"
expect $s "pg_dump-safe --safe-verify f" "full"
expect $s "pg_dump-safe --safe-keep-" "--safe-keep-days= --safe-keep-last= --safe-keep-monthly= --safe-keep-weekly="
expect $s "pg_dump-safe --safe-show" "--safe-show-config"
expect $s "pg_dump-safe --safe-keep-last=" ""
expect $s "pg_dump-safe --safe-config=$work/conf.d/s" "$work/conf.d/site.conf"
expect $s "pg_dump-safe --safe-config $work/conf.d/s" "$work/conf.d/site.conf"
expect $s "pg_dump-safe -Fc -f $work/back" "$work/backups"
expect $s "pg_dump-safe -F " "c custom d directory p plain t tar"
expect $s "pg_dump-safe --format=d" "directory"
expect_has $s "pg_dump-safe --safe-on-failure=ech" "echo"
expect_has $s "pg_dump-safe --" "--safe-verify="
expect_has $s "pg_dump-safe --" "--format="
expect_has $s "pg_dump-safe --" "--no-sync"
expect_has $s "pg_dump-safe --sch" "--schema="

# Without "=" in COMP_WORDBREAKS bash replaces the whole word, option included.
saved=$COMP_WORDBREAKS
COMP_WORDBREAKS=${COMP_WORDBREAKS//=/}
complete_line $s "pg_dump-safe --safe-verify=fu"
if [[ $REPLY == "--safe-verify=full" ]]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: without '=' in COMP_WORDBREAKS got [$REPLY]"; fi
COMP_WORDBREAKS=$saved

a=_pg_dump_safe_audit
expect $a "pg_dump-safe-audit --verify=" "full none structure toc"
expect $a "pg_dump-safe-audit --format=p" "prometheus"
expect $a "pg_dump-safe-audit --max" "--max-age= --max-restore-age="
expect $a "pg_dump-safe-audit --no" "--no-cache --no-record --now="
expect $a "pg_dump-safe-audit --rest" "--restore-test"
expect $a "pg_dump-safe-audit $work/back" "$work/backups"
expect $a "pg_dump-safe-audit -o $work/conf.d/s" "$work/conf.d/site.conf"
expect $a "pg_dump-safe-audit --output $work/conf.d/s" "$work/conf.d/site.conf"
expect $a "pg_dump-safe-audit --format j" "json"
expect $a "pg_dump-safe-audit --max-age " ""
# A bare --verify takes no value: the next word is a dump or a backup root.
expect $a "pg_dump-safe-audit --verify $work/back" "$work/backups"

echo "completion: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
