// Crash-point injection and random SIGKILLs: whatever step pg_dump-safe dies at, the final
// name holds either the previous good dump, byte for byte, or the new complete one, never
// anything else; and the next run starts cleanly (stale partial logged and replaced, lock
// released).
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <random>
#include <thread>

using namespace pdstest;

namespace {

std::string crashtest() {
    return PDS_CRASHTEST;
}

// A file's bytes, or a directory's files with their checksums.
std::string snapshot(const std::string& path) {
    Result r = sh("if [ -d " + q(path) + " ]; then cd " + q(path) +
                  " && find . -type f -print0 | sort -z | xargs -0 sha256sum; "
                  "elif [ -e " +
                  q(path) + " ]; then sha256sum < " + q(path) + "; else echo ABSENT; fi");
    REQUIRE(r.status == 0);
    return r.out;
}

// The new dump (all of database app) is complete: pg_restore reads every byte of it (or,
// for plain format, the trailer is there), independently of pg_dump-safe's own verifier.
bool complete_new(const std::string& path, char fmt) {
    if (fmt == 'p') {
        std::string text = read_file(path);
        return text.find("COPY public.big") != std::string::npos &&
               text.find("-- PostgreSQL database dump complete") != std::string::npos;
    }
    Result list = sh("pg_restore -l " + q(path));
    Result full = sh("pg_restore -f /dev/null " + q(path));
    return list.status == 0 && full.status == 0 &&
           list.out.find("TABLE DATA public big") != std::string::npos;
}

std::string dump_args(char fmt, const std::string& target) {
    return std::string("-F") + fmt + " -f " + q(target);
}

struct Point {
    const char* name;
    bool published; // the crash comes after the rename
    const char* extra = "";
};

const Point kPoints[] = {
    {"after-partial", false},
    {"mid-dump", false},
    {"after-dump", false},
    {"mid-verify", false},
    {"after-verify", false},
    {"after-fsync", false},
    {"after-rename", true},
    {"before-success-hook", true, " --safe-on-success=true"},
    {"before-retention", true, " --safe-keep-last=3"},
};

void crash_every_point(char fmt) {
    Env env = server_env("s15");
    std::string dir = workdir(std::string("crash-") + fmt);
    std::string final_path = dir + "/app." + fmt;
    for (const Point& p : kPoints) {
        INFO("format " << fmt << ", crash point " << p.name);
        // The previous good dump: table "small" only, published by the release program.
        // pg_dump -Fd refuses an existing directory, and so does pg_dump-safe: for the
        // directory format "previous" is no dump at all, which must stay so.
        if (fmt == 'd') {
            REQUIRE(sh("rm -rf " + q(final_path)).status == 0);
        } else {
            Result prev =
                sh(q(wrapper()) + " -t small " + dump_args(fmt, final_path) + " app", env);
            REQUIRE(prev.status == 0);
        }
        const std::string before = snapshot(final_path);

        Env crash_env = env;
        crash_env["PG_DUMP_SAFE_TEST_CRASH_AT"] = p.name;
        Result c =
            sh(q(crashtest()) + " " + dump_args(fmt, final_path) + p.extra + " app", crash_env);
        INFO(c.err);
        REQUIRE(c.status == 128 + SIGKILL); // it did reach the point and die there
        REQUIRE(c.err.find(std::string("crashing at ") + p.name) != std::string::npos);
        if (p.published) {
            CHECK(snapshot(final_path) != before);
            CHECK(complete_new(final_path, fmt));
        } else {
            CHECK(snapshot(final_path) == before);
        }

        // The release program ignores the variable and starts cleanly.
        if (fmt == 'd' && p.published)
            REQUIRE(sh("rm -rf " + q(final_path)).status == 0);
        Result next = sh(q(wrapper()) + " -v " + dump_args(fmt, final_path) + " app", crash_env);
        INFO(next.err);
        CHECK(next.status == 0);
        CHECK(lines_with(next.err, "[backup] FAILED").empty());
        if (!p.published)
            CHECK(next.err.find("pg_dump-safe: removed stale partial ") != std::string::npos);
        CHECK(complete_new(final_path, fmt));
        CHECK_FALSE(exists(final_path + ".partial"));
        CHECK_FALSE(exists(final_path + ".lock"));
    }
}

} // namespace

TEST_CASE("crash at every step, custom format", "[crash]") {
    crash_every_point('c');
}
TEST_CASE("crash at every step, directory format", "[crash]") {
    crash_every_point('d');
}
TEST_CASE("crash at every step, tar format", "[crash]") {
    crash_every_point('t');
}
TEST_CASE("crash at every step, plain format", "[crash]") {
    crash_every_point('p');
}

TEST_CASE("a crash in the failure hook leaves the previous dump and no partial", "[crash]") {
    Env env = server_env("s15");
    std::string dir = workdir("crash-failure-hook");
    std::string final_path = dir + "/app.dump";
    REQUIRE(sh(q(wrapper()) + " -Fc -f " + q(final_path) + " app", env).status == 0);
    const std::string before = snapshot(final_path);
    Env crash_env = env;
    crash_env["PG_DUMP_SAFE_TEST_CRASH_AT"] = "before-failure-hook";
    Result c = sh(q(crashtest()) + " -Fc -f " + q(final_path) + " --safe-on-failure=true nosuchdb",
                  crash_env);
    INFO(c.err);
    REQUIRE(c.status == 128 + SIGKILL);
    CHECK(lines_with(c.err, "[backup] FAILED").size() == 1); // printed before the hook
    CHECK(snapshot(final_path) == before);
    Result next = sh(q(wrapper()) + " -Fc -f " + q(final_path) + " app", env);
    CHECK(next.status == 0);
    CHECK_FALSE(exists(final_path + ".lock"));
}

namespace {

void kill_at_random_times(char fmt) {
    Env env = server_env("s15");
    std::string dir = workdir(std::string("crash-random-") + fmt);
    const char* seed_env = std::getenv("PDS_CRASH_SEED");
    const unsigned seed = seed_env ? static_cast<unsigned>(std::stoul(seed_env))
                                   : static_cast<unsigned>(std::random_device{}());
    std::cout << "random SIGKILL loop, format " << fmt << ": PDS_CRASH_SEED=" << seed << std::endl;
    INFO("replay with PDS_CRASH_SEED=" << seed);
    std::mt19937 rng(seed);
    std::string final_path = dir + "/app." + fmt;
    // pg_dump -Fd refuses an existing directory: each directory run starts without one.
    const std::string clear = fmt == 'd' ? "rm -rf " + q(final_path) + "; " : "";
    // How long one run takes, to spread the kills over all of it.
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE(sh(q(wrapper()) + " " + dump_args(fmt, final_path) + " app", env).status == 0);
    auto run_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::uniform_int_distribution<long> delay(0, run_ms + run_ms / 5);
    // Matches pg_dump's command line but not the pgrep's own shell's.
    std::string partial_re = final_path + "[.]partial";
    int published = 0, kept = 0;
    for (int i = 0; i < 30; ++i) {
        INFO("format " << fmt << ", iteration " << i);
        if (!clear.empty())
            REQUIRE(sh(clear).status == 0);
        const std::string before = snapshot(final_path);
        pid_t pid = spawn_sh("exec " + q(wrapper()) + " " + dump_args(fmt, final_path) + " app",
                             env, dir + "/out.txt", dir + "/err.txt");
        std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
        ::kill(pid, SIGKILL);
        int status = wait_status(pid);
        const std::string after = snapshot(final_path);
        if (after == before) {
            ++kept;
        } else {
            INFO("final changed: status " << status << ", stderr: " << read_file(dir + "/err.txt"));
            CHECK(complete_new(final_path, fmt));
            ++published;
        }
        // pg_dump must not outlive a killed pg_dump-safe (it would write into the next
        // run's partial).
        CHECK(wait_until([&] { return sh("pgrep -f -- " + q(partial_re)).status != 0; },
                         std::chrono::seconds(5)));
    }
    std::cout << "format " << fmt << ": 30 kills, final unchanged " << kept << ", new dump "
              << published << std::endl;
    if (!clear.empty())
        REQUIRE(sh(clear).status == 0);
    Result next = sh(q(wrapper()) + " " + dump_args(fmt, final_path) + " app", env);
    INFO(next.err);
    CHECK(next.status == 0);
    CHECK(complete_new(final_path, fmt));
    CHECK_FALSE(exists(final_path + ".partial"));
    CHECK_FALSE(exists(final_path + ".lock"));
}

} // namespace

TEST_CASE("SIGKILL at 30 random times, custom format", "[crash]") {
    kill_at_random_times('c');
}
TEST_CASE("SIGKILL at 30 random times, directory format", "[crash]") {
    kill_at_random_times('d');
}
