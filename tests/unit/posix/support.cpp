#include "support.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace pds::posix::test {

TempDir::TempDir() {
    char tmpl[] = "/tmp/pds-posix-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
        throw std::runtime_error("mkdtemp failed");
    path = tmpl;
    ::chmod(tmpl, 0755);
}

TempDir::~TempDir() {
    if (std::uncaught_exceptions() == 0)
        std::system(("rm -rf '" + path + "'").c_str());
}

uid_t nobody_uid() {
    const passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr)
        throw std::runtime_error("no user 'nobody' on this machine");
    return pw->pw_uid;
}

gid_t nogroup_gid() {
    const group* gr = ::getgrnam("nogroup");
    if (gr == nullptr)
        throw std::runtime_error("no group 'nogroup' on this machine");
    return gr->gr_gid;
}

int run_with_deadline(const std::function<int()>& fn, int seconds) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        int rc = 99;
        try {
            rc = fn();
        } catch (...) {
            rc = 98;
        }
        ::_exit(rc);
    }
    for (int i = 0; i < seconds * 100; ++i) {
        int status = 0;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return -1;
}

} // namespace pds::posix::test
