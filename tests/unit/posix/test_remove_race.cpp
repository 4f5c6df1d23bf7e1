// Issue 13, finding 1, with a control that proves the test can fail. The unprivileged user
// "nobody" plants p/{sub/, alt -> secret} in a sticky shared directory and keeps exchanging
// sub and alt (renameat2 RENAME_EXCHANGE). Root then removes p:
//   - the CONTROL with boost::filesystem::remove_all (Boost 1.74, path based: it lstats
//     p/sub, then opendir()s and unlinks by path), which must lose: delete files of the
//     root-only directory behind the link, at least once;
//   - posix::remove_tree (fstatat, then openat(O_NOFOLLOW|O_DIRECTORY) and unlinkat relative
//     to the directory descriptor), which must never lose.
// Left to the scheduler, whether the swap lands between the check and the use depends on the
// machine's load (on 2 busy cores it may not within seconds). So the window is WIDENED, the
// same way for both: this test program interposes opendir() (called by Boost's
// directory_iterator) and openat() (called by remove_tree), and for the attacked name only
// waits, before the real call, until the attacker's swap has put the link there (bounded).
// Every widened attempt therefore runs the real code with the attack inside its window,
// whatever the load. The unwidened control's figures are printed, not asserted.
#include "posix/remove_tree.hpp"
#include "support.hpp"

#include <atomic>
#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace pds::posix::test;

namespace {

enum class Widen { none, opendir_of_target, openat_of_target };
std::atomic<Widen> g_widen{Widen::none};
std::string g_target_path;               // opendir: the attacked directory's path
const char* const g_target_name = "sub"; // openat: its name relative to p
std::atomic<int> g_forced{0};            // widened calls that saw the link before the real call

// Waits (at most 2 s) until `check` says the attacker has swapped the link in.
template <class F> bool wait_for_link(F check) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < until) {
        if (check())
            return true;
        ::usleep(50);
    }
    return false;
}

} // namespace

// The interposers: the executable's definitions win over libc's for Boost's shared library
// (through its PLT) and for pds_posix (linked into this program).
extern "C" DIR* opendir(const char* name) {
    using Fn = DIR* (*)(const char*);
    static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "opendir"));
    if (g_widen.load() == Widen::opendir_of_target && g_target_path == name && wait_for_link([&] {
            struct stat st {};
            return ::lstat(name, &st) == 0 && S_ISLNK(st.st_mode);
        }))
        ++g_forced;
    return real(name);
}

extern "C" int openat(int dirfd, const char* name, int flags, ...) {
    mode_t mode = 0;
    if (flags & (O_CREAT | __O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = static_cast<mode_t>(va_arg(ap, unsigned));
        va_end(ap);
    }
    using Fn = int (*)(int, const char*, int, ...);
    static const Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "openat"));
    if (g_widen.load() == Widen::openat_of_target && (flags & O_DIRECTORY) &&
        std::strcmp(name, g_target_name) == 0 && wait_for_link([&] {
            struct stat st {};
            return ::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
        }))
        ++g_forced;
    return real(dirfd, name, flags, mode);
}

namespace {

int count_files(const std::string& dir) {
    int n = 0;
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (const dirent* e = ::readdir(d))
        n += e->d_name[0] != '.';
    ::closedir(d);
    return n;
}

struct Arena {
    TempDir t;
    std::string secret = t / "secret", p = t / "shared/p";
    Arena() {
        REQUIRE(::mkdir(secret.c_str(), 0700) == 0);
        refill();
        REQUIRE(::mkdir((t / "shared").c_str(), 01777) == 0);
        REQUIRE(::chmod((t / "shared").c_str(), 01777) == 0);
    }
    void refill() {
        for (int i = 0; i < 100; ++i)
            write_file(secret + "/v" + std::to_string(i), "x");
    }
};

// nobody plants p/{sub/{f0..f19}, alt -> secret} and swaps sub and alt until killed.
pid_t start_attacker(const Arena& a) {
    const uid_t nobody = nobody_uid();
    const gid_t nogroup = nogroup_gid();
    const pid_t pid = ::fork();
    if (pid == 0) {
        g_widen = Widen::none;
        if (::setgid(nogroup) != 0 || ::setuid(nobody) != 0)
            ::_exit(90);
        ::umask(0);
        const std::string sub = a.p + "/sub", alt = a.p + "/alt";
        if (::mkdir(a.p.c_str(), 0777) != 0 || ::mkdir(sub.c_str(), 0777) != 0)
            ::_exit(91);
        for (int i = 0; i < 20; ++i)
            ::close(static_cast<int>(::syscall(SYS_openat, AT_FDCWD,
                                               (sub + "/f" + std::to_string(i)).c_str(),
                                               O_WRONLY | O_CREAT | O_EXCL, 0666)));
        if (::symlink(a.secret.c_str(), alt.c_str()) != 0 ||
            ::symlink("x", (a.p + "/.ready").c_str()) != 0)
            ::_exit(92);
        for (;;)
            ::syscall(SYS_renameat2, AT_FDCWD, sub.c_str(), AT_FDCWD, alt.c_str(),
                      2 /* RENAME_EXCHANGE */);
    }
    REQUIRE(pid > 0);
    struct stat st {};
    for (int i = 0; i < 5000 && ::lstat((a.p + "/.ready").c_str(), &st) != 0; ++i)
        ::usleep(1000);
    return pid;
}

void stop_attacker(pid_t pid) {
    int status = 0;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    REQUIRE_FALSE((WIFEXITED(status) && WEXITSTATUS(status) >= 90));
}

struct Tally {
    int attempts = 0, lost_attempts = 0, files_lost = 0, forced = 0, refused = 0;
};

// One attempt: plant, attack, remove with `remover` (widened as asked), count the damage.
void attempt(Arena& a, Widen widen, const std::function<void()>& remover, Tally& t) {
    const pid_t attacker = start_attacker(a);
    g_target_path = a.p + "/sub";
    g_forced = 0;
    g_widen = widen;
    try {
        remover();
    } catch (const std::exception&) {
        ++t.refused; // remove_tree: a swap seen is an error, never a deletion elsewhere
    }
    g_widen = Widen::none;
    stop_attacker(attacker);
    ++t.attempts;
    t.forced += g_forced.load();
    const int lost = 100 - count_files(a.secret);
    if (lost > 0) {
        ++t.lost_attempts;
        t.files_lost += lost;
        a.refill();
    }
    pds::posix::remove_tree(a.p); // the attacker is gone: nothing races this cleanup
}

void boost_remove_all(const std::string& p) {
    boost::system::error_code ec; // Boost reports some races as errors and goes on with others
    boost::filesystem::remove_all(p, ec);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

} // namespace

TEST_CASE("race control: boost::filesystem::remove_all loses to the swapping attacker - "
          "remove_tree never does (widened window)",
          "[posix][race]") {
    Arena a;
    // 1. The control, widened: must lose at least once (bounded: 20 s or 200 attempts).
    Tally control;
    auto t0 = std::chrono::steady_clock::now();
    while (control.lost_attempts == 0 && seconds_since(t0) < 20 && control.attempts < 200)
        attempt(
            a, Widen::opendir_of_target, [&] { boost_remove_all(a.p); }, control);
    std::printf("control (boost remove_all, widened): %d attempts, %d lost (%d victim files "
                "deleted), %d widened windows, %.1f s\n",
                control.attempts, control.lost_attempts, control.files_lost, control.forced,
                seconds_since(t0));
    CHECK(control.lost_attempts >= 1);

    // 2. remove_tree with the same attacker and the same widening: never loses; the window
    // was really hit (the link was in place when remove_tree opened the name).
    Tally ours;
    t0 = std::chrono::steady_clock::now();
    while ((ours.forced < 20 || ours.attempts < 20) && seconds_since(t0) < 20)
        attempt(
            a, Widen::openat_of_target, [&] { pds::posix::remove_tree(a.p); }, ours);
    std::printf("remove_tree (widened): %d attempts, %d lost, %d widened windows, %d removals "
                "stopped by a swap, %.1f s\n",
                ours.attempts, ours.lost_attempts, ours.forced, ours.refused, seconds_since(t0));
    CHECK(ours.forced >= 10);
    CHECK(ours.lost_attempts == 0);
    CHECK(count_files(a.secret) == 100);

    // 3. Figures only: the control without widening, as the scheduler lets it race (3 s).
    Tally plain;
    t0 = std::chrono::steady_clock::now();
    while (seconds_since(t0) < 3)
        attempt(
            a, Widen::none, [&] { boost_remove_all(a.p); }, plain);
    std::printf("control (boost remove_all, not widened): %d attempts, %d lost (%d victim files "
                "deleted), %.1f s\n",
                plain.attempts, plain.lost_attempts, plain.files_lost, seconds_since(t0));
}
