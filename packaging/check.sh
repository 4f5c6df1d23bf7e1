#!/usr/bin/env bash
# Check everything that ships: man pages, the .deb (lintian), the .rpm (same files as the
# .deb, rpmlint), the Debian source package, the systemd units (systemd-analyze, and the
# unit's ExecStart run by hand as its user with the shipped example config, including the
# start timeout's SIGTERM), an install/purge cycle of the .deb, the CMake install/uninstall
# with its masquerade link, the bash completion, the container examples, the Prometheus
# rules (promtool) and the Grafana dashboard, and that the man pages still name what the
# sources do.
#
# usage: packaging/check.sh [BUILD_DIR]
#
# BUILD_DIR: a built CMake build directory of this tree (CI passes build-ci); the install
# check installs from it. Without it, the build tree of the Debian package is used.
# The .deb and .rpm are built from a copy of the tree (packaging/build-packages.sh), both at
# once (one core each); nothing is written into the checkout.
#
# Environment: PDS_CHECK_KEEP=1 keeps the work directory (printed) for inspection;
# PDS_CHECK_ONLY="man drift ..." (developers) runs only the named checks, of: man drift
# completion container monitoring install deb source smoke service rpm rpmlint systemd (the
# packages are built only when needed, and the summary names the checks that did not run);
# PDS_PKG_TEST_PORT (smoke, default 54393) and PDS_SERVICE_TEST_PORT (service, default
# 54394): the test servers' ports.
# The service check installs the .deb on this machine (dpkg -i) and purges it again: it needs
# root and refuses to run when pg-dump-safe is already installed.
# Prints one PASS/FAIL line per check and "packaging: N passed, M failed"; exits non-zero
# when any check fails. A missing tool is a failure, never a skip.
set -uo pipefail

start=$(date +%s)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)

build_dir=
if [ $# -ge 1 ] && [ -n "$1" ]; then
    if [ -d "$1" ]; then
        build_dir=$(cd "$1" && pwd)
    elif [ -d "$top/$1" ]; then
        build_dir=$(cd "$top/$1" && pwd)
    else
        echo "check.sh: build directory '$1' not found (relative to $PWD or $top)" >&2
        exit 2
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pds-check.XXXXXX")
chmod 755 "$work"
deb_rc='' rpm_rc='' deb_pid='' rpm_pid=''
cleanup() {
    # A package build not waited for yet (interrupted run) is stopped as a whole: each runs
    # in a session of its own (setsid), whose id is its pid. Reaped ones are not touched.
    # Only those builds are waited for: a bare "wait" would also wait for the process
    # substitution of an interrupted check, whose pipe this shell still holds (a hang).
    [ -n "$deb_pid" ] && [ -z "$deb_rc" ] && kill -- "-$deb_pid" 2>/dev/null && wait "$deb_pid" 2>/dev/null
    [ -n "$rpm_pid" ] && [ -z "$rpm_rc" ] && kill -- "-$rpm_pid" 2>/dev/null && wait "$rpm_pid" 2>/dev/null
    if [ "${PDS_CHECK_KEEP:-0}" = 1 ]; then
        echo "check.sh: work directory kept: $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

version=$(perl -0ne 'print $1 if /project\s*\(\s*pg_dump_safe\b[^)]*?\bVERSION\s+([0-9]+(?:\.[0-9]+){0,3})\b/s' \
    "$top/CMakeLists.txt")

pass=0 fail=0
summary=()
only=" ${PDS_CHECK_ONLY:-man drift completion container monitoring install deb source smoke service rpm rpmlint systemd} "
wanted() { [[ $only == *" $1 "* ]]; }
# check KEY NAME FUNCTION: runs FUNCTION (its output indented), records PASS or FAIL with the
# time.
check() {
    local key=$1 name=$2 fn=$3 t0 rc
    if ! wanted "$key"; then
        summary+=("NOT RUN  $name (PDS_CHECK_ONLY)")
        return 0
    fi
    t0=$(date +%s)
    echo
    echo "--- $name"
    "$fn" > >(sed 's/^/    /') 2>&1
    rc=$?
    wait $! 2>/dev/null # the sed of the process substitution
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1))
        summary+=("PASS  $name ($(($(date +%s) - t0))s)")
        echo "    => PASS"
    else
        fail=$((fail + 1))
        summary+=("FAIL  $name ($(($(date +%s) - t0))s)")
        echo "    => FAIL"
    fi
}

# need TOOL...: every tool is on PATH (a missing one fails the check that needs it).
need() {
    local t ok=0
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "missing tool: $t"; ok=1; }
    done
    return $ok
}

# ---- the packages are built in the background while the quick checks run -----------------
# Each build compiles the programs once (-j1); side by side they use the two cores.
mkdir -p "$work/out-deb" "$work/out-rpm"
if wanted deb || wanted rpm || wanted systemd || wanted smoke || wanted service ||
    { wanted install && [ -z "$build_dir" ]; }; then
    PDS_PKG_WORK="$work/pkg-deb" setsid "$here/build-packages.sh" "$work/out-deb" deb \
        >"$work/build-deb.log" 2>&1 &
    deb_pid=$!
fi
if wanted rpm || wanted rpmlint; then
    PDS_PKG_WORK="$work/pkg-rpm" setsid "$here/build-packages.sh" "$work/out-rpm" rpm \
        >"$work/build-rpm.log" 2>&1 &
    rpm_pid=$!
fi
wait_deb() {
    [ -n "$deb_pid" ] || { echo "the .deb was not built"; return 1; }
    if [ -z "$deb_rc" ]; then
        wait "$deb_pid"
        deb_rc=$?
    fi
    cat "$work/build-deb.log"
    return "$deb_rc"
}
wait_rpm() {
    [ -n "$rpm_pid" ] || { echo "the .rpm was not built"; return 1; }
    if [ -z "$rpm_rc" ]; then
        wait "$rpm_pid"
        rpm_rc=$?
    fi
    cat "$work/build-rpm.log"
    return "$rpm_rc"
}

# ---- man pages -----------------------------------------------------------------------------
check_man() {
    need man groff || return 1
    local p out rc bad=0
    for p in pg_dump-safe.1 pg_dump-safe-audit.1; do
        # man's own warnings (groff -ww and tbl) go to stderr; the page itself to /dev/null.
        out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$top/man/$p" 2>&1 >/dev/null)
        rc=$?
        if [ $rc -ne 0 ] || [ -n "$out" ]; then
            echo "man --warnings -l man/$p: exit $rc"
            printf '%s\n' "$out"
            bad=1
        else
            echo "man --warnings -l man/$p: no warnings"
        fi
        # lexgrog reads the NAME section as mandb and whatis do.
        if out=$(lexgrog "$top/man/$p" 2>&1); then
            echo "lexgrog: $out"
        else
            echo "lexgrog man/$p failed: $out"
            bad=1
        fi
    done
    return $bad
}

# ---- the man pages against the sources -----------------------------------------------------
# man_text PAGE: the page's source with roff escapes for - and fonts removed, for grep -F.
man_text() {
    sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\%//g' -e 's/\\&//g' -e 's/\\c$//' "$1"
}
# mentions TEXTFILE WHAT WORD...: every WORD occurs in TEXTFILE.
mentions() {
    local file=$1 what=$2 w bad=0 n=0
    shift 2
    for w in "$@"; do
        n=$((n + 1))
        grep -qF -- "$w" "$file" || { echo "not in the man page: $what '$w'"; bad=1; }
    done
    [ $bad -eq 0 ] && echo "$what: all $n present"
    [ $n -gt 0 ] || { echo "$what: none found in the sources (extraction broken?)"; bad=1; }
    return $bad
}
check_man_drift() {
    local m1="$work/pg_dump-safe.1.txt" m2="$work/pg_dump-safe-audit.1.txt" bad=0 n
    man_text "$top/man/pg_dump-safe.1" >"$m1"
    man_text "$top/man/pg_dump-safe-audit.1" >"$m2"
    local -a opts=() envs=() keys=() reasons=() metrics=() audit_opts=() journal=() lines=()
    # kOptions in src/cli/safe_options.cpp: {"name", takes_value, ...}
    while read -r n; do
        opts+=("--safe-$n")
        envs+=("PG_DUMP_SAFE_$(echo "$n" | tr 'a-z-' 'A-Z_')")
        [ "$n" = config ] || keys+=("$n")
    done < <(perl -ne 'print "$1\n" if /^\s*\{"([a-z-]+)", (true|false),/' \
        "$top/src/cli/safe_options.cpp")
    mentions "$m1" "option" "${opts[@]}" || bad=1
    mentions "$m1" "environment variable" "${envs[@]}" || bad=1
    mentions "$m1" "config key" "${keys[@]}" || bad=1
    # the reason table kReasons in src/failure/failure.cpp: {Reason::X, {"name", ...}}
    while read -r n; do reasons+=("$n"); done < <(perl -ne 'print "$1\n" if /^\s*\{Reason::\w+, \{"([a-z_-]+)",/' \
        "$top/src/failure/failure.cpp" | sort -u)
    mentions "$m1" "FAILED reason" "${reasons[@]}" || bad=1
    # metric families in src/report/metrics.cpp
    while read -r n; do metrics+=("$n"); done < <(grep -o '"pg_dump_safe_[a-z_]*"' \
        "$top/src/report/metrics.cpp" | tr -d '"' | sort -u)
    mentions "$m1" "metric" "${metrics[@]}" || bad=1
    # journal keys: the "key": literals in journal_line()
    while read -r n; do journal+=("\"$n\""); done < <(perl -ne 'print "$1\n" while /\\"([a-z_]+)\\":/g' \
        "$top/src/report/journal.cpp" | sort -u)
    mentions "$m1" "journal key" "${journal[@]}" || bad=1
    # report words: "[backup] WORD" lines and the retention messages of src/run and of
    # src/report/run_report.cpp (FAILED, PUBLISHED, the metrics/journal warnings)
    while read -r n; do lines+=("[backup] $n"); done < <(perl -0ne 'print "$1\n" while /format_line\(\s*"([A-Z-]+)"/g' \
        "$top"/src/run/*.cpp "$top/src/report/run_report.cpp" | sort -u)
    lines+=("retention skipped: the on-success hook failed" "is not a restore point:"
        "retention pruned nothing:" "warning: metrics file not written:"
        "warning: journal not written:")
    for n in "${lines[@]}"; do
        grep -qF -- "$n" "$top"/src/run/*.cpp "$top"/src/run/*.hpp "$top/src/report/run_report.cpp" 2>/dev/null ||
            [[ $n == "[backup] "* ]] || { echo "src/run no longer says '$n'"; bad=1; }
    done
    mentions "$m1" "report line" "${lines[@]}" || bad=1
    # pg_dump-safe-audit: every long option of its --help text (src/audit/options.cpp)
    while read -r n; do audit_opts+=("$n"); done < <(sed -n '/kHelp = R"(/,/^)";/p' \
        "$top/src/audit/options.cpp" | grep -o -- '--[a-z][a-z-]*' | sort -u)
    mentions "$m2" "pg_dump-safe-audit option" "${audit_opts[@]}" || bad=1
    return $bad
}

# ---- bash completion -----------------------------------------------------------------------
check_completion() {
    need bash || return 1
    local bad=0 n w
    local -a words=()
    bash "$here/test-completion.sh" "$top/completion/pg_dump-safe" || bad=1
    # It offers every --safe-* option (with "=" when it takes a value) and every
    # pg_dump-safe-audit option of the sources.
    while read -r n; do words+=("$n"); done < <(perl -ne \
        'print "--safe-$1", ($2 eq "true" ? "=" : ""), "\n" if /^\s*\{"([a-z-]+)", (true|false),/' \
        "$top/src/cli/safe_options.cpp")
    while read -r n; do words+=("$n"); done < <(sed -n '/kHelp = R"(/,/^)";/p' \
        "$top/src/audit/options.cpp" | grep -o -- '--[a-z][a-z-]*' | sort -u)
    for w in "${words[@]}"; do
        grep -qE -- "(^|[ \"])$w([ \"=\\]|$)" "$top/completion/pg_dump-safe" ||
            { echo "completion/pg_dump-safe does not offer $w"; bad=1; }
    done
    [ $bad -eq 0 ] && echo "completion offers all ${#words[@]} options of the sources"
    return $bad
}

# ---- container examples --------------------------------------------------------------------
# YAML::XS comes with lintian (libyaml-libyaml-perl), which this check needs anyway.
check_container() {
    local d="$here/container" bad=0 f
    for f in Containerfile README.md cronjob.yaml restore-test-cronjob.yaml; do
        [ -s "$d/$f" ] || { echo "missing: packaging/container/$f"; bad=1; }
    done
    [ $bad -eq 0 ] || return 1
    perl -MYAML::XS -e 1 2>/dev/null || { echo "missing: perl YAML::XS (libyaml-libyaml-perl)"; return 1; }
    # Every CronJob: batch/v1, a schedule, containers with images, mounts of declared volumes,
    # no service-account token, fsGroupChangePolicy set when fsGroup is; the dump CronJob
    # uses pg_dump-safe with retention, metrics and a failure hook and sweeps old failed
    # partials; the drill CronJob runs pg_dump-safe-audit --restore-test.
    perl -MYAML::XS=LoadFile -e '
        my ($dump, $drill) = (0, 0);
        for my $file (@ARGV) {
            my @docs = LoadFile($file);
            my %kinds;
            for my $doc (@docs) {
                next unless defined $doc;
                die "$file: a document without apiVersion/kind\n"
                    unless ref $doc eq "HASH" && $doc->{apiVersion} && $doc->{kind};
                $kinds{$doc->{kind}}++;
                next unless $doc->{kind} eq "CronJob";
                die "$file: CronJob apiVersion must be batch/v1\n" unless $doc->{apiVersion} eq "batch/v1";
                my $pod = $doc->{spec}{jobTemplate}{spec}{template}{spec}
                    or die "$file: CronJob without spec.jobTemplate.spec.template.spec\n";
                die "$file: CronJob without spec.schedule\n" unless $doc->{spec}{schedule};
                die "$file: the pod mounts a service-account token (automountServiceAccountToken: false)\n"
                    unless exists $pod->{automountServiceAccountToken} && !$pod->{automountServiceAccountToken};
                my $sc = $pod->{securityContext} || {};
                die "$file: fsGroup without fsGroupChangePolicy\n"
                    if defined $sc->{fsGroup} && !$sc->{fsGroupChangePolicy};
                my @c = (@{ $pod->{containers} || [] }, @{ $pod->{initContainers} || [] });
                die "$file: no containers\n" unless @{ $pod->{containers} || [] };
                my %vols = map { $_->{name} => 1 } @{ $pod->{volumes} || [] };
                my $text = "";
                for my $c (@c) {
                    die "$file: container without name or image\n" unless $c->{name} && $c->{image};
                    for my $m (@{ $c->{volumeMounts} || [] }) {
                        die "$file: container $c->{name} mounts undeclared volume $m->{name}\n"
                            unless $vols{ $m->{name} };
                    }
                    $text .= join("\n", @{ $c->{command} || [] }, @{ $c->{args} || [] }) . "\n";
                }
                my @need;
                if (index($text, "--restore-test") >= 0) {
                    $drill++;
                    @need = ("pg_dump-safe-audit --restore-test");
                } else {
                    $dump++;
                    @need = qw(pg_dump-safe --safe-keep-last --safe-metrics-file --safe-on-failure .partial.failure.json);
                }
                for my $w (@need) {
                    die "$file: the CronJob never uses $w\n" unless index($text, $w) >= 0;
                }
            }
            print "$file: ", scalar(@docs), " documents parse (",
                join(", ", map { "$_ x$kinds{$_}" } sort keys %kinds), ")\n";
        }
        die "no dump CronJob\n" unless $dump;
        die "no restore-drill CronJob\n" unless $drill;
        print "CronJobs: $dump dump, $drill restore drill; no service-account token, fsGroupChangePolicy set\n";
    ' "$d"/*.yaml || bad=1
    # The image installs the .deb built here: it must exist under the name the Containerfile
    # copies (checked after the package build, below), and it picks the client major.
    grep -q '^FROM debian:bookworm' "$d/Containerfile" || { echo "Containerfile: not FROM debian:bookworm"; bad=1; }
    grep -q '^ARG PG_MAJOR=' "$d/Containerfile" || { echo "Containerfile: no ARG PG_MAJOR"; bad=1; }
    grep -q 'PG_MAJOR' "$d/README.md" || { echo "container README: does not say how to choose PG_MAJOR"; bad=1; }
    return $bad
}

# ---- Prometheus rules and Grafana dashboard ------------------------------------------------
# promtool comes with Debian's prometheus package (scripts/install-deps.sh).
check_monitoring() {
    need promtool perl || return 1
    local m="$here/monitoring" bad=0 out
    if out=$(promtool check rules "$m/pg_dump-safe.rules.yml" 2>&1); then
        echo "promtool check rules: $(printf '%s\n' "$out" | grep -o 'SUCCESS.*')"
    else
        echo "promtool check rules failed:"; printf '%s\n' "$out"; bad=1
    fi
    # Each alert fires on the series that should raise it and not on a healthy one.
    if out=$(cd "$m" && promtool test rules pg_dump-safe.rules.test.yml 2>&1); then
        echo "promtool test rules: $(printf '%s\n' "$out" | grep -c SUCCESS) test file(s) pass"
    else
        echo "promtool test rules failed:"; printf '%s\n' "$out"; bad=1
    fi
    # The dashboard is JSON with panels and queries.
    perl -MJSON::PP -e '
        local $/; open my $f, "<", $ARGV[0] or die "$ARGV[0]: $!\n";
        my $d = JSON::PP->new->decode(<$f>);
        my @p = @{ $d->{panels} || [] } or die "no panels\n";
        my $n = 0;
        for (@p) { for my $t (@{ $_->{targets} || [] }) { $n++; die "a target without expr\n" unless $t->{expr} } }
        print "grafana dashboard \"$d->{title}\": ", scalar(@p), " panels, $n queries\n";
    ' "$m/pg_dump-safe.json" || bad=1
    # Every metric they name is one the programs write (pg_dump-safe: src/report/metrics.cpp;
    # the audit: src/audit/render_prometheus.cpp, prefix pg_dump_safe_audit_; the restore
    # drill: src/restore/render.cpp).
    local known name missing=0
    known=$( { grep -o '"pg_dump_safe_[a-z_]*"' "$top/src/report/metrics.cpp" "$top/src/restore/render.cpp" \
        -h | tr -d '"'
        perl -ne 'print "pg_dump_safe_audit_$1\n" while /"([a-z_]+)"/g' "$top/src/audit/render_prometheus.cpp"; } |
        sort -u)
    for name in $(grep -h 'expr' "$m/pg_dump-safe.rules.yml" "$m/pg_dump-safe.json" | grep -o 'pg_dump_safe_[a-z_]*[a-z]' | sort -u); do
        if ! grep -qxF "$name" <<<"$known"; then
            echo "the rules or the dashboard name $name, which no source writes"
            missing=1
        fi
    done
    [ $missing -eq 0 ] && echo "every metric the rules and the dashboard query is written by the sources"
    [ $missing -eq 0 ] || bad=1
    return $bad
}

# ---- CMake install into a DESTDIR, masquerade link, uninstall ------------------------------
stage=$work/stage
check_cmake_install() {
    need cmake || return 1
    local b=$build_dir
    if [ -z "$b" ]; then
        echo "no BUILD_DIR given: using the Debian package's build tree"
        wait_deb >/dev/null || { echo "the Debian package build failed"; return 1; }
        b=$(find "$work/pkg-deb/deb" -maxdepth 2 -type d -name 'obj-*' | head -n 1)
        [ -n "$b" ] || { echo "no obj-* build tree in $work/pkg-deb/deb"; return 1; }
    fi
    echo "install from $b"
    mkdir -p "$stage" "$work/saved"
    # The build directory's own install records (a developer's real install) are put back
    # afterwards; this check starts with none.
    local rec
    for rec in install_manifest.txt install_created_dirs.txt; do
        if [ -e "$b/$rec" ]; then mv "$b/$rec" "$work/saved/$rec"; fi
    done
    check_cmake_install_in "$b"
    local rc=$?
    for rec in install_manifest.txt install_created_dirs.txt; do
        rm -f "$b/$rec"
        if [ -e "$work/saved/$rec" ]; then mv "$work/saved/$rec" "$b/$rec"; fi
    done
    return $rc
}
check_cmake_install_in() {
    local b=$1
    if ! DESTDIR="$stage" cmake --install "$b" --prefix /usr >"$work/install.log" 2>&1; then
        cat "$work/install.log"
        return 1
    fi
    local bad=0 masq="$stage/usr/lib/pg_dump-safe/bin" link
    link=$(readlink "$masq/pg_dump")
    if [ "$link" = ../../../bin/pg_dump-safe ]; then
        echo "masquerade link: usr/lib/pg_dump-safe/bin/pg_dump -> $link"
    else
        echo "masquerade link usr/lib/pg_dump-safe/bin/pg_dump -> '$link', expected ../../../bin/pg_dump-safe"
        bad=1
    fi
    grep -qxF /usr/lib/pg_dump-safe/bin/pg_dump "$b/install_manifest.txt" ||
        { echo "the masquerade link is not in install_manifest.txt"; bad=1; }
    # Through the masquerade directory, "pg_dump --version" must print exactly the real
    # pg_dump's output (pg_dump-safe runs it), and --safe-version pg_dump-safe's own.
    local real real_v got own
    real=$(command -v pg_dump) || { echo "no real pg_dump on PATH (postgresql-client)"; return 1; }
    real_v=$(pg_dump --version 2>&1)
    echo "real pg_dump: $real: $real_v"
    got=$(PATH="$masq:$PATH" pg_dump --version 2>&1)
    own=$(PATH="$masq:$PATH" pg_dump --safe-version 2>&1)
    echo "PATH=<stage>/usr/lib/pg_dump-safe/bin:\$PATH pg_dump --version: $got"
    echo "PATH=<stage>/usr/lib/pg_dump-safe/bin:\$PATH pg_dump --safe-version: $own"
    if [ "$got" = "$real_v" ] && [[ $real_v == "pg_dump (PostgreSQL) "* ]] &&
        [ "$own" = "pg_dump-safe $version" ]; then
        echo "masquerade: pg_dump-safe ran the real pg_dump"
    else
        echo "masquerade: expected pg_dump's own version line, and 'pg_dump-safe $version' for --safe-version"
        bad=1
    fi
    (cd "$stage" && find . ! -type d | sed 's|^\.||' | sort) >"$work/list-cmake"
    echo "installed $(wc -l <"$work/list-cmake") files and links:"
    sed 's/^/  /' "$work/list-cmake"
    # Uninstall: the same script the "uninstall" target runs, with the same DESTDIR.
    cp "$b/install_manifest.txt" "$work/install_manifest.txt"
    if ! DESTDIR="$stage" cmake -DPDS_MANIFEST="$b/install_manifest.txt" \
        -DPDS_CREATED_DIRS="$b/install_created_dirs.txt" -P "$top/cmake/Install.cmake" \
        >"$work/uninstall.log" 2>&1; then
        cat "$work/uninstall.log"
        bad=1
    fi
    local left
    left=$(cd "$stage" && find . -mindepth 1)
    if [ -z "$left" ]; then
        echo "uninstall: $(grep -c . "$work/install_manifest.txt") manifest entries removed, staging directory empty"
    else
        echo "uninstall left behind:"
        printf '%s\n' "$left" | sed 's/^/  /'
        bad=1
    fi
    return $bad
}

# ---- the .deb: build, lintian, installability ----------------------------------------------
# first_file GLOB...: the first existing match, or nothing.
first_file() {
    local f
    for f in "$@"; do
        [ -e "$f" ] && { echo "$f"; return 0; }
    done
    return 0
}
check_deb() {
    need dpkg-buildpackage dpkg-deb lintian || return 1
    wait_deb || { echo "the Debian package build failed"; return 1; }
    local deb changes bad=0
    deb=$(first_file "$work/out-deb/pg-dump-safe_${version}_"*.deb)
    changes=$(first_file "$work/out-deb/"*.changes)
    if [ -z "$deb" ] || [ -z "$changes" ]; then
        echo "no pg-dump-safe_${version}_*.deb or .changes in $work/out-deb"
        return 1
    fi
    echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"
    dpkg-deb -I "$deb" | sed -n '/^ Package:/,$p' | grep -E '^ (Package|Version|Architecture|Depends|Installed-Size):'
    # The .changes covers the .deb, the -dbgsym .deb and the .buildinfo. Info tags are shown
    # but allowed; any warning or error fails.
    lintian --info --display-info --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1
    local rc=$?
    if [ -s "$work/lintian.log" ]; then
        echo "lintian output:"
        sed 's/^/  /' "$work/lintian.log"
    else
        echo "lintian: no output (no tags)"
    fi
    [ $rc -eq 0 ] || { echo "lintian exit status $rc"; bad=1; }
    if grep -E '^[EW]: ' "$work/lintian.log" >/dev/null; then
        echo "lintian reported errors or warnings"
        bad=1
    fi
    # The Containerfile installs exactly this; apt must resolve its dependencies here
    # (Debian 12, as in the image) without installing anything.
    if apt-get install --simulate --no-install-recommends "$deb" postgresql-client \
        >"$work/apt-sim.log" 2>&1; then
        echo "apt-get install --simulate $(basename "$deb") postgresql-client: resolves"
    else
        echo "apt-get install --simulate failed:"
        tail -n 20 "$work/apt-sim.log"
        bad=1
    fi
    if ! grep -q '^COPY .*pg-dump-safe_\*' "$here/container/Containerfile"; then
        echo "the Containerfile does not COPY pg-dump-safe_*.deb (the name built here)"
        bad=1
    fi
    dpkg-deb -x "$deb" "$work/deb-root"
    dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }' | sort >"$work/list-deb"
    check_deb_contents "$deb" "$work/deb-root" || bad=1
    return $bad
}

# check_deb_contents DEB ROOT: what the issue about unattended packages asked of the .deb.
check_deb_contents() {
    local deb=$1 r=$2 bad=0 f v doc=usr/share/doc/pg-dump-safe comp=usr/share/bash-completion/completions
    for f in Maintainer Homepage; do
        v=$(dpkg-deb -f "$deb" "$f")
        if [ -z "$v" ] || [[ $v == *example.org* ]] || [[ $v == *example.com* ]]; then
            echo "$f is a placeholder or empty: '$v'"; bad=1
        else
            echo "$f: $v"
        fi
    done
    dpkg-deb -f "$deb" Depends | grep -qw postgresql-common ||
        { echo "Depends lacks postgresql-common (the postgres user of the units)"; bad=1; }
    v=$(zcat "$r/$doc/changelog.gz" 2>/dev/null | grep -c '^  \*')
    [ "${v:-0}" -ge 3 ] && echo "changelog.gz: $v entries in its items" ||
        { echo "changelog.gz has ${v:-no} items (a generated one-liner?)"; bad=1; }
    for f in "$doc/README.md" "$doc/audit.md" "$doc/metrics.md" "$doc/install.md" \
        "$doc/examples/example.conf" "$doc/examples/pg_dump-safe.conf" \
        "$doc/examples/prometheus/pg_dump-safe.rules.yml" "$doc/examples/grafana/pg_dump-safe.json" \
        "$doc/examples/container/Containerfile" "$doc/examples/container/cronjob.yaml" \
        "$doc/examples/container/restore-test-cronjob.yaml" "$doc/examples/container/README.md" \
        lib/systemd/system/pg_dump-safe-restore-test@.service \
        lib/systemd/system/pg_dump-safe-restore-test@.timer; do
        [ -f "$r/$f" ] || [ -f "$r/$f.gz" ] || { echo "not shipped: /$f"; bad=1; }
    done
    [ -d "$r/etc/pg_dump-safe.d" ] && echo "ships /etc/pg_dump-safe.d ($(stat -c '%a' "$r/etc/pg_dump-safe.d"))" ||
        { echo "does not ship /etc/pg_dump-safe.d"; bad=1; }
    # One completion file; the second command's name is a link to it.
    if [ -f "$r/$comp/pg_dump-safe" ] && [ ! -L "$r/$comp/pg_dump-safe" ] &&
        [ "$(readlink "$r/$comp/pg_dump-safe-audit")" = pg_dump-safe ]; then
        echo "bash completion: one file, pg_dump-safe-audit -> pg_dump-safe"
    else
        echo "bash completion: expected the file pg_dump-safe and the link pg_dump-safe-audit -> pg_dump-safe"
        bad=1
    fi
    return $bad
}

# ---- the Debian source package -------------------------------------------------------------
# The checkout has packaging/debian, not debian/: build-packages.sh source makes the .dsc,
# which dpkg-source unpacks into a tree that dpkg-buildpackage builds (not rebuilt here: the
# deb check builds the same tree).
check_source() {
    need dpkg-source dpkg-checkbuilddeps || return 1
    if ! PDS_PKG_WORK="$work/pkg-src" "$here/build-packages.sh" "$work/out-src" source \
        >"$work/build-src.log" 2>&1; then
        cat "$work/build-src.log"
        return 1
    fi
    local dsc bad=0
    dsc=$(first_file "$work/out-src/pg-dump-safe_${version}.dsc")
    [ -n "$dsc" ] || { echo "no pg-dump-safe_${version}.dsc"; return 1; }
    echo "built $(basename "$dsc"): $(sed -n 's/^Format: //p' "$dsc"), $(ls "$work/out-src" | grep -c 'tar') tarball(s), source rpm: $(ls "$work/out-src" | grep -c 'src.rpm')"
    if ! (cd "$work" && dpkg-source -x "$dsc" "$work/src-x") >"$work/dpkg-source.log" 2>&1; then
        cat "$work/dpkg-source.log"; return 1
    fi
    [ -f "$work/src-x/debian/rules" ] && [ -f "$work/src-x/CMakeLists.txt" ] &&
        echo "dpkg-source -x: debian/rules and CMakeLists.txt present" ||
        { echo "the unpacked source lacks debian/rules or CMakeLists.txt"; bad=1; }
    if (cd "$work/src-x" && dpkg-checkbuilddeps) >"$work/checkbuilddeps.log" 2>&1; then
        echo "dpkg-checkbuilddeps: build dependencies satisfied here"
    else
        echo "dpkg-checkbuilddeps:"; cat "$work/checkbuilddeps.log"; bad=1
    fi
    return $bad
}

# ---- the unit's ExecStart by hand, start timeout, install/purge cycle ---------------------
check_service() {
    local deb
    [ -s "$work/list-deb" ] || wait_deb >/dev/null || { echo "the Debian package build failed"; return 1; }
    deb=$(first_file "$work/out-deb/pg-dump-safe_${version}_"*.deb)
    [ -n "$deb" ] || { echo "no .deb"; return 1; }
    "$here/service-test.sh" "$deb"
}

# ---- smoke test: the .deb's own files, via PATH=<deb>/usr/lib/pg_dump-safe/bin --------------
# `pg_dump -Fc -f x app` must publish a verified dump through x.partial (seen with strace).
check_smoke() {
    need strace || return 1
    [ -x "$work/deb-root/usr/lib/pg_dump-safe/bin/pg_dump" ] ||
        { echo "no unpacked .deb with the masquerade link (did the deb check fail?)"; return 1; }
    "$here/smoke-test.sh" "$work/deb-root/usr/lib/pg_dump-safe/bin" \
        "$work/deb-root/usr/bin/pg_dump-safe-audit"
}

# ---- the .rpm: build, same files as the .deb -----------------------------------------------
# Known, explained differences (normalised before comparing):
#   /lib/systemd/system (Debian 12's unit directory, lintian insists) vs /usr/lib/systemd/system
#     (Fedora/EL's %_unitdir): the same directory on a merged-/usr system;
#   man pages and docs compressed (.gz) by dh_compress/brp-compress: suffix ignored;
#   /usr/share/doc/pg-dump-safe/copyright and changelog.gz: required by Debian policy, no rpm
#     equivalent (rpm keeps the licence in its header and the changelog in %changelog).
#   /usr/lib/.build-id/*: rpm's links from build ids to the programs (dpkg keeps build ids
#     in the -dbgsym package only).
normalise() {
    sed -e 's|^/lib/|/usr/lib/|' -e 's|^\(/usr/share/man/.*\)\.gz$|\1|' \
        -e 's|^\(/usr/share/doc/.*\)\.gz$|\1|' |
        grep -vxE '/usr/share/doc/pg-dump-safe/(copyright|changelog)|/usr/lib/\.build-id/.*' | sort
}
check_rpm() {
    need rpmbuild rpm || return 1
    wait_rpm || { echo "the rpm build failed"; return 1; }
    local rpm bad=0
    rpm=$(find "$work/out-rpm" -name "pg-dump-safe-${version}-*.rpm" ! -name '*.src.rpm' | head -n 1)
    [ -n "$rpm" ] || { echo "no .rpm in $work/out-rpm"; return 1; }
    local dbg
    dbg=$(first_file "$work/out-rpm/pg-dump-safe-debuginfo-${version}-"*.rpm)
    if [ -n "$dbg" ]; then
        echo "debuginfo package: $(basename "$dbg") ($(rpm -qlp "$dbg" 2>/dev/null | grep -c '\.debug$') .debug files)"
    else
        echo "no pg-dump-safe-debuginfo package"; bad=1
    fi
    # The programs in the main package are stripped (their debug info is in -debuginfo).
    local x
    mkdir -p "$work/rpm-root"
    (cd "$work/rpm-root" && rpm2cpio "$rpm" | cpio -idm --quiet) 2>/dev/null
    for x in usr/bin/pg_dump-safe usr/bin/pg_dump-safe-audit; do
        if file "$work/rpm-root/$x" | grep -q 'not stripped'; then
            echo "$x in the .rpm is not stripped"; bad=1
        else
            echo "$x: $(file -b "$work/rpm-root/$x" | grep -o 'stripped')"
        fi
    done
    rpm -qp --qf '%{GROUP} | %{PACKAGER} | %{URL}\n' "$rpm" 2>/dev/null | sed 's/^/Group | Packager | URL: /'
    local man_plain
    man_plain=$(rpm -qlp "$rpm" 2>/dev/null | grep '^/usr/share/man/.*\.[0-9]$')
    [ -z "$man_plain" ] && echo "man pages compressed" || { echo "uncompressed man pages: $man_plain"; bad=1; }
    for x in pg_dump-safe pg_dump-safe-audit; do
        rpm -qlp "$rpm" 2>/dev/null | grep -qx "/usr/share/man/man1/$x.1.gz" ||
            { echo "no man page /usr/share/man/man1/$x.1.gz for /usr/bin/$x"; bad=1; }
    done
    echo "built $(basename "$rpm") ($(stat -c %s "$rpm") bytes)"
    rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" 2>/dev/null |
        awk '$1 !~ /^d/ { print $2 }' | sort >"$work/list-rpm"
    [ -s "$work/list-rpm" ] || { echo "rpm -qlp listed nothing"; return 1; }
    [ -s "$work/list-deb" ] || { echo "no .deb file list (the .deb check failed)"; return 1; }
    echo "files and links: .deb $(wc -l <"$work/list-deb"), .rpm $(wc -l <"$work/list-rpm")"
    echo "raw differences (< .deb only, > .rpm only):"
    diff "$work/list-deb" "$work/list-rpm" | grep '^[<>]' | sed 's/^/  /'
    if diff <(normalise <"$work/list-deb") <(normalise <"$work/list-rpm") >"$work/list.diff"; then
        echo "after normalising /lib -> /usr/lib, .gz and Debian's copyright/changelog: identical"
    else
        echo "the .deb and the .rpm ship different files (normalised; < .deb, > .rpm):"
        sed 's/^/  /' "$work/list.diff"
        bad=1
    fi
    # And both match what "cmake --install" lays out (the packages are made from it).
    if [ -s "$work/list-cmake" ]; then
        if diff <(normalise <"$work/list-cmake") <(normalise <"$work/list-rpm") >"$work/list2.diff"; then
            echo "the CMake install lays out the same files"
        else
            echo "the CMake install and the packages differ (< cmake, > rpm):"
            sed 's/^/  /' "$work/list2.diff"
            bad=1
        fi
    fi
    local link
    link=$(rpm -qp --qf '[%{FILENAMES} %{FILELINKTOS}\n]' "$rpm" 2>/dev/null |
        awk '$1 == "/usr/lib/pg_dump-safe/bin/pg_dump" { print $2 }')
    [ "$link" = ../../../bin/pg_dump-safe ] ||
        { echo "rpm: /usr/lib/pg_dump-safe/bin/pg_dump -> '$link', expected ../../../bin/pg_dump-safe"; bad=1; }
    return $bad
}

# ---- rpmlint ------------------------------------------------------------------------------
# Debian's rpmlint (2.4) with packaging/rpm/rpmlint.toml, whose every setting and filter says
# why it does not apply to an RPM distribution. Errors and warnings fail the check.
check_rpmlint() {
    need rpmlint || return 1
    wait_rpm >/dev/null || { echo "the rpm build failed"; return 1; }
    local rc
    rpmlint -c "$here/rpm/rpmlint.toml" "$work/out-rpm/"*.rpm "$here/rpm/pg-dump-safe.spec" \
        >"$work/rpmlint.log" 2>&1
    rc=$?
    sed 's/^/  /' "$work/rpmlint.log"
    local e w
    e=$(grep -c ': E: ' "$work/rpmlint.log") w=$(grep -c ': W: ' "$work/rpmlint.log")
    echo "rpmlint: exit $rc, $e errors, $w warnings"
    [ "$rc" -eq 0 ] && [ "$e" -eq 0 ] && [ "$w" -eq 0 ]
}

# ---- systemd units and tmpfiles.d, as shipped in the .deb ----------------------------------
check_systemd() {
    need systemd-analyze systemd-tmpfiles || return 1
    local root="$work/deb-root" unitdir out rc bad=0
    [ -d "$root" ] || { echo "no unpacked .deb (the .deb check failed)"; return 1; }
    unitdir="$root/lib/systemd/system"
    if [ ! -f "$unitdir/pg_dump-safe@.service" ] || [ ! -f "$unitdir/pg_dump-safe@.timer" ]; then
        echo "the .deb has no lib/systemd/system/pg_dump-safe@.{service,timer}"
        return 1
    fi
    # An instance of each template, checked from the unpacked package: no running systemd is
    # needed. Documentation=man:pg_dump-safe(1) is looked up in the package's own man pages.
    local u units=(pg_dump-safe@app.service pg_dump-safe@app.timer
        pg_dump-safe-restore-test@app.service pg_dump-safe-restore-test@app.timer)
    out=$(MANPATH="$root/usr/share/man" systemd-analyze verify \
        "${units[@]/#/$unitdir/}" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || [ -n "$out" ]; then
        echo "systemd-analyze verify ${units[*]}: exit $rc"
        printf '%s\n' "$out"
        bad=1
    else
        echo "systemd-analyze verify ${units[*]}: clean (man pages found)"
    fi
    # systemd-analyze security needs a running systemd; the settings it would score are
    # checked here instead: no RemoveIPC with the shared postgres user, a start timeout.
    for u in pg_dump-safe@.service pg_dump-safe-restore-test@.service; do
        if grep -q '^RemoveIPC=yes' "$unitdir/$u"; then
            echo "$u: RemoveIPC=yes with User=postgres removes a local server's shared memory"; bad=1
        fi
        grep -qE '^TimeoutStartSec=[0-9]' "$unitdir/$u" && echo "$u: $(grep '^TimeoutStartSec=' "$unitdir/$u")" ||
            { echo "$u: no finite TimeoutStartSec="; bad=1; }
    done
    # tmpfiles.d: create the backup root in a scratch root whose passwd has the service user.
    local troot="$work/tmpfiles-root" conf="$root/usr/lib/tmpfiles.d/pg_dump-safe.conf" st
    [ -f "$conf" ] || { echo "the .deb has no usr/lib/tmpfiles.d/pg_dump-safe.conf"; return 1; }
    mkdir -p "$troot/etc"
    echo "postgres:x:4242:4243:PostgreSQL:/var/lib/postgresql:/bin/sh" >"$troot/etc/passwd"
    echo "postgres:x:4243:" >"$troot/etc/group"
    out=$(systemd-tmpfiles --root="$troot" --create "$conf" 2>&1)
    rc=$?
    st=$(stat -c '%a %u:%g %F' "$troot/var/backups/pg_dump-safe" 2>&1)
    if [ $rc -eq 0 ] && [ -z "$out" ] && [ "$st" = "750 4242:4243 directory" ]; then
        echo "systemd-tmpfiles --create: /var/backups/pg_dump-safe $st"
    else
        echo "systemd-tmpfiles --create: exit $rc, $st"
        printf '%s\n' "$out"
        bad=1
    fi
    return $bad
}

check man "man pages: man --warnings" check_man
check drift "man pages name every option, variable, key, reason, metric, line" check_man_drift
check completion "bash completion (packaging/test-completion.sh)" check_completion
check container "container examples (YAML parses, CronJobs: dump and restore drill)" check_container
check monitoring "Prometheus rules (promtool check/test rules), Grafana dashboard" check_monitoring
check install "CMake install to DESTDIR, masquerade link, uninstall" check_cmake_install
check deb ".deb: dpkg-buildpackage, lintian, apt simulate, contents" check_deb
check source "Debian source package (.dsc) and source rpm" check_source
check smoke "smoke test of the unpacked .deb through its masquerade directory" check_smoke
check service "install/purge cycle; the unit's ExecStart by hand as postgres; start timeout" check_service
check rpm ".rpm: rpmbuild, same files as the .deb, debuginfo, stripped" check_rpm
check rpmlint "rpmlint of the .rpm, debuginfo .rpm and spec" check_rpmlint
check systemd "systemd units and tmpfiles.d (from the .deb)" check_systemd

echo
echo "=== packaging/check.sh summary (version $version, $(($(date +%s) - start))s)"
printf '  %s\n' "${summary[@]}"
echo "packaging: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
