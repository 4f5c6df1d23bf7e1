// --safe-verify-follow (src/verify/follow.hpp): at full, a custom-format dump's data is
// decompressed while pg_dump writes it. End to end with the real pg_dump and pg_restore: the
// run publishes the same dump with the follower on and off, and a data byte that changes
// after the follower could read it (a FAKE pg_dump: the real one only rewrites its TOC) fails
// the run with the same FAILED line as without the follower, the final name untouched.
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace pdstest;

namespace {

// pg_dump-safe at full through the fake pg_dump that copies `source` as pg_dump would
// write it (fixtures/fake_pg_dump_rewrite.sh), changing the byte at `flip_at` (< 0: none)
// at the end.
Result fake_run(const std::string& dir, const std::string& source, long long flip_at,
                const std::string& target, const std::string& follow) {
    Env env = server_env("s15");
    env["FAKE_SOURCE"] = source;
    if (flip_at >= 0)
        env["FAKE_FLIP_AT"] = std::to_string(flip_at);
    return sh(q(wrapper()) + " --safe-pg-dump=" + q(PDS_FAKE_REWRITE) +
                  " --safe-pg-restore=" + q(pg_bindir() + "/pg_restore") +
                  " --safe-verify=full --safe-manifest=off --safe-verify-follow=" + follow +
                  " -Fc -f " + q(target) + " app",
              env, dir);
}

} // namespace

TEST_CASE("verify-follow: the real pg_dump's custom dump is published at full, on and off",
          "[verify-follow]") {
    Env env = server_env("s15");
    const std::string dir = workdir("verify-follow-real");
    for (const char* follow : {"on", "off"}) {
        const std::string target = dir + "/app-" + follow + ".dump";
        Result r = sh(q(wrapper()) + " --safe-verify=full --safe-verify-follow=" + follow +
                          " -Fc -Z6 -f " + q(target) + " app",
                      env, dir);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(r.err.empty());
        REQUIRE(sh(q(pg_bindir() + "/pg_restore") + " -f /dev/null " + q(target), env).status == 0);
    }
    CHECK(file_size(dir + "/app-on.dump") == file_size(dir + "/app-off.dump"));
}

TEST_CASE("verify-follow: a data byte changed after being written fails the run as without "
          "the follower",
          "[verify-follow]") {
    Env env = server_env("s15");
    const std::string dir = workdir("verify-follow-flip");
    const std::string source = dir + "/source.dump";
    REQUIRE(sh(q(pg_bindir() + "/pg_dump") + " -Fc -Z6 -f " + q(source) + " app", env).status == 0);
    const long long size = file_size(source);
    REQUIRE(size > 1000000); // the middle byte is in the compressed data of table big
    // Unchanged: published, byte for byte the source.
    Result ok = fake_run(dir, source, -1, dir + "/good.dump", "on");
    INFO(ok.err);
    REQUIRE(ok.status == 0);
    CHECK(read_file(dir + "/good.dump") == read_file(source));
    // Changed after the follower could read it: the same verify-failed line, on and off.
    std::map<std::string, std::map<std::string, std::string>> failed;
    for (const char* follow : {"on", "off"}) {
        const std::string target = dir + "/flip-" + follow + ".dump";
        write_file(target, "previous dump\n");
        Result r = fake_run(dir, source, size / 2, target, follow);
        INFO("follow " << follow << ": " << r.err);
        CHECK(r.status == 3);
        failed[follow] = the_failed_line(r);
        CHECK(failed[follow]["reason"] == "verify-failed");
        CHECK(read_file(target) == "previous dump\n");
    }
    CHECK(failed["on"]["detail"] == failed["off"]["detail"]);
    CHECK(failed["on"]["detail"].find("table public.big") != std::string::npos);
}

TEST_CASE("verify-follow: on by default - set by the command line or the environment - a bad value "
          "is a usage error",
          "[verify-follow]") {
    Result d = sh(q(wrapper()) + " --safe-show-config");
    INFO(d.out << d.err);
    CHECK(d.out.find("safe-verify-follow = on    # default") != std::string::npos);
    Result c = sh(q(wrapper()) + " --safe-verify-follow=off --safe-show-config");
    CHECK(c.out.find("safe-verify-follow = off    # --safe-verify-follow") != std::string::npos);
    Result e = sh("PG_DUMP_SAFE_VERIFY_FOLLOW=no " + q(wrapper()) + " --safe-show-config");
    CHECK(e.out.find("safe-verify-follow = no    # PG_DUMP_SAFE_VERIFY_FOLLOW") !=
          std::string::npos);
    Result bad = sh(q(wrapper()) + " --safe-verify-follow=sometimes --safe-show-config");
    CHECK(bad.status == 2);
    CHECK(bad.err.find("--safe-verify-follow") != std::string::npos);
}
