// Issue 15, direction 4: pg_restore -l runs on a thread of its own while the native verifier
// reads the partial, and the verdict is the one of the sequential order: a pg_restore -l
// failure first, then the native verifier's.
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace pdstest;

namespace {

const std::string kGood = "previous good dump: must survive byte for byte\n";

// A FAKE pg_restore: for -l it first writes how many threads pg_dump-safe (its parent) has
// to threads_file, then either runs the real pg_restore or fails.
std::string fake_pg_restore(const std::string& dir, const std::string& threads_file, bool fail) {
    const std::string fake = dir + "/pg_restore";
    write_file(fake, "#!/bin/sh\n"
                     "if [ \"$1\" = -l ]; then\n"
                     "  ls /proc/$PPID/task | wc -l > " +
                         q(threads_file) + "\n" +
                         (fail ? "  echo 'pg_restore: error: FAKE listing failure' >&2; exit 1\n"
                               : std::string()) +
                         "fi\n"
                         "exec " +
                         pg_bindir() + "/pg_restore \"$@\"\n");
    sh("chmod +x " + q(fake));
    return fake;
}

int threads_seen(const std::string& file) {
    const std::string text = read_file(file);
    return text.empty() ? 0 : std::stoi(text);
}

} // namespace

TEST_CASE("pg_restore -l runs beside the native verifier", "[verify-overlap]") {
    Env env = server_env("s15");
    const std::string dir = workdir("verify-overlap");
    const std::string threads = dir + "/threads";
    const std::string fake = fake_pg_restore(dir, threads, false);
    for (const char* level : {"structure", "full"}) {
        INFO("level " << level);
        sh("rm -f " + q(threads) + " " + q(dir + "/app.dump"));
        Result r = sh(q(wrapper()) + " --safe-verify=" + level + " --safe-pg-restore=" + q(fake) +
                          " -Fc -f " + q(dir + "/app.dump") + " app",
                      env);
        CHECK(r.status == 0);
        // Sequential, pg_dump-safe had one thread, waiting for pg_restore.
        CHECK(threads_seen(threads) >= 2);
        CHECK(exists(dir + "/app.dump"));
    }
}

TEST_CASE("pg_restore -l and the native verifier both fail: pg_restore -l's failure is "
          "reported, as in sequence",
          "[verify-overlap]") {
    Env env = server_env("s15");
    const std::string dir = workdir("verify-overlap-both");
    const std::string target = dir + "/app.dump";
    write_file(target, kGood);
    // FAKE pg_dump: the real one, then the archive cut short (the native verifier fails).
    const std::string fake_dump = fake_pg_dump_cutting(dir + "/pg_dump", target + ".partial");
    for (bool restore_fails : {true, false}) {
        INFO("pg_restore -l fails: " << restore_fails);
        sh("rm -f " + q(target + ".partial"));
        const std::string fake = fake_pg_restore(dir, dir + "/threads", restore_fails);
        Result r = sh(q(wrapper()) + " --safe-pg-dump=" + q(fake_dump) +
                          " --safe-pg-restore=" + q(fake) + " -Fc -f " + q(target) + " app",
                      env);
        CHECK(r.status == 3);
        CHECK(read_file(target) == kGood);
        const auto lines = lines_with(r.err, "[backup] FAILED ");
        INFO(r.err);
        REQUIRE(lines.size() == 1);
        auto f = fields(lines[0]);
        CHECK(f["reason"] == "verify-failed");
        if (restore_fails)
            CHECK(f["detail"] == "pg_restore -l: pg_restore: error: FAKE listing failure");
        else
            CHECK(f["detail"].rfind("pg_restore -l", 0) == std::string::npos);
        CHECK_FALSE(f["detail"].empty());
    }
}
