// remove_tree: never follows a link, even while another user swaps a directory for a link.
#include "posix/fd.hpp"
#include "posix/remove_tree.hpp"
#include "support.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace pds::posix;
using namespace pds::posix::test;

namespace {

bool exists(const std::string& p) {
    struct stat st {};
    return ::lstat(p.c_str(), &st) == 0;
}

int count_files(const std::string& dir) {
    int n = 0;
    for (const auto& e : boost::filesystem::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    return n;
}

} // namespace

TEST_CASE("remove_tree removes a tree of files - links and FIFOs without following links",
          "[posix]") {
    TempDir t;
    REQUIRE(::mkdir((t / "outside").c_str(), 0700) == 0);
    write_file(t / "outside/victim", "keep me");
    REQUIRE(::mkdir((t / "tree").c_str(), 0755) == 0);
    REQUIRE(::mkdir((t / "tree/a").c_str(), 0755) == 0);
    REQUIRE(::mkdir((t / "tree/a/b").c_str(), 0000) == 0); // root may still remove it
    write_file(t / "tree/a/file", "x");
    REQUIRE(::mkfifo((t / "tree/a/fifo").c_str(), 0600) == 0);
    REQUIRE(::symlink((t / "outside").c_str(), (t / "tree/dirlink").c_str()) == 0);
    REQUIRE(::symlink((t / "outside/victim").c_str(), (t / "tree/a/filelink").c_str()) == 0);
    const int rc = run_with_deadline([&] { return remove_tree(t / "tree") ? 0 : 1; }, 10);
    CHECK(rc == 0);
    CHECK_FALSE(exists(t / "tree"));
    CHECK(read_file(t / "outside/victim") == "keep me");
}

TEST_CASE("remove_tree on a link removes the link only and reports a missing path", "[posix]") {
    TempDir t;
    REQUIRE(::mkdir((t / "target").c_str(), 0755) == 0);
    write_file(t / "target/f", "x");
    REQUIRE(::symlink((t / "target").c_str(), (t / "link").c_str()) == 0);
    CHECK(remove_tree(t / "link"));
    CHECK(exists(t / "target/f"));
    CHECK_FALSE(exists(t / "link"));
    CHECK_FALSE(remove_tree(t / "link"));
    CHECK_FALSE(remove_tree(t / "nodir/x"));
    write_file(t / "plain", "x");
    CHECK(remove_tree(t / "plain"));
    CHECK_THROWS_WITH(remove_tree(t.path() + "/.."), Catch::Contains("not a single file name"));
}

TEST_CASE("remove_tree refuses another user's entry where asked", "[posix]") {
    TempDir t;
    REQUIRE(::mkdir((t / "planted").c_str(), 0777) == 0);
    write_file(t / "planted/f", "x");
    REQUIRE(::chown((t / "planted").c_str(), nobody_uid(), nogroup_gid()) == 0);
    try {
        remove_tree(t / "planted", {true});
        FAIL("removed another user's directory");
    } catch (const Error& e) {
        CHECK(e.code() == EPERM);
        CHECK_THAT(e.what(), Catch::StartsWith("refusing to remove " + (t / "planted") +
                                               ": it is owned by uid "));
    }
    CHECK(exists(t / "planted/f"));
    CHECK(remove_tree(t / "planted"));
}

// The attack of issue 13, finding 1: while root removes a planted tree, the unprivileged
// user "nobody" keeps exchanging a subdirectory with a symbolic link to a root-only directory
// (renameat2 RENAME_EXCHANGE). A path-based removal deletes files behind the link within a
// few attempts (boost::filesystem::remove_all 1.74 did within 1-70); remove_tree never does.
TEST_CASE("remove_tree deletes nothing behind a link swapped in while it runs", "[posix]") {
    TempDir t;
    REQUIRE(::mkdir((t / "secret").c_str(), 0700) == 0);
    for (int i = 0; i < 100; ++i)
        write_file(t / ("secret/v" + std::to_string(i)), "x");
    REQUIRE(::mkdir((t / "shared").c_str(), 01777) == 0);
    REQUIRE(::chmod((t / "shared").c_str(), 01777) == 0);

    const uid_t nobody = nobody_uid();
    const gid_t nogroup = nogroup_gid();
    int attempts = 0, errors = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until || attempts < 20) {
        ++attempts;
        // nobody plants shared/p/{subN/{f0..f9}, altN -> secret} (N < 8) and swaps each
        // subN with its altN in turn: many directory entries, many chances per attempt.
        const std::string p = t / "shared/p";
        const pid_t planter = ::fork();
        if (planter == 0) {
            if (::setgid(nogroup) != 0 || ::setuid(nobody) != 0)
                ::_exit(90);
            ::umask(0);
            if (::mkdir(p.c_str(), 0777) != 0)
                ::_exit(91);
            for (int k = 0; k < 8; ++k) {
                const std::string sub = p + "/sub" + std::to_string(k);
                if (::mkdir(sub.c_str(), 0777) != 0)
                    ::_exit(91);
                for (int i = 0; i < 10; ++i)
                    ::close(::open((sub + "/f" + std::to_string(i)).c_str(),
                                   O_WRONLY | O_CREAT | O_EXCL, 0666));
                if (::symlink((t / "secret").c_str(), (p + "/alt" + std::to_string(k)).c_str()))
                    ::_exit(92);
            }
            if (::symlink("x", (p + "/ready").c_str()) != 0)
                ::_exit(93);
            for (unsigned n = 0;; ++n) {
                const std::string k = std::to_string(n % 8);
                ::syscall(SYS_renameat2, AT_FDCWD, (p + "/sub" + k).c_str(), AT_FDCWD,
                          (p + "/alt" + k).c_str(), 2 /* RENAME_EXCHANGE */);
            }
        }
        REQUIRE(planter > 0);
        struct Reaper { // the attacker never outlives an attempt, whatever happens below
            pid_t pid;
            int& status;
            ~Reaper() {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
            }
        };
        int status = 0;
        {
            Reaper reaper{planter, status};
            // Wait until the tree is planted (alt exists), then remove it while swaps go on.
            for (int i = 0; i < 2000 && !exists(p + "/ready"); ++i)
                ::usleep(1000);
            ::usleep(5000); // let the swapping start
            try {
                remove_tree(p);
            } catch (const std::exception&) {
                ++errors; // a swap seen is an error, never a deletion elsewhere
            }
        }
        REQUIRE_FALSE((WIFEXITED(status) && WEXITSTATUS(status) >= 90));
        std::system(("rm -rf '" + p + "'").c_str());
        if (count_files(t / "secret") != 100)
            break;
    }
    INFO("attempts " << attempts << ", removals stopped by a swap " << errors);
    CHECK(count_files(t / "secret") == 100);
}
