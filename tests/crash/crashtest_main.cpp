// pg_dump-safe-crashtest: pg_dump-safe with crash points armed, for tests only (never
// installed). PG_DUMP_SAFE_TEST_CRASH_AT=POINT makes it SIGKILL itself at that step (see
// src/testing/crash_point.hpp); "mid-dump" kills it while pg_dump is writing the partial,
// once the partial holds data.
#include "main/entry.hpp"
#include "testing/crash_point.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace {

std::string g_target;

[[noreturn]] void die(const char* point) {
    std::string msg = std::string("pg_dump-safe-crashtest: crashing at ") + point + "\n";
    (void)!::write(2, msg.data(), msg.size());
    ::kill(::getpid(), SIGKILL);
    ::pause();
    std::abort();
}

// Bytes in a file, or in the largest file of a directory.
long long holds(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return st.st_size;
    long long best = 0;
    if (DIR* d = ::opendir(path.c_str())) {
        while (dirent* e = ::readdir(d)) {
            struct stat f {};
            std::string p = path + "/" + e->d_name;
            if (::stat(p.c_str(), &f) == 0 && S_ISREG(f.st_mode) && f.st_size > best)
                best = f.st_size;
        }
        ::closedir(d);
    }
    return best;
}

void handler(const char* point, const std::string& path) {
    if (g_target == point)
        die(point);
    if (g_target == "mid-dump" && std::strcmp(point, "dump-started") == 0) {
        std::thread([path] {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (holds(path) == 0 && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            die("mid-dump");
        }).detach();
    }
}

} // namespace

int main(int argc, char** argv) {
    if (const char* at = std::getenv("PG_DUMP_SAFE_TEST_CRASH_AT")) {
        g_target = at;
        pds::testing::set_crash_handler(handler);
    }
    return pds::main_entry(argc, argv);
}
