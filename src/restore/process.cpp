#include "restore/process.hpp"

#include "exec/child.hpp"
#include "posix/open.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pds::restore {

RunAs server_user() {
    RunAs as;
    if (::geteuid() != 0)
        return as;
    errno = 0;
    struct passwd* pw = ::getpwnam("postgres");
    if (!pw)
        throw std::runtime_error("running as root, and there is no user 'postgres' to run the "
                                 "throwaway PostgreSQL server as (PostgreSQL refuses root)");
    as.switch_user = true;
    as.uid = pw->pw_uid;
    as.gid = pw->pw_gid;
    as.user = pw->pw_name;
    return as;
}

pid_t spawn(const SpawnSpec& spec) {
    std::vector<char*> argv;
    for (const auto& a : spec.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int execpipe[2];
    if (::pipe2(execpipe, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        ::close(execpipe[0]);
        ::close(execpipe[1]);
        throw std::runtime_error("cannot fork to run " + spec.argv[0] + ": " + std::strerror(e));
    }
    if (pid == 0) {
        auto die = [&](int e) {
            (void)!::write(execpipe[1], &e, sizeof e);
            ::_exit(127);
        };
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE})
            ::signal(s, SIG_DFL);
        if (spec.new_session)
            ::setsid();
        int devnull = posix::try_open("/dev/null", O_RDWR).release();
        const int in = spec.stdin_fd >= 0 ? spec.stdin_fd : devnull;
        const int out = spec.stdout_fd >= 0 ? spec.stdout_fd : devnull;
        const int err = spec.stderr_fd >= 0 ? spec.stderr_fd : out;
        if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
            die(errno);
        if (spec.as.switch_user) {
            if (::initgroups(spec.as.user.c_str(), spec.as.gid) != 0 ||
                ::setgid(spec.as.gid) != 0 || ::setuid(spec.as.uid) != 0)
                die(errno);
        }
        // After the switch of user: a credential change clears the parent-death signal.
        if (spec.die_with_parent) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent)
                ::_exit(128 + SIGTERM);
        }
        ::execv(argv[0], argv.data());
        die(errno);
    }
    ::close(execpipe[1]);
    int e = 0;
    ssize_t n;
    while ((n = ::read(execpipe[0], &e, sizeof e)) < 0 && errno == EINTR) {
    }
    ::close(execpipe[0]);
    if (n > 0) {
        int status;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw std::runtime_error("cannot run " + spec.argv[0] +
                                 (spec.as.switch_user ? " as user " + spec.as.user : "") + ": " +
                                 std::strerror(e));
    }
    return pid;
}

int wait_for(pid_t pid) {
    // Polled, so that a signal caught just before a blocking waitpid is never missed.
    int status = 0;
    int passed_on = 0;
    for (;;) {
        const int sig = exec::interrupted_by();
        if (sig != 0 && passed_on != sig) {
            ::kill(pid, sig);
            passed_on = sig;
        }
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        ::usleep(10000);
    }
}

bool reap(pid_t pid, int& status) {
    return ::waitpid(pid, &status, WNOHANG) == pid;
}

std::string describe_status(int status) {
    if (WIFEXITED(status))
        return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
               ::strsignal(WTERMSIG(status)) + ")";
    return "status " + std::to_string(status);
}

} // namespace pds::restore
