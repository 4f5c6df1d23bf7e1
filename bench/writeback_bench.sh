#!/usr/bin/env bash
# The plain format's fsync tail (issue 15): what pg_dump-safe's final fsync costs when the
# dump is written at pg_dump's speed, with and without the writeback started during the dump.
#
# usage: bench/writeback_bench.sh [BUILD_DIR]
#   BUILD_DIR  build directory with pg_dump-safe (default: build-bench at the top of the
#              repository); configured (Release, -DPDS_BUILD_TESTS=OFF) if it is not, and
#              pg_dump-safe is built.
# Environment:
#   BENCH_WB_MB     MiB the writer writes (default 370: the plain dump of overhead.sh's
#                   525 MB database)
#   BENCH_WB_RATE   MiB/s it writes at (default 120: pg_dump -Fp's speed there; 0: as fast
#                   as it can)
#   BENCH_WB_SYNC   1 (default): `sync` before every timed run (untimed), so every variant
#                   starts with no dirty data; 0: runs start in whatever writeback state the
#                   previous one left (the bare writer's file is never fsynced)
#   BENCH_WB_VARIANTS  extra variants, "LABEL:VAR=VALUE[,VAR=VALUE...]" separated by spaces:
#                   pg_dump-safe run with those environment variables (e.g. to compare two
#                   settings of a bench-only switch)
#   REPEAT          runs of each variant, interleaved; median and min-max (default 5)
#   BENCH_SAFE      the pg_dump-safe to measure (default: the one built in BUILD_DIR)
#   BENCH_WB_DIR    the directory the dumps are written in (default BUILD_DIR/bench-writeback;
#                   its filesystem is the one measured)
#   JOBS            build parallelism (default: number of CPUs)
#
# No server: the writer is a FAKE pg_dump (a Python script beside this run's work files)
# that answers --version with the real pg_dump's line and otherwise writes a plain dump
# (pg_dump's opening lines, \restrict, COPY-like rows, the completion trailer and
# \unrestrict) of BENCH_WB_MB MiB to its -f file at BENCH_WB_RATE MiB/s in 1 MiB writes.
# Variants, REPEAT times in rotating order:
#   bare    the writer alone, -f X (pg_dump -Fp: no fsync), X removed before
#   over    the same over the previous run's X (a nightly pg_dump -f to the same name)
#   fsynced the writer, then `sync X` (fsync): a durable bare pg_dump, the price of durability
#   safe    pg_dump-safe --safe-pg-dump=WRITER -Fp -f Y (default level; writeback started
#           during the dump)
#   nowb    the same with PG_DUMP_SAFE_BENCH_NO_WRITEBACK=1 (no writeback during the dump)
#   nosync  the same with --no-sync (no fsync at all: the cost of everything but the disk)
#   + BENCH_WB_VARIANTS
# Prints, per variant: median wall time (min-max), the ratio to bare's median in the same
# run, the median CPU time (user+sys of the variant and its children; not the kernel's
# flusher threads, which write back bare pg_dump's output after it exits), the journal's
# dump phase (the writer's run: compare with bare's wall time), sync phase (the final fsync
# of the partial) and rename phase (the rename and the directory's fsync), median and max,
# and the Dirty and Writeback KiB of /proc/meminfo just before the runs (median). Also prints the vm.dirty_* settings and the
# disk's sustained write rate (dd oflag=direct, 256 MiB) at the start.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

bench_args "$0" "$@"
mb=${BENCH_WB_MB:-370}
rate=${BENCH_WB_RATE:-120}
sync_before=${BENCH_WB_SYNC:-1}
repeat=${REPEAT:-5}
BENCH_WORK=${BENCH_WB_DIR:-$build/bench-writeback}

say "build pg_dump-safe in $build"
bench_build "$build" pg_dump-safe
safe=${BENCH_SAFE:-$build/src/pg_dump-safe}
real_pg_dump=$PG_BINDIR/pg_dump

rm -rf "$BENCH_WORK"
mkdir -p "$BENCH_WORK/fake"
writer=$BENCH_WORK/fake/pg_dump
# pg_dump-safe looks for pg_restore beside the pg_dump it runs (not used for plain dumps).
ln -s "$PG_BINDIR/pg_restore" "$BENCH_WORK/fake/pg_restore"
py=/usr/bin/python3
if [ ! -x "$py" ]; then py=$(command -v python3); fi # not a pyenv shim: 0.3 s start-up
cat >"$writer" <<PY
#!$py
# FAKE pg_dump for bench/writeback_bench.sh: a plain dump of BENCH_WB_MB MiB at BENCH_WB_RATE MiB/s.
import os, subprocess, sys, time
args = sys.argv[1:]
if args and args[0] in ("--version", "-V"):
    sys.exit(subprocess.call(["$real_pg_dump"] + args))
out = None
for i, a in enumerate(args):
    if a in ("-f", "--file"):
        out = args[i + 1]
    elif a.startswith("--file="):
        out = a[7:]
    elif a.startswith("-f") and len(a) > 2:
        out = a[2:]
mb, rate = int(os.environ["BENCH_WB_MB"]), float(os.environ["BENCH_WB_RATE"])
key = "benchwritebackkey0123456789"
head = ("--\n-- PostgreSQL database dump\n--\n\n\\\\restrict %s\n\n"
        "-- Dumped from database version 15.20\n-- Dumped by pg_dump version 15.20\n\n"
        "COPY public.data (id, a) FROM stdin;\n" % key).encode()
row = b"".join(b"%07d\t%s\n" % (i, b"0123456789abcdef" * 3) for i in range(1 << 14))
chunk = (row * ((1 << 20) // len(row) + 1))[: 1 << 20]
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if out else 1
os.write(fd, head)
start = time.monotonic()
for i in range(mb):
    os.write(fd, chunk)
    if rate > 0:
        ahead = start + (i + 1) / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
os.write(fd, ("\\\\.\n\n--\n-- PostgreSQL database dump complete\n--\n\n\\\\unrestrict %s\n\n" % key).encode())
os.close(fd)
PY
chmod +x "$writer"
export BENCH_WB_MB=$mb BENCH_WB_RATE=$rate

dirty_settings=$(for f in /proc/sys/vm/dirty_*; do printf '%s=%s ' "${f##*/}" "$(cat "$f")"; done)
say "disk's sustained write rate (dd oflag=direct, 256 MiB)"
sync
direct=$(dd if=/dev/zero of="$BENCH_WORK/direct" bs=8M count=32 oflag=direct 2>&1 | tail -n 1)
rm -f "$BENCH_WORK/direct"

variants=(bare over fsynced safe nowb nosync)
declare -A envs=([bare]="" [over]="" [fsynced]="" [safe]="" [nowb]="PG_DUMP_SAFE_BENCH_NO_WRITEBACK=1" [nosync]="")
for spec in ${BENCH_WB_VARIANTS:-}; do
    variants+=("${spec%%:*}")
    envs[${spec%%:*}]=${spec#*:}
done
declare -A walls=() cpus=() dirty=() wb=()
for v in "${variants[@]}"; do walls[$v]=""; cpus[$v]=""; dirty[$v]=""; wb[$v]=""; rm -f "$BENCH_WORK/j.$v"; done
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
say "$repeat x ${variants[*]}: $mb MiB at ${rate} MiB/s, sync before each run: $sync_before"
for ((i = 0; i < repeat; i++)); do
    for ((j = 0; j < ${#variants[@]}; j++)); do
        v=${variants[$(((i + j) % ${#variants[@]}))]}
        out=$BENCH_WORK/out.sql
        rm -rf "$out.lock" "$out.partial" "$out.partial.failure.json" "$out.manifest.json"
        if [ "$v" != over ] || [ ! -f "$out" ]; then rm -f "$out"; fi
        if [ "$sync_before" = 1 ]; then sync; fi
        dirty[$v]+=" $(meminfo Dirty)"
        wb[$v]+=" $(meminfo Writeback)"
        jf=$BENCH_WORK/j.$v
        case $v in
        bare | over) bench_measure "$writer" -Fp -f "$out" bench ;;
        fsynced) bench_measure sh -c '"$1" -Fp -f "$2" bench && sync "$2"' sh "$writer" "$out" ;;
        nosync) bench_measure "$safe" --safe-pg-dump="$writer" --safe-journal="$jf" --no-sync \
            -Fp -f "$out" bench ;;
        *)
            e=()
            if [ -n "${envs[$v]}" ]; then IFS=, read -r -a e <<<"${envs[$v]}"; fi
            bench_measure env "${e[@]}" "$safe" --safe-pg-dump="$writer" --safe-journal="$jf" \
                -Fp -f "$out" bench ;;
        esac
        bench_check "$v" 0 -s "$out"
        walls[$v]+=" $M_WALL"
        cpus[$v]+=" $M_CPU"
    done
done
rm -f "$BENCH_WORK"/out.*

spread() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
# median and max (3 decimals) of one phase of the journal lines in $1
phase() {
    [ -f "$1" ] || { printf -- "-"; return; }
    grep -o "\"$2\":[0-9.]*" "$1" | cut -d: -f2 | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) printf "-"; else printf "%.3f (max %.3f)", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'
}
# shellcheck disable=SC2086 # word-split the lists of numbers
base=$(bench_median ${walls[bare]})
table="| variant | wall s (min-max) | ratio to bare | CPU s | dump phase s | fsync tail s | rename+dir fsync s | Dirty KiB before | Writeback KiB before |"
table+=$'\n'"|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for v in "${variants[@]}"; do
    # shellcheck disable=SC2086
    m=$(bench_median ${walls[$v]})
    # shellcheck disable=SC2086
    table+=$'\n'"| $v${envs[$v]:+ (${envs[$v]})} | $m ($(spread ${walls[$v]})) | $(bench_ratio "$m" "$base")× | $(bench_median ${cpus[$v]}) | $(phase "$BENCH_WORK/j.$v" dump) | $(phase "$BENCH_WORK/j.$v" sync) | $(phase "$BENCH_WORK/j.$v" rename) | $(bench_median ${dirty[$v]} | cut -d. -f1) | $(bench_median ${wb[$v]} | cut -d. -f1) |"
done

echo
echo "## plain fsync tail: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $mb MiB at ${rate} MiB/s, median of $repeat interleaved runs"
echo
echo "Load average at start: $load_start; at end: $(bench_load). sync before each run: $sync_before."
echo "$dirty_settings"
echo "disk (dd oflag=direct): $direct; filesystem: $(df -T "$BENCH_WORK" | awk 'NR == 2 { print $1, $2 }')"
echo
echo "$table"
rm -rf "$BENCH_WORK"
say "done"
