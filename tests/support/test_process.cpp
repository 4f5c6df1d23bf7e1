// The tests' one process runner (process.hpp) against real programs: what every other test
// relies on when it reads a status, an output or a timeout.
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace pds::test;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

TEST_CASE("run: exit status, signal, stdout and stderr apart or merged", "[support]") {
    RunResult r = run_sh("echo out; echo err >&2; exit 3");
    CHECK(r.error.empty());
    CHECK(r.status == 3);
    CHECK(r.signal == 0);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");

    r = run_sh("kill -TERM $$");
    CHECK(r.status == 128 + SIGTERM);
    CHECK(r.signal == SIGTERM);

    RunOptions merged;
    merged.stderr_to_stdout = true;
    r = run_sh("echo a; echo b >&2; echo c", merged);
    CHECK(r.out == "a\nb\nc\n");
    CHECK(r.err.empty());

    r = run({"printf", "%s|", "a b", "it's"});
    CHECK(r.status == 0);
    CHECK(r.out == "a b|it's|");

    r = run({"/nonexistent/program"});
    CHECK(r.status == -1);
    CHECK(r.error.find("/nonexistent/program") != std::string::npos);
}

TEST_CASE("run: environment added, unset by name and prefix, or clean", "[support]") {
    ::setenv("PDS_RUNNER_A", "1", 1);
    ::setenv("PDS_RUNNER_B", "2", 1);
    RunOptions o;
    o.env = {{"PDS_RUNNER_C", "3"}, {"PDS_RUNNER_B", "two"}};
    CHECK(run_sh("echo $PDS_RUNNER_A$PDS_RUNNER_B$PDS_RUNNER_C", o).out == "1two3\n");
    o.unset = {"PDS_RUNNER_A"};
    CHECK(run_sh("echo ${PDS_RUNNER_A-unset}", o).out == "unset\n");
    o.unset = {"PDS_RUNNER_*"};
    o.env = {};
    CHECK(run_sh("echo ${PDS_RUNNER_A-x}${PDS_RUNNER_B-y}", o).out == "xy\n");
    RunOptions clean;
    clean.clean_env = true;
    clean.env = {{"ONLY", "this"}};
    CHECK(run({"env"}, clean).out == "ONLY=this\n");
    ::unsetenv("PDS_RUNNER_A");
    ::unsetenv("PDS_RUNNER_B");
}

TEST_CASE("run: stdin, working directory and output files", "[support]") {
    ScratchDir d("pds-runner");
    RunOptions o;
    CHECK(run({"cat"}, o).out.empty()); // /dev/null by default
    o.input = std::string("line 1\nline 2\n");
    CHECK(run({"cat"}, o).out == "line 1\nline 2\n");
    o = {};
    o.cwd = d.path();
    CHECK(run({"pwd"}, o).out == d.path() + "\n");
    o.stdout_file = d / "out";
    o.stderr_file = d / "err";
    const RunResult r = run_sh("echo to-out; echo to-err >&2", o);
    CHECK(r.out.empty());
    CHECK(read_file(d / "out") == "to-out\n");
    CHECK(read_file(d / "err") == "to-err\n");
    o.stdout_append = true;
    run_sh("echo again", o);
    CHECK(read_file(d / "out") == "to-out\nagain\n");
    o = {};
    o.cwd = d / "missing";
    CHECK(run({"true"}, o).error.find("missing") != std::string::npos);
}

TEST_CASE("run: a timeout kills the child's group - a background child holds no run", "[support]") {
    RunOptions o;
    o.timeout_seconds = 1;
    o.detach = RunOptions::Detach::Group;
    auto start = std::chrono::steady_clock::now();
    RunResult r = run_sh("sleep 30 & sleep 30", o);
    CHECK(r.timed_out);
    CHECK(r.status == 128 + SIGKILL);
    CHECK(seconds_since(start) < 10);

    // Captured output is a file, as with `>file`: the run ends with the shell.
    start = std::chrono::steady_clock::now();
    r = run_sh("sleep 30 & echo done");
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "done\n");
    CHECK(seconds_since(start) < 10);

    // stdout_pipe reads to the end of the pipe, which the background child holds open.
    o = {};
    o.stdout_pipe = true;
    o.timeout_seconds = 1;
    o.detach = RunOptions::Detach::Session;
    start = std::chrono::steady_clock::now();
    r = run_sh("[ -p /dev/stdout ] && echo pipe; sleep 30 & exit 0", o);
    CHECK(r.timed_out);
    CHECK(r.out == "pipe\n");
    CHECK(seconds_since(start) < 10);
}

TEST_CASE("run and run_forked as another user", "[support]") {
    const passwd* pw = ::getpwnam("nobody");
    REQUIRE(pw != nullptr);
    const uid_t nobody = pw->pw_uid;
    REQUIRE(::geteuid() == 0); // the tests run as root, as CI does
    RunOptions o;
    o.user = "nobody";
    RunResult r = run({"id", "-u"}, o);
    INFO(r.err << r.error);
    CHECK(r.out == std::to_string(nobody) + "\n");

    r = run_forked(
        [] {
            std::printf("%u\n", static_cast<unsigned>(::geteuid()));
            return 7;
        },
        o);
    CHECK(r.status == 7);
    CHECK(r.out == std::to_string(nobody) + "\n");
}

TEST_CASE("run_forked: the body's status, an exception, a timeout", "[support]") {
    CHECK(run_forked([] { return 5; }).status == 5);
    const RunResult thrown = run_forked([]() -> int { throw std::runtime_error("boom"); });
    CHECK(thrown.status == 98);
    CHECK(thrown.err.find("boom") != std::string::npos);
    RunOptions o;
    o.timeout_seconds = 1;
    const RunResult hung = run_forked(
        [] {
            ::pause();
            return 0;
        },
        o);
    CHECK(hung.timed_out);
    CHECK(hung.signal == SIGKILL);
}

TEST_CASE("spawn and wait_status - shell_quote", "[support]") {
    ScratchDir d("pds-runner");
    RunOptions o;
    o.stdout_file = d / "out";
    const pid_t pid = spawn({"/bin/sh", "-c", "echo bg; exit 4"}, o);
    CHECK(wait_status(pid) == 4);
    CHECK(read_file(d / "out") == "bg\n");
    const std::string odd = "a'b \"c\" $d\n";
    CHECK(run_sh("printf %s " + shell_quote(odd)).out == odd);
}
