// Issue 13, findings 4, 5, 8, 11 and 15 from the outside: the built pg_dump-safe against
// planted links and FIFOs, a world-writable or foreign config, flocks held by user "nobody"
// (runuser), hooks that hang or get a signal. Failed runs (no server at -h /nonexistent)
// reach every step that matters here: config, hooks, metrics, journal.
#include "harness.hpp"
#include "support/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <signal.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using pds::test::read_file_or_empty;

// /tmp/pds-hard-XXXXXX, mode 0755 (user nobody enters it).
struct Dir : pds::test::ScratchDir {
    Dir() : ScratchDir("pds-hard") {}
};

using pdstest::sh_merged; // stdout and stderr together in `out`; the exit status or 128+N

// A failing run (no server), the given wrapper options.
std::string failing_run(const Dir& d, const std::string& opts) {
    return std::string("timeout 60 ") + PDS_WRAPPER + " " + opts + " -h /nonexistent -f '" +
           (d / "x.dump") + "' nodb";
}

// Running (a zombie waiting for init to reap it counts as gone).
bool alive(const std::string& pidfile) {
    const std::string p = read_file_or_empty(pidfile);
    if (p.empty())
        return false;
    const std::string stat = read_file_or_empty("/proc/" + std::to_string(std::stoi(p)) + "/stat");
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

TEST_CASE("finding 8: a hanging hook is stopped after --safe-hook-timeout with its whole group",
          "[hardening]") {
    Dir d;
    std::string out;
    const auto t0 = std::chrono::steady_clock::now();
    const int rc =
        sh_merged(failing_run(d, "--safe-hook-timeout=2 --safe-on-failure='sleep 300 & echo "
                                 "$! > " +
                                     (d / "bg") + "; wait'"),
                  out);
    CHECK(rc == 1); // the run's own failure status (connection)
    CHECK(seconds_since(t0) < 20);
    CHECK(out.find("the on-failure hook did not finish within 2 s") != std::string::npos);
    CHECK(out.find("HOOK-FAILED hook=on-failure status=124") != std::string::npos);
    ::usleep(200000);
    CHECK_FALSE(alive(d / "bg")); // the hook's background child went with the group
}

TEST_CASE("finding 8: SIGTERM during a hook reaches its group and the run ends as SIGTERM (143)",
          "[hardening]") {
    Dir d;
    std::string out;
    const std::string run =
        failing_run(d, "--safe-on-failure='sleep 300 & echo $! > " + (d / "bg") + "; wait'");
    const int rc = sh_merged(run + " & p=$!; for i in $(seq 100); do [ -s '" + (d / "bg") +
                                 "' ] && break; sleep 0.1; done; kill -TERM $p; wait $p",
                             out);
    CHECK(rc == 143);
    ::usleep(200000);
    CHECK_FALSE(alive(d / "bg"));
}

TEST_CASE("finding 11: a config file that is a FIFO or a directory or writable by others or "
          "another user's is refused",
          "[hardening]") {
    Dir d;
    REQUIRE(::mkfifo((d / "fifo").c_str(), 0644) == 0);
    REQUIRE(::mkdir((d / "dir").c_str(), 0755) == 0);
    std::ofstream(d / "ww") << "on-failure = touch " << (d / "pwned") << "\n";
    REQUIRE(::chmod((d / "ww").c_str(), 0666) == 0);
    std::ofstream(d / "foreign") << "on-failure = touch " << (d / "pwned") << "\n";
    REQUIRE(std::system(("chown nobody '" + (d / "foreign") + "'").c_str()) == 0);
    std::ofstream(d / "ok") << "verify = full\n";
    const std::pair<const char*, const char*> cases[] = {
        {"fifo", "it is a FIFO, not a regular file"},
        {"dir", "it is a directory, not a regular file"},
        {"ww", "mode 0666 lets other users write it"},
        {"foreign", "it is owned by uid"}};
    for (const auto& [name, message] : cases) {
        CAPTURE(name);
        std::string out;
        const auto t0 = std::chrono::steady_clock::now();
        CHECK(sh_merged(failing_run(d, "--safe-config=" + (d / name)), out) == 2);
        CHECK(seconds_since(t0) < 20); // the FIFO never blocks
        CHECK(out.find(message) != std::string::npos);
    }
    std::string out;
    CHECK(
        sh_merged(std::string(PDS_WRAPPER) + " --safe-config=" + (d / "ok") + " --safe-show-config",
                  out) == 0);
    CHECK(::access((d / "pwned").c_str(), F_OK) != 0);
    // /dev/null is "no config file" (as `ssh -F /dev/null`), the one device accepted.
    CHECK(sh_merged(std::string(PDS_WRAPPER) + " --safe-config=/dev/null --safe-show-config",
                    out) == 0);
    CHECK(sh_merged(std::string(PDS_WRAPPER) + " --safe-config=/dev/zero --safe-show-config",
                    out) == 2);
    CHECK(out.find("not a regular file") != std::string::npos);
}

TEST_CASE("finding 4: the journal is never appended through a symbolic link", "[hardening]") {
    Dir d;
    REQUIRE(::mkdir((d / "secret").c_str(), 0700) == 0);
    std::ofstream(d / "secret/file") << "root only\n";
    REQUIRE(::symlink((d / "secret/file").c_str(), (d / "journal").c_str()) == 0);
    std::string out;
    sh_merged(failing_run(d, "--safe-journal=" + (d / "journal")), out);
    CHECK(read_file_or_empty(d / "secret/file") == "root only\n");
    CHECK(out.find("it is a symbolic link, not a regular file") != std::string::npos);
}

TEST_CASE("finding 5: FIFOs at the metrics and journal paths do not hang the run", "[hardening]") {
    Dir d;
    REQUIRE(::mkfifo((d / "m.prom").c_str(), 0666) == 0);
    REQUIRE(::mkfifo((d / "journal").c_str(), 0666) == 0);
    std::string out;
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(sh_merged(failing_run(d, "--safe-metrics-file=" + (d / "m.prom") +
                                       " --safe-journal=" + (d / "journal")),
                    out) == 1);
    CHECK(seconds_since(t0) < 20);
    CHECK(out.find("refusing " + (d / "m.prom") + ": it is a FIFO") != std::string::npos);
    CHECK(out.find("refusing " + (d / "journal") + ": it is a FIFO") != std::string::npos);
}

TEST_CASE("finding 5: a shared flock held by nobody on the metrics directory and the journal "
          "delays the run by the bounded wait only",
          "[hardening]") {
    Dir d;
    REQUIRE(::mkdir((d / "metrics").c_str(), 0755) == 0);
    std::ofstream(d / "journal") << "";
    REQUIRE(::chmod((d / "journal").c_str(), 0644) == 0);
    std::string out;
    const std::string hold = "runuser -u nobody -- flock -s '" + (d / "metrics") + "' flock -s '" +
                             (d / "journal") + "' sleep 120 & h=$!; sleep 1; ";
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = sh_merged(hold +
                                 failing_run(d, "--safe-metrics-file=" + (d / "metrics/m.prom") +
                                                    " --safe-journal=" + (d / "journal")) +
                                 "; rc=$?; kill $h; pkill -P $h; exit $rc",
                             out);
    const double took = seconds_since(t0);
    CHECK(rc == 1);
    CHECK(took >= 20); // two bounded waits of 10 s
    CHECK(took < 50);
    CHECK(out.find("could not lock metrics directory " + (d / "metrics") + " within 10 s") !=
          std::string::npos);
    CHECK(out.find("could not lock journal " + (d / "journal") + " within 10 s") !=
          std::string::npos);
}

TEST_CASE(
    "finding 15: Prometheus labels carry no raw control byte and the file mode follows the umask",
    "[hardening]") {
    Dir d;
    std::string out;
    const std::string name = d / "esc\x1b[2Jx.dump";
    sh_merged(std::string("umask 027; timeout 60 ") + PDS_WRAPPER + " --safe-metrics-file=" +
                  (d / "m.prom") + " -h /nonexistent -f '" + name + "' nodb",
              out);
    const std::string prom = read_file_or_empty(d / "m.prom");
    REQUIRE_FALSE(prom.empty());
    for (char c : prom)
        CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
    CHECK(prom.find("esc\\\\x1b[2Jx.dump") != std::string::npos);
    struct stat st {};
    REQUIRE(::stat((d / "m.prom").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
}
