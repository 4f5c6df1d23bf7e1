// Issue 14: what a restore drill killed with SIGKILL leaves behind (its hidden work
// directories in the dump's directory, perhaps its server) is never taken for part of the
// backup root by the audit, and is removed by the next drill; a running drill's directories
// are never touched. Real drills of a real dump, killed with a real SIGKILL.
#include "drill_support.hpp"
#include "restore/cluster.hpp"
#include "restore/process.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace pdstest;
namespace fs = boost::filesystem;

namespace {

// Throwaway clusters' ports: the fixture's + 20..22, above test_restore_drill.cpp's.
constexpr int kPortBase = 20;

// A backup root under /tmp: the postgres user must reach it (a checkout under /root is not
// traversable); the drill's work directories go into it (the default: the dump's directory).
std::string backup_root(const std::string& name) {
    return fresh_tmp_dir("pds-drill-leftovers-" + name);
}

std::string make_dump(const Env& env, const std::string& db, const std::string& root) {
    create_database(env, db,
                    "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM "
                    "generate_series(1, 200000) g");
    const std::string dump = root + "/app.dump";
    dump_database(env, "-Fc", dump, db);
    return dump;
}

std::vector<std::string> work_dirs(const std::string& dir) {
    return entries_starting(dir, ".pg_dump-safe-restore-");
}

std::string cluster_dir(const std::string& root) {
    for (const auto& d : work_dirs(root))
        if (d.find("/.pg_dump-safe-restore-test.") != std::string::npos)
            return d;
    return "";
}

// Starts a drill of `dump` and waits until its throwaway server is up.
pid_t start_drill(const Env& env, const std::string& dump, int k, const std::string& out) {
    const pid_t pid = spawn_sh("exec " + drill_command(env, kPortBase + k, q(dump)), env,
                               out + ".out", out + ".err");
    const std::string root = fs::path(dump).parent_path().string();
    const bool up = wait_until(
        [&] {
            const std::string c = cluster_dir(root);
            return !c.empty() && exists(c + "/data/postmaster.pid");
        },
        std::chrono::seconds(120));
    if (!up)
        ::kill(pid, SIGKILL);
    REQUIRE(up);
    return pid;
}

} // namespace

TEST_CASE("a drill killed by SIGKILL: the audit does not walk into its work directories and "
          "the next drill removes them",
          "[pg15][restore][leftovers]") {
    Env env = server_env("s15");
    const std::string root = backup_root("kill");
    const std::string dump = make_dump(env, "drill_leftover_kill", root);

    const pid_t pid = start_drill(env, dump, 0, root + "/../pds-drill-leftovers-kill-1");
    REQUIRE(::kill(pid, SIGKILL) == 0);
    CHECK(wait_status(pid) == 128 + SIGKILL);
    const std::vector<std::string> left = work_dirs(root);
    INFO("left behind: " << left.size());
    REQUIRE(left.size() == 2); // the cluster's directory and the logs'
    const std::string cluster = cluster_dir(root);
    REQUIRE(!cluster.empty());
    // Figures only: the server usually follows its parent (PR_SET_PDEATHSIG), perhaps not yet.
    std::printf("after the SIGKILL: %zu processes still run in %s\n",
                processes_mentioning(cluster).size(), cluster.c_str());

    // A dump inside the leftover (as the cluster's own files could be taken for one): the
    // audit lists the root's dump only.
    REQUIRE(sh("cp " + q(dump) + " " + q(cluster + "/inside.dump")).status == 0);
    Result a = sh(q(audit_bin()) + " --format=json " + q(root), env);
    INFO(a.out << a.err);
    CHECK(a.out.find(root + "/app.dump") != std::string::npos);
    CHECK(a.out.find("inside.dump") == std::string::npos);
    CHECK(a.out.find(".pg_dump-safe-restore-") == std::string::npos);

    // The next drill removes both (stopping the server first if it still runs), then passes.
    Result r = sh(drill_command(env, kPortBase + 1, q(dump)), env);
    INFO(r.err);
    CHECK(r.status == 0);
    for (const auto& l : left)
        CHECK(r.err.find("warning: removed " + l +
                         ", the work directory of a restore drill that did not finish") !=
              std::string::npos);
    CHECK(work_dirs(root).empty());
    CHECK(processes_mentioning(cluster).empty());
    CHECK(exists(root + "/app.dump.restore-test.json"));
}

TEST_CASE("a running drill's work directories are never swept", "[pg15][restore][leftovers]") {
    Env env = server_env("s15");
    const std::string root = backup_root("live");
    const std::string dump = make_dump(env, "drill_leftover_live", root);
    const pid_t pid = start_drill(env, dump, 2, root + "/../pds-drill-leftovers-live-1");
    const std::vector<std::string> live = work_dirs(root);
    // What the next drill does first, while this one runs: nothing of it is touched.
    const std::vector<std::string> notes =
        pds::restore::sweep_stale_work_dirs(root, pds::restore::server_user());
    CHECK(notes.empty());
    CHECK(work_dirs(root) == live);
    const int status = wait_status(pid);
    INFO(read_file(root + "/../pds-drill-leftovers-live-1.err"));
    CHECK(status == 0);
    CHECK(work_dirs(root).empty());
}

TEST_CASE("audit --max-restore-age: a FIFO planted at the drill record does not hang the audit",
          "[pg15][restore][leftovers]") {
    Env env = server_env("s15");
    const std::string root = backup_root("fifo");
    const std::string dump = make_dump(env, "drill_leftover_fifo", root);
    REQUIRE(::mkfifo((dump + ".restore-test.json").c_str(), 0666) == 0);
    const auto t0 = std::chrono::steady_clock::now();
    Result a = sh("timeout 60 " + q(audit_bin()) + " --max-restore-age=8d " + q(root), env);
    INFO(a.out << a.err);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
    CHECK(a.status == 1); // a warning, not the 124 of timeout
    CHECK((a.out + a.err).find("it is a FIFO, not a regular file") != std::string::npos);
}
