// Failures: the previous good dump stays byte-identical, the FAILED line names the reason,
// the failure hook runs with the facts in its environment, the exit status says what failed.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

using namespace pdstest;

namespace {

const std::string kGood = "previous good dump: must survive byte for byte\n";

// The failure hook writes its whole PG_DUMP_SAFE_* environment to a file.
std::string hook_into(const std::string& file) {
    return "--safe-on-failure=" + q("env | grep ^PG_DUMP_SAFE_ | sort > " + q(file));
}

std::map<std::string, std::string> hook_env(const std::string& file) {
    std::map<std::string, std::string> env;
    std::string text = read_file(file);
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        std::string line = text.substr(start, end - start);
        auto eq = line.find('=');
        if (eq != std::string::npos)
            env[line.substr(0, eq)] = line.substr(eq + 1);
        start = end == std::string::npos ? text.size() : end + 1;
    }
    return env;
}

// A dump of database "slow" blocks for 15 s inside the data of its foreign table, after the
// archive header (and earlier tables) have been written: the moment to inject a fault.
std::string slow_dump_args() {
    return " --include-foreign-data=slow_srv slow";
}

struct SlowRun {
    pid_t shell;
    std::string out, err;
    // Waits for the shell: its status and output.
    Result finish() const {
        Result r;
        r.status = wait_status(shell);
        r.out = read_file(out);
        r.err = read_file(err);
        return r;
    }
};

SlowRun start_slow(const std::string& cmd, const Env& env, const std::string& dir) {
    SlowRun s{0, dir + "/run.out", dir + "/run.err"};
    s.shell = spawn_sh("exec " + cmd, env, s.out, s.err);
    return s;
}

} // namespace

TEST_CASE("disk full (real ENOSPC on a small tmpfs)", "[faults]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-disk-full");
    std::string mnt = dir + "/mnt";
    sh("mkdir -p " + q(mnt));
    // Prerequisite, not optional: without the mount this test fails, it never skips.
    REQUIRE(::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") == 0);
    struct Unmount {
        std::string p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{mnt};
    std::string target = mnt + "/app.dump";
    write_file(target, kGood);
    Result r =
        sh(q(wrapper()) + " -Fc -Z0 -f " + q(target) + " " + hook_into(dir + "/hook.env") + " app",
           env);
    CHECK(r.status == 1); // pg_dump's own status
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "disk-full");
    CHECK(f["target"] == target);
    CHECK(f["partial"] == target + ".partial");
    CHECK(f["exit"] == "1");
    CHECK(std::stoll(f["bytes"]) > 0);
    CHECK(exists(target + ".partial"));
    // The full disk has no room for the failure record either (issue 13 item 16): its
    // absence is said, never silent.
    INFO(r.err);
    if (!exists(target + ".partial.failure.json"))
        CHECK((r.err.find("pg_dump-safe: warning: no failure record beside the partial: ") !=
                   std::string::npos &&
               r.err.find("failure.json.tmp.") != std::string::npos &&
               r.err.find(": No space left on device") != std::string::npos));
    auto h = hook_env(dir + "/hook.env");
    CHECK(h["PG_DUMP_SAFE_STATUS"] == "failed");
    CHECK(h["PG_DUMP_SAFE_REASON"] == "disk-full");
    CHECK(h["PG_DUMP_SAFE_TARGET"] == target);
    CHECK(h["PG_DUMP_SAFE_PARTIAL"] == target + ".partial");
    CHECK(h["PG_DUMP_SAFE_EXIT_CODE"] == "1");
    CHECK(h["PG_DUMP_SAFE_BYTES"] == f["bytes"]);
}

TEST_CASE("server down: connection failure", "[faults]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-server-down");
    env["PGHOST"] = dir; // a socket directory where no server listens: a stopped server
    std::string target = dir + "/app.dump";
    write_file(target, kGood);
    Result r = sh(
        q(wrapper()) + " -Fc -f " + q(target) + " " + hook_into(dir + "/hook.env") + " app", env);
    CHECK(r.status == 1);
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "connection");
    CHECK(f["partial"] == target + ".partial"); // kept even empty: evidence of the failure
    CHECK(exists(target + ".partial"));
    CHECK(exists(target + ".partial.failure.json"));
    CHECK(r.err.find("pg_dump: error:") != std::string::npos); // pg_dump's stderr passes through
    CHECK(hook_env(dir + "/hook.env")["PG_DUMP_SAFE_REASON"] == "connection");
}

TEST_CASE("a pg_dump that exits 0 but writes nothing (FAKE pg_dump)", "[faults]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-empty-output");
    std::string target = dir + "/app.dump";
    write_file(target, kGood);
    Result r = sh(q(wrapper()) + " --safe-pg-dump=" + q(PDS_FAKE_EMPTY) +
                      " --safe-pg-restore=" + q(pg_bindir() + "/pg_restore") + " -Fc -f " +
                      q(target) + " " + hook_into(dir + "/hook.env") + " app",
                  env);
    CHECK(r.status == 3);
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "empty-output");
    CHECK(f["exit"] == "3");
    CHECK(f["bytes"] == "0");
    CHECK(hook_env(dir + "/hook.env")["PG_DUMP_SAFE_REASON"] == "empty-output");
}

TEST_CASE("pg_dump killed with SIGKILL mid-dump", "[faults][slow]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-sigkill");
    std::string target = dir + "/slow.dump";
    write_file(target, kGood);
    SlowRun s = start_slow(q(wrapper()) + " -Fc -f " + q(target) + " " +
                               hook_into(dir + "/hook.env") + slow_dump_args(),
                           env, dir);
    REQUIRE(
        wait_until([&] { return file_size(target + ".partial") > 0; }, std::chrono::seconds(10)));
    pid_t dump = descendant_named(s.shell, "pg_dump");
    REQUIRE(dump > 0);
    ::kill(dump, SIGKILL);
    Result r = s.finish();
    CHECK(r.status == 128 + SIGKILL);
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "signal");
    CHECK(f["exit"] == "137");
    CHECK(f["partial"] == target + ".partial");
    CHECK(exists(target + ".partial"));
    CHECK(exists(target + ".partial.failure.json"));
    CHECK(hook_env(dir + "/hook.env")["PG_DUMP_SAFE_REASON"] == "signal");
}

TEST_CASE("pg_dump-safe sent SIGTERM mid-dump forwards it and ends as interrupted",
          "[faults][slow]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-sigterm");
    std::string target = dir + "/slow.sql";
    write_file(target, kGood);
    SlowRun s = start_slow(q(wrapper()) + " -f " + q(target) + " " + hook_into(dir + "/hook.env") +
                               slow_dump_args(),
                           env, dir);
    REQUIRE(
        wait_until([&] { return file_size(target + ".partial") > 0; }, std::chrono::seconds(10)));
    REQUIRE(descendant_named(s.shell, "pg_dump") > 0);
    ::kill(s.shell, SIGTERM); // the shell exec'd pg_dump-safe: this is pg_dump-safe's pid
    Result r = s.finish();
    CHECK(r.status == 128 + SIGTERM);
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "interrupted");
    CHECK(f["exit"] == "143");
    CHECK(exists(target + ".partial"));
    CHECK(hook_env(dir + "/hook.env")["PG_DUMP_SAFE_REASON"] == "interrupted");
    CHECK(descendant_named(s.shell, "pg_dump") == 0);
    // pg_dump got the SIGTERM and stopped mid-table: without the forwarding it would have
    // run on for the rest of the 6 s table and finished the dump (the run still ends as
    // interrupted, only later), leaving a complete partial.
    std::string partial = read_file(target + ".partial");
    CHECK_FALSE(partial.empty());
    CHECK(partial.find("-- PostgreSQL database dump complete") == std::string::npos);
}

TEST_CASE("the backend terminated mid-dump (pg_terminate_backend)", "[faults][slow]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-terminate-backend");
    std::string target = dir + "/slow.dump";
    write_file(target, kGood);
    Env e = env;
    e["PGAPPNAME"] = "pds-terminate-test";
    SlowRun s = start_slow(q(wrapper()) + " -Fc -f " + q(target) + slow_dump_args(), e, dir);
    REQUIRE(
        wait_until([&] { return file_size(target + ".partial") > 0; }, std::chrono::seconds(10)));
    Result t = sh("psql -X -Atc \"select count(pg_terminate_backend(pid)) from pg_stat_activity "
                  "where application_name = 'pds-terminate-test'\" postgres",
                  env);
    REQUIRE(t.status == 0);
    REQUIRE(t.out == "1\n");
    Result r = s.finish();
    CHECK(r.status == 1);
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "connection");
    CHECK(exists(target + ".partial"));
}

TEST_CASE("two concurrent runs on one target: the second fails at once", "[faults][slow]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-locked");
    std::string target = dir + "/slow.dump";
    write_file(target, kGood);
    SlowRun first = start_slow(q(wrapper()) + " -Fc -f " + q(target) + slow_dump_args(), env, dir);
    REQUIRE(
        wait_until([&] { return file_size(target + ".partial") > 0; }, std::chrono::seconds(10)));
    long long partial_before = file_size(target + ".partial");
    auto t0 = std::chrono::steady_clock::now();
    Result second = sh(
        q(wrapper()) + " -Fc -f " + q(target) + " " + hook_into(dir + "/hook.env") + " app", env);
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(second.status == 5);
    CHECK(took < std::chrono::seconds(5)); // at once, not after the first run
    auto f = the_failed_line(second);
    CHECK(f["reason"] == "locked");
    CHECK(f["partial"] == "none");
    CHECK(hook_env(dir + "/hook.env")["PG_DUMP_SAFE_REASON"] == "locked");
    CHECK(read_file(target) == kGood);
    CHECK(file_size(target + ".partial") >= partial_before); // the first run's partial is intact
    ::kill(first.shell, SIGTERM);
    wait_status(first.shell);
}

TEST_CASE("a symlink planted at the .partial path is never written through", "[faults]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-partial-symlink");
    std::string target = dir + "/app.dump";
    write_file(dir + "/victim", "not yours\n");
    REQUIRE(::symlink((dir + "/victim").c_str(), (target + ".partial").c_str()) == 0);
    Result r = sh(q(wrapper()) + " -v -Fc -f " + q(target) + " app", env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(read_file(dir + "/victim") == "not yours\n");
    CHECK(r.err.find("removed stale partial symlink") != std::string::npos);
    CHECK(sh("pg_restore -l " + q(target)).status == 0);
}

TEST_CASE("a stale partial is removed silently without -v and recorded in the journal",
          "[faults]") {
    // Issue 12 item 11: AutoPostgreSQLBackup treats any stderr output as an error.
    Env env = server_env("s15");
    std::string dir = workdir("fault-stale-partial");
    std::string target = dir + "/app.dump";
    write_file(target + ".partial", "half a dump");
    write_file(target + ".partial.failure.json", "{}");
    Result r = sh(q(wrapper()) + " -Fc -f " + q(target) +
                      " --safe-journal=" + q(dir + "/runs.jsonl") + " app",
                  env);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK_FALSE(exists(target + ".partial"));
    CHECK_FALSE(exists(target + ".partial.failure.json"));
    std::string journal = read_file(dir + "/runs.jsonl");
    CHECK(journal.find("\"status\":\"published\"") != std::string::npos);
    CHECK(journal.find("removed stale partial file " + target + ".partial (11 bytes") !=
          std::string::npos);
    // with -v it is said on stderr
    write_file(target + ".partial", "half a dump");
    Result v = sh(q(wrapper()) + " -v -Fc -f " + q(target) + " app", env);
    CHECK(v.status == 0);
    CHECK(v.err.find("pg_dump-safe: removed stale partial file " + target + ".partial (11 bytes") !=
          std::string::npos);
}

TEST_CASE("a dump that fails verification is not published (truncated by a FAKE pg_dump)",
          "[faults]") {
    Env env = server_env("s15");
    std::string dir = workdir("fault-verify");
    std::string target = dir + "/app.dump";
    write_file(target, kGood);
    // FAKE pg_dump: runs the real one, then cuts the archive short and still exits 0 (a
    // pg_dump whose exit status was lost, or a disk that returned a short write).
    std::string fake = fake_pg_dump_cutting(dir + "/pg_dump", target + ".partial");
    Result r = sh(q(wrapper()) + " --safe-pg-dump=" + q(fake) + " --safe-pg-restore=" +
                      q(pg_bindir() + "/pg_restore") + " -Fc -f " + q(target) + " app",
                  env);
    CHECK(r.status == 3);
    CHECK(read_file(target) == kGood);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "verify-failed");
    CHECK_FALSE(f["detail"].empty());
    CHECK(exists(target + ".partial"));
}

TEST_CASE("arguments pg_dump rejects after our parse leave no file at all, like pg_dump",
          "[faults]") {
    // Found by the differential test (seed 4934430181218693042, case 82): pg_dump checks
    // --section values itself; the partial pg_dump-safe made must not stay behind.
    Env env = server_env("s15");
    std::string dir = workdir("fault-late-usage");
    Result r = sh(q(wrapper()) + " --section bogus -Fc -f out.dump app", env, dir);
    CHECK(r.status == 1);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "usage");
    CHECK(f["partial"] == "none");
    CHECK_FALSE(exists(dir + "/out.dump"));
    CHECK_FALSE(exists(dir + "/out.dump.partial"));
    CHECK_FALSE(exists(dir + "/out.dump.lock"));
}
