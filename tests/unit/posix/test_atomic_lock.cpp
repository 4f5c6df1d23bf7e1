// AtomicFile (O_EXCL temporary, fsync, rename, directory fsync, cleanup) and flock_bounded.
#include "posix/atomic_file.hpp"
#include "posix/lock.hpp"
#include "posix/open.hpp"
#include "support.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace pds::posix;
using namespace pds::posix::test;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : boost::filesystem::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

mode_t mode_of(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

} // namespace

TEST_CASE("AtomicFile replaces the file with the exact mode and leaves no temporary", "[posix]") {
    TempDir t;
    write_file(t / "out", "old");
    const mode_t old_umask = ::umask(077);
    {
        AtomicFile f(t / "out", 0640);
        CHECK(f.temp_path().rfind(t / ".out.tmp.", 0) == 0);
        CHECK(mode_of(f.temp_path()) == 0640); // fchmod: the umask 077 does not apply
        f.write("new ");
        f.write("content");
        CHECK(read_file(t / "out") == "old");
        f.commit();
    }
    ::umask(old_umask);
    CHECK(read_file(t / "out") == "new content");
    CHECK(mode_of(t / "out") == 0640);
    CHECK(names_in(t.path()) == std::vector<std::string>{"out"});
}

TEST_CASE("default_file_mode follows the umask", "[posix]") {
    const mode_t old = ::umask(027);
    CHECK(default_file_mode() == 0640);
    ::umask(002);
    CHECK(default_file_mode() == 0664);
    ::umask(old);
}

TEST_CASE("AtomicFile without commit removes its temporary and keeps the old file", "[posix]") {
    TempDir t;
    write_file(t / "out", "old");
    {
        AtomicFile f(t / "out", 0644);
        f.write("half");
    }
    CHECK(read_file(t / "out") == "old");
    CHECK(names_in(t.path()) == std::vector<std::string>{"out"});
}

TEST_CASE("AtomicFile replaces a planted symbolic link - never the file behind it", "[posix]") {
    TempDir t;
    write_file(t / "victim", "root only");
    REQUIRE(::symlink((t / "victim").c_str(), (t / "out").c_str()) == 0);
    write_file_atomically(t / "out", "ours", 0644);
    CHECK(read_file(t / "victim") == "root only");
    struct stat st {};
    REQUIRE(::lstat((t / "out").c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(read_file(t / "out") == "ours");
}

TEST_CASE("AtomicFile fails with the path named and removes the temporary when the rename fails",
          "[posix]") {
    TempDir t;
    REQUIRE(::mkdir((t / "out").c_str(), 0755) == 0);
    write_file(t / "out/keep", "x"); // a non-empty directory cannot be renamed over
    CHECK_THROWS_WITH(write_file_atomically(t / "out", "data", 0644),
                      Catch::StartsWith("could not rename " + (t / ".out.tmp.")) &&
                          Catch::Contains(" to " + (t / "out") + ": "));
    CHECK(names_in(t.path()) == std::vector<std::string>{"out"});
    CHECK_THROWS_WITH(AtomicFile(t / "missing/out", 0644), "could not open directory " +
                                                               (t / "missing") +
                                                               ": No such file or directory");
}

TEST_CASE("flock_bounded gives up after its timeout while another holder keeps the lock",
          "[posix]") {
    TempDir t;
    write_file(t / "lock", "");
    Fd holder = open_nofollow_regular(t / "lock", O_RDONLY);
    REQUIRE(::flock(holder.get(), LOCK_SH) == 0); // any reader can do this
    Fd waiter = open_nofollow_regular(t / "lock", O_RDONLY);
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(flock_bounded(waiter.get(), LOCK_EX, std::chrono::milliseconds(300), t / "lock"));
    const auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= std::chrono::milliseconds(300));
    CHECK(waited < std::chrono::seconds(3));
    CHECK(flock_bounded(waiter.get(), LOCK_SH, std::chrono::milliseconds(0), t / "lock"));
    ::flock(waiter.get(), LOCK_UN);
    ::flock(holder.get(), LOCK_UN);
    CHECK(flock_bounded(waiter.get(), LOCK_EX, std::chrono::milliseconds(0), t / "lock"));
    CHECK_THROWS_WITH(flock_bounded(-1, LOCK_EX, std::chrono::milliseconds(0), t / "lock"),
                      "could not lock " + (t / "lock") + ": Bad file descriptor");
}

TEST_CASE("flock_bounded takes the lock as soon as the holder lets go", "[posix]") {
    TempDir t;
    write_file(t / "lock", "");
    const pid_t pid = ::fork();
    if (pid == 0) {
        Fd h(::open((t / "lock").c_str(), O_RDONLY | O_CLOEXEC));
        ::flock(h.get(), LOCK_EX);
        ::usleep(300000);
        ::_exit(0);
    }
    ::usleep(100000);
    Fd w = open_nofollow_regular(t / "lock", O_RDONLY);
    const auto start = std::chrono::steady_clock::now();
    CHECK(flock_bounded(w.get(), LOCK_EX, std::chrono::seconds(20), t / "lock"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    ::waitpid(pid, nullptr, 0);
}
