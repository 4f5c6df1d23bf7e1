// Debian's pg_wrapper reads configuration files to choose the pg_dump that runs:
// ~/.postgresqlrc, /etc/postgresql-common/user_clusters, the cluster's postgresql.conf, the
// files it includes (conf.d) and postgresql.auto.conf in the data directory. pg_dump-safe makes
// that choice itself (src/exec/pg_wrapper.cpp), and must neither block forever on a FIFO
// planted at one of those paths (nor on a symbolic link to one) nor read /dev/zero without
// end, nor misread a directory or a socket. Each case runs the built pg_dump-safe and the real
// perl /usr/bin/pg_dump (pg_wrapper) in a private mount namespace (`unshare -m`), where the odd
// file is bound over the real path; the machine's /etc is never changed. A tmpfs over
// /var/run/postgresql hides any running server, so every run that gets as far as pg_dump
// fails the same way ("connection to server on socket ... failed"): nothing is published,
// nothing is retained.
//
// What real pg_wrapper (postgresql-common 248) does, and what pg_dump-safe does:
//   FIFO, link to a FIFO   perl's open waits for a writer forever   refused: exit 1, usage,
//   /dev/zero              perl reads one endless line (until OOM)  names the path and type
//   directory, socket,     open fails or reads no line: the file    the same: ignored, the
//   /dev/null              is ignored                               same choice
// Needs root and a private mount namespace (CAP_SYS_ADMIN); CI runs as root. A missing
// prerequisite fails the test with the reason, never skips it.
#include "harness.hpp"
#include "support/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <unistd.h>
#include <vector>

using namespace pdstest;

namespace {

const std::string kPrevious = "previous good dump\n";
const std::string kFinal = "app-2026-12-01.dump";
const std::vector<std::string> kSeries = {"app-2026-11-01.dump", "app-2026-11-02.dump"};
constexpr int kToolSeconds = 20;     // pg_dump-safe must end within this
constexpr int kPgWrapperSeconds = 3; // the real pg_wrapper, which may block
// pg_dump-safe that reads /dev/zero without end (a regression) stops at 2 GB of address space
// instead of taking the machine's memory for kToolSeconds; not under AddressSanitizer, which
// reserves terabytes of address space for its shadow memory.
#if PDS_TEST_SANITIZED
const std::string kToolMemoryCap;
#else
const std::string kToolMemoryCap = "ulimit -v 2000000\n";
#endif

enum class Kind { fifo, link_to_fifo, dev_zero, directory, dev_null, socket };

const char* kind_name(Kind k) {
    switch (k) {
    case Kind::fifo:
        return "a FIFO";
    case Kind::link_to_fifo:
        return "a symbolic link to a FIFO";
    case Kind::dev_zero:
        return "/dev/zero";
    case Kind::directory:
        return "a directory";
    case Kind::dev_null:
        return "/dev/null";
    case Kind::socket:
        return "a socket";
    }
    return "?";
}

bool refused(Kind k) {
    return k == Kind::fifo || k == Kind::link_to_fifo || k == Kind::dev_zero;
}

// Fails (never skips) unless this process may make a private mount namespace and mount in it.
void require_prerequisites(const pds::test::ScratchDir& d) {
    if (::geteuid() != 0)
        FAIL("this test needs root (CI runs as root): it mounts in a private mount namespace");
    Result u =
        sh("unshare -m --propagation private mount -t tmpfs -o size=16k pds-probe " + q(d.path()));
    if (u.status != 0)
        FAIL("`unshare -m` with a tmpfs mount inside failed (status "
             << u.status << ": " << u.err
             << "): this test needs a private mount namespace, i.e. root with CAP_SYS_ADMIN. In a "
                "container unshare is not permitted by default: run it with --privileged (or "
                "--cap-add SYS_ADMIN and a seccomp/AppArmor profile that allows unshare and "
                "mount).");
    Result w = sh("grep -q '^use PgCommon;' /usr/bin/pg_dump && test -f "
                  "/etc/postgresql/15/main/postgresql.conf && test -d /etc/postgresql-common && "
                  "id postgres >/dev/null && command -v perl >/dev/null && command -v timeout "
                  ">/dev/null");
    if (w.status != 0)
        FAIL("this test needs Debian's pg_wrapper at /usr/bin/pg_dump (postgresql-common), the "
             "15/main cluster of postgresql-15 (/etc/postgresql/15/main/postgresql.conf), the "
             "user postgres, perl and timeout: "
             << w.err);
}

// Shell lines that make `kind` at `path` (a name in the scratch tree, absent so far).
std::string make_kind(Kind k, const std::string& path, const pds::test::ScratchDir& d) {
    switch (k) {
    case Kind::fifo:
        return "mkfifo " + q(path) + "\n";
    case Kind::link_to_fifo:
        return "mkfifo " + q(d / "fifo-target") + "\nln -s " + q(d / "fifo-target") + " " +
               q(path) + "\n";
    case Kind::dev_zero:
    case Kind::dev_null:
        return ": > " + q(path) + "\n"; // a device is bound over it later
    case Kind::directory:
        return "mkdir " + q(path) + "\n";
    case Kind::socket:
        return "perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => "
               "1) or die \"$ARGV[0]: $!\\n\"' " +
               q(path) + "\n";
    }
    return "";
}

struct Case {
    std::string setup;   // shell lines run inside the namespace before the runs
    std::string visible; // the path as pg_wrapper sees it
};

// The odd file at one of pg_wrapper's paths, seen there inside the namespace.
Case place(const std::string& where, Kind k, const pds::test::ScratchDir& d) {
    Case c;
    std::string scratch; // where the odd file is made
    if (where == "user_clusters") {
        c.setup = "cp -a /etc/postgresql-common " + q(d / "common") + "\nrm -f " +
                  q(d / "common/user_clusters") + "\n";
        scratch = d / "common/user_clusters";
        c.visible = "/etc/postgresql-common/user_clusters";
    } else if (where == "postgresqlrc") {
        scratch = c.visible = d / "home/.postgresqlrc";
    } else {
        // A copy of the cluster's configuration directory, bound over the real one.
        c.setup = "cp -a /etc/postgresql/15/main " + q(d / "main") + "\n";
        if (where == "postgresql.conf") {
            c.setup += "rm " + q(d / "main/postgresql.conf") + "\n";
            scratch = d / "main/postgresql.conf";
            c.visible = "/etc/postgresql/15/main/postgresql.conf";
        } else if (where == "conf.d") {
            c.setup += "grep -q \"^include_dir = 'conf.d'\" " + q(d / "main/postgresql.conf") +
                       "\nmkdir -p " + q(d / "main/conf.d") + "\n";
            scratch = d / "main/conf.d/zz-planted.conf";
            c.visible = "/etc/postgresql/15/main/conf.d/zz-planted.conf";
        } else { // postgresql.auto.conf, in a data directory that postgresql.conf names
            c.setup += "echo \"data_directory = '" + d / "data" + "'\" >> " +
                       q(d / "main/postgresql.conf") + "\nmkdir " + q(d / "data") + "\necho 15 > " +
                       q(d / "data/PG_VERSION") + "\n";
            scratch = c.visible = d / "data/postgresql.auto.conf";
        }
    }
    c.setup += make_kind(k, scratch, d);
    if (where == "user_clusters")
        c.setup += "mount --bind " + q(d / "common") + " /etc/postgresql-common\n";
    else if (where != "postgresqlrc")
        c.setup += "mount --bind " + q(d / "main") + " /etc/postgresql/15/main\n";
    if (k == Kind::dev_zero)
        c.setup += "mount --bind /dev/zero " + q(c.visible) + "\n";
    if (k == Kind::dev_null)
        c.setup += "mount --bind /dev/null " + q(c.visible) + "\n";
    return c;
}

// The first line of a text.
std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

void check_case(const std::string& where, Kind k) {
    pds::test::ScratchDir d("pds-pgw");
    require_prerequisites(d);
    const Case c = place(where, k, d);
    sh("mkdir -p " + q(d / "home") + " " + q(d / "out"));
    write_file(d / ("out/" + kFinal), kPrevious);
    for (const std::string& s : kSeries)
        write_file(d / ("out/" + s), "older dump " + s + "\n");
    const std::string env = "env -u PGHOST -u PGPORT -u PGCLUSTER -u PGUSER -u PGDATABASE -u "
                            "PGSERVICE -u PGSYSCONFDIR -u PG_CLUSTER_CONF_ROOT -u "
                            "PG_DUMP_SAFE_DEPTH HOME=" +
                            q(d / "home") + " PATH=/usr/bin:/bin ";
    // Inside the namespace: a tmpfs over the socket directory (no server is reachable), the odd
    // file, the real pg_wrapper (its outputs to files; at most kPgWrapperSeconds, 400 MB of
    // address space for /dev/zero), then pg_dump-safe, whose outputs are the run's (at most
    // kToolSeconds and kToolMemoryCap).
    const std::string inside =
        "set -e\n"
        "mount -t tmpfs -o size=64k,mode=0755 pds-nosocket /var/run/postgresql\n"
        "chown postgres:postgres /var/run/postgresql\n" +
        c.setup +
        "set +e\n"
        "cd " +
        q(d / "out") + "\n(ulimit -v 400000; exec timeout -s KILL " +
        std::to_string(kPgWrapperSeconds) + " " + env + "/usr/bin/pg_dump -Fc -f " +
        q(d / "real.dump") + " app) >" + q(d / "real.out") + " 2>" + q(d / "real.err") +
        "\necho $? > " + q(d / "real.status") + "\n" + kToolMemoryCap + "exec timeout -s KILL " +
        std::to_string(kToolSeconds) + " " + env + q(wrapper()) + " -Fc -f " + q(kFinal) +
        " --safe-keep-last=1 app\n";
    pds::test::RunOptions o;
    o.timeout_seconds = kToolSeconds + kPgWrapperSeconds + 30;
    o.detach = pds::test::RunOptions::Detach::Group;
    const Result r =
        pds::test::run({"unshare", "-m", "--propagation", "private", "sh", "-c", inside}, o);
    const std::string real_err = read_file(d / "real.err");
    const std::string real_status = first_line(read_file(d / "real.status"));
    INFO(where << " is " << kind_name(k) << " (" << c.visible << ")\n--- pg_dump-safe stderr:\n"
               << r.err << "--- pg_dump-safe stdout:\n"
               << r.out << "--- real pg_wrapper, status " << real_status << ", stderr:\n"
               << real_err);
    if (r.timed_out || r.status == 137)
        FAIL("pg_dump-safe did not end within " << kToolSeconds << " s with " << kind_name(k)
                                                << " at " << c.visible
                                                << ": it blocks on the file (or reads it "
                                                   "without end)");
    REQUIRE(real_status != "");
    REQUIRE(r.out == ""); // nothing on stdout: a warning there could end up in a dump

    // What a user cares about in every case: the previous dump is untouched byte for byte,
    // retention did not run (the older dumps of the series are there).
    CHECK(read_file(d / ("out/" + kFinal)) == kPrevious);
    for (const std::string& s : kSeries)
        CHECK(read_file(d / ("out/" + s)) == "older dump " + s + "\n");
    CHECK(r.err.find("RETENTION") == std::string::npos);
    CHECK(r.err.find("PUBLISHED") == std::string::npos);
    const auto failed = the_failed_line(r);

    if (refused(k)) {
        // pg_dump-safe: a prompt, clear refusal naming the path and what it is.
        CHECK(r.status == 1);
        CHECK(failed.at("reason") == "usage");
        CHECK(failed.at("partial") == "none"); // refused before anything was written
        CHECK_FALSE(exists(d / ("out/" + kFinal + ".partial")));
        const std::string type = k == Kind::dev_zero ? "a character device" : "a FIFO";
        std::string refusal = "refusing " + c.visible;
        if (k == Kind::link_to_fifo)
            refusal += " (a symbolic link to " + d / "fifo-target" + ")";
        refusal += ": it is " + type + ", not a regular file";
        CHECK(r.err.find("pg_dump-safe: error: " + refusal) != std::string::npos);
        CHECK(failed.at("detail").find(refusal) != std::string::npos);
        // Real pg_wrapper: a FIFO blocks it until it is killed; /dev/zero makes it read until
        // it runs out of memory (here the 400 MB limit: "Out of memory!").
        if (k == Kind::dev_zero)
            CHECK((real_status == "137" || real_err.find("Out of memory") != std::string::npos));
        else
            CHECK(real_status == "137");
    } else {
        // pg_wrapper ignores the file: pg_dump-safe makes the same choice, so both end the
        // same way (pg_dump cannot reach the hidden socket, or pg_wrapper's own error). A
        // partial that pg_dump began is kept as evidence, as after any failed pg_dump.
        CHECK(std::to_string(r.status) == real_status);
        std::string expected = first_line(real_err);
        if (expected.compare(0, 7, "Error: ") == 0)
            expected = "pg_dump-safe: error: " + expected.substr(7);
        CHECK(expected != "");
        CHECK(r.err.find(expected) != std::string::npos);
        CHECK(r.err.find("refusing") == std::string::npos);
    }
}

const std::vector<Kind> kAllKinds = {Kind::fifo,      Kind::link_to_fifo, Kind::dev_zero,
                                     Kind::directory, Kind::dev_null,     Kind::socket};

void check_all(const std::string& where) {
    for (Kind k : kAllKinds)
        SECTION(kind_name(k)) {
            check_case(where, k);
        }
}

} // namespace

TEST_CASE("pg_wrapper files: /etc/postgresql-common/user_clusters that is not a regular file",
          "[pg_wrapper_files]") {
    check_all("user_clusters");
}

TEST_CASE("pg_wrapper files: ~/.postgresqlrc that is not a regular file", "[pg_wrapper_files]") {
    check_all("postgresqlrc");
}

TEST_CASE("pg_wrapper files: the cluster's postgresql.conf that is not a regular file",
          "[pg_wrapper_files]") {
    check_all("postgresql.conf");
}

TEST_CASE("pg_wrapper files: a conf.d file included by postgresql.conf that is not a regular file",
          "[pg_wrapper_files]") {
    check_all("conf.d");
}

TEST_CASE("pg_wrapper files: postgresql.auto.conf in the data directory that is not a regular "
          "file",
          "[pg_wrapper_files]") {
    check_all("postgresql.auto.conf");
}
