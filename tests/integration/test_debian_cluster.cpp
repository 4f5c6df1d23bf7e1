// Issue 11: Debian's pg_wrapper is a first-class pg_dump. `pg_dump-safe --cluster 15/main ...`
// with /usr/bin/pg_dump (pg_wrapper) first in PATH, against the 15/main cluster that the
// postgresql-15 package creates, run as user postgres (peer authentication). The test starts
// and stops the cluster itself; if it cannot, it fails (never skips). One test case, so that
// no two tests toggle the cluster at once.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <unistd.h>

using namespace pdstest;

namespace {

const std::string kPrevious = "previous good dump\n";

struct Cluster {
    static bool running() { return sh("pg_ctlcluster 15 main status >/dev/null 2>&1").status == 0; }
    static void start() {
        if (!running()) {
            Result r = sh("pg_ctlcluster 15 main start");
            INFO(r.err);
            REQUIRE(r.status == 0);
        }
        REQUIRE(wait_until(
            [] { return sh("pg_isready -q -h /var/run/postgresql -p 5432").status == 0; },
            std::chrono::seconds(30)));
    }
    static void stop() {
        if (running()) {
            Result r = sh("pg_ctlcluster 15 main stop -m fast");
            INFO(r.err);
            REQUIRE(r.status == 0);
        }
        REQUIRE_FALSE(running());
    }
    ~Cluster() { sh("pg_ctlcluster 15 main stop -m fast >/dev/null 2>&1"); }
};

// A directory under /tmp that the postgres user owns (the build tree may not be reachable).
std::string postgres_dir(const std::string& name) {
    std::string dir = "/tmp/pds-debian-" + name;
    sh("rm -rf " + q(dir) + " && mkdir -p " + q(dir) + " && chown postgres: " + q(dir));
    return dir;
}

// pg_dump-safe as user postgres, with Debian's /usr/bin first in PATH (pg_dump = pg_wrapper).
// The PATH is set after runuser, which may reset it (login.defs ALWAYS_SET_PATH).
Result as_postgres(const std::string& dir, const std::string& args, const std::string& env = "") {
    pds::test::RunOptions o = sh_options({}, dir);
    o.user = "postgres";
    return pds::test::run_sh("exec env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGCLUSTER "
                             "PATH=/usr/bin:/bin " +
                                 env + " " + q(wrapper()) + " " + args,
                             o);
}

void write_previous(const std::string& path) {
    write_file(path, kPrevious);
    sh("chown postgres: " + q(path));
}

std::map<std::string, std::string> line_fields(const Result& r, const std::string& prefix) {
    auto lines = lines_with(r.err, prefix);
    REQUIRE(lines.size() == 1);
    return fields(lines[0]);
}

void check_published(const std::string& dir, const Result& r) {
    INFO(r.err);
    CHECK(r.status == 0);
    auto p = line_fields(r, "[backup] PUBLISHED ");
    CHECK(p["target"] == "app.dump");
    CHECK(p["verify"] == "structure");
    CHECK(read_file(dir + "/app.dump") != kPrevious);
    CHECK_FALSE(exists(dir + "/app.dump.partial"));
    Result toc = sh("/usr/lib/postgresql/15/bin/pg_restore -l " + q(dir + "/app.dump"));
    CHECK(toc.status == 0);
    CHECK(toc.out.find("Dumped from database version: 15.") != std::string::npos);
}

} // namespace

TEST_CASE("Debian --cluster 15/main: final untouched when down and published when up", "[debian]") {
    REQUIRE(access("/usr/share/postgresql-common/pg_wrapper", X_OK) == 0);
    REQUIRE(access("/etc/postgresql/15/main/postgresql.conf", R_OK) == 0);
    Cluster cluster;
    const std::string dir = postgres_dir("cluster");

    // Down: pg_dump runs with the partial; the previous dump stays byte for byte (issue 11
    // found it a 0-byte file, written by pg_dump itself).
    cluster.stop();
    write_previous(dir + "/app.dump");
    Result down = as_postgres(dir, "--cluster 15/main -Fc -f app.dump postgres");
    CHECK(down.status == 1);
    CHECK(read_file(dir + "/app.dump") == kPrevious);
    auto f = line_fields(down, "[backup] FAILED ");
    CHECK(f["reason"] == "connection");
    CHECK(f["partial"] == "app.dump.partial");
    CHECK(f["format"] == "custom");
    CHECK(exists(dir + "/app.dump.partial"));

    // Up: published through the partial, verified, with a PUBLISHED line under -v.
    cluster.start();
    check_published(dir, as_postgres(dir, "--cluster 15/main -Fc -f app.dump -v postgres"));

    write_previous(dir + "/app.dump");
    check_published(dir, as_postgres(dir, "--cluster=15/main -Fc -v -f app.dump postgres"));

    write_previous(dir + "/app.dump");
    check_published(dir, as_postgres(dir, "-Fc -v -f app.dump postgres", "PGCLUSTER=15/main"));

    // A port that matches a local cluster chooses it, as pg_wrapper does.
    write_previous(dir + "/app.dump");
    check_published(dir, as_postgres(dir, "-p 5432 -Fc -v -f app.dump postgres"));

    // No perl on the way: once pg_wrapper's choice is known, the run executes the real
    // binaries of /usr/lib/postgresql/15/bin (pg_dump --version, pg_dump, pg_restore -l).
    write_previous(dir + "/app.dump");
    Result traced = as_postgres(dir, "--cluster 15/main -Fc -f app.dump postgres");
    REQUIRE(traced.status == 0);
    Result execs = sh("cd " + q(dir) + " && runuser -u postgres -- env PATH=/usr/bin:/bin " +
                      // LeakSanitizer cannot run under ptrace (sanitizer builds)
                      "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -e "
                      "trace=execve -e signal=none -o trace.txt " +
                      q(wrapper()) +
                      " --cluster 15/main -Fc -f app.dump postgres && grep -c 'execve(' trace.txt "
                      "&& grep -E 'execve\\(\"[^\"]*(perl|pg_wrapper|/usr/bin/pg_dump)' "
                      "trace.txt | wc -l");
    INFO(read_file(dir + "/trace.txt"));
    CHECK(execs.status == 0);
    CHECK(execs.out == "4\n0\n");

    // pg_wrapper's own refusals stop the run the same way, before anything is written.
    write_previous(dir + "/app.dump");
    Result bad = as_postgres(dir, "--cluster 11/main -Fc -f app.dump postgres");
    CHECK(bad.status == 1);
    CHECK(bad.err.find("Invalid version 11 specified with --cluster") != std::string::npos);
    CHECK(line_fields(bad, "[backup] FAILED ")["reason"] == "usage");
    Result none = as_postgres(dir, "--cluster 15/nosuch -Fc -f app.dump postgres");
    CHECK(none.status == 1);
    CHECK(none.err.find("Cluster 15 nosuch does not exist") != std::string::npos);
    CHECK(read_file(dir + "/app.dump") == kPrevious);
    CHECK_FALSE(exists(dir + "/app.dump.partial"));

    // Not pg_wrapper: the real pg_dump 15 has no --cluster, so the run is refused.
    Result real = as_postgres(dir, "--safe-pg-dump=/usr/lib/postgresql/15/bin/pg_dump --cluster "
                                   "15/main -Fc -f app.dump postgres");
    CHECK(real.status == 1);
    CHECK(real.err.find("unrecognized option '--cluster'") != std::string::npos);
    CHECK(read_file(dir + "/app.dump") == kPrevious);

    cluster.stop();
}
