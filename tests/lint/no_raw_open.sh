#!/usr/bin/env bash
# no_raw_open.sh BUILD_DIR: every file pg_dump-safe opens goes through src/posix (issue 13):
# fail when compiled code outside src/posix calls open/openat/creat/fopen (any variant, the
# _FORTIFY_SOURCE ones included) or constructs a file stream. Read from the objects' undefined
# symbols (nm), not from the source text, so no spelling (a macro, `using`, ::open, open64)
# slips through and comments or member functions named open() do not count.
#   - Archives under BUILD_DIR/src (one per library, rebuilt from the current sources) and the
#     objects of the programs' main files. libpds_posix.a is the file layer itself.
#   - ALLOWED: members not yet moved onto the layer, each with its reason. Shrink it; never add
#     a writer to it.
set -euo pipefail
build=${1:?usage: no_raw_open.sh BUILD_DIR}
symbols=' U ((open|open64|openat|openat64|openat2|__open_2|__open64_2|__openat_2|__openat64_2|creat|creat64|fopen|fopen64|freopen|freopen64|fdopen)$|std::basic_(i|o)?fstream<|std::basic_filebuf<.*>::open\()'
# member (archive:member or any archive's member) -> why it may still open directly
declare -A ALLOWED=(
    [file_reader.cpp.o]="src/verify/file_reader.cpp: the verifier's reader (read-only; callers check the file type first)"
)
mapfile -t archives < <(find "$build/src" -name '*.a' ! -name 'libpds_posix.a' | sort)
# Only the archives the current build makes: a library that moved to another folder leaves
# its old archive behind in a build directory (src/libpds_core.a before src/run/ existed).
if [ -f "$build/build.ninja" ]; then
    current=()
    for a in "${archives[@]}"; do
        grep -qF -- "${a#"$build"/}" "$build/build.ninja" && current+=("$a")
    done
    archives=("${current[@]}")
fi
# The programs' own objects: build/src/main only (a -path pattern would also match a checkout
# whose path has a directory named main, as CI's /check/work/main: every object, posix's too).
mapfile -t mains < <(find "$build/src/main" -name '*.o' 2>/dev/null | sort)
if [ ${#archives[@]} -eq 0 ]; then
    echo "no libraries under $build/src: build first" >&2
    exit 1
fi
bad=0
checked=0
for f in "${archives[@]}" "${mains[@]}"; do
    lib=$(basename "$f")
    # nm -A: "archive:member: U symbol" (archives) or "object: U symbol"
    undefined=$(nm -A -C -u "$f")
    hits=$(grep -E "$symbols" <<<"$undefined") || [ $? -eq 1 ]
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        sym=${line##* U }
        loc=${line%%: *}
        member=${loc##*:}
        [ "$member" = "$loc" ] && member=$(basename "$loc")
        if [ -n "${ALLOWED[$lib:$member]:-}" ] || [ -n "${ALLOWED[$member]:-}" ]; then
            continue
        fi
        echo "$lib:$member calls $sym directly: use src/posix (try_open, open_nofollow_regular, AtomicFile, read_regular_file)"
        bad=1
    done <<<"$hits"
    checked=$((checked + 1))
done
echo "checked $checked libraries and main objects"
exit $bad
