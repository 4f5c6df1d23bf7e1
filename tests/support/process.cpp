#include "support/process.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <iostream>
#include <poll.h>
#include <pwd.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pds::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(const std::string& what, int err) {
    return what + ": " + std::strerror(err);
}

bool unset_matches(const std::vector<std::string>& unset, const std::string& name) {
    for (const std::string& u : unset) {
        if (!u.empty() && u.back() == '*') {
            if (name.compare(0, u.size() - 1, u, 0, u.size() - 1) == 0)
                return true;
        } else if (name == u)
            return true;
    }
    return false;
}

EnvMap child_env_map(const RunOptions& o) {
    EnvMap env;
    if (!o.clean_env)
        for (char** e = environ; e && *e; ++e) {
            const std::string s(*e);
            const auto eq = s.find('=');
            if (eq == std::string::npos || unset_matches(o.unset, s.substr(0, eq)))
                continue;
            env.emplace(s.substr(0, eq), s.substr(eq + 1));
        }
    for (const auto& [k, v] : o.env)
        env[k] = v;
    return env;
}

// argv[0] as an executable path: searched in PATH (the child's, then ours, then the system
// directories) when it has no '/'.
std::string resolve(const std::string& name, const EnvMap& env) {
    if (name.find('/') != std::string::npos)
        return name;
    std::string dirs;
    if (auto it = env.find("PATH"); it != env.end())
        dirs = it->second + ":";
    if (const char* p = std::getenv("PATH"))
        dirs += std::string(p) + ":";
    dirs += "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        std::size_t end = dirs.find(':', start);
        if (end == std::string::npos)
            end = dirs.size();
        const std::string dir = end == start ? "." : dirs.substr(start, end - start);
        const std::string path = dir + "/" + name;
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(path.c_str(), X_OK) == 0)
            return path;
        start = end + 1;
    }
    return name; // posix_spawn reports ENOENT
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (std::string& s : strings)
        out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

void close_fd(int& fd) {
    if (fd >= 0)
        ::close(fd);
    fd = -1;
}

// The descriptors a child gets as 0, 1 and 2, and what we read its output from.
struct Plumbing {
    int child[3] = {-1, -1, -1};
    int out_file = -1, err_file = -1; // captured through unlinked temporary files
    int out_pipe = -1;                // stdout_pipe: our end
    std::string error;

    void close_child() {
        for (int& fd : child)
            close_fd(fd);
    }
    void close_all() {
        close_child();
        close_fd(out_file);
        close_fd(err_file);
        close_fd(out_pipe);
    }
};

bool open_file(int& fd, const std::string& path, int flags, std::string& error) {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666); // less the umask, as `>file`
    if (fd < 0)
        error = errno_text("cannot open " + path, errno);
    return fd >= 0;
}

// An unlinked temporary file: ours is `mine`, the child's a second descriptor of it.
bool temp_file(int& mine, int& childs, std::string& error) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/pds-run-XXXXXX";
    mine = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (mine < 0) {
        error = errno_text("mkstemp " + tmpl, errno);
        return false;
    }
    ::unlink(tmpl.c_str());
    childs = ::fcntl(mine, F_DUPFD_CLOEXEC, 3);
    if (childs < 0)
        error = errno_text("dup", errno);
    return childs >= 0;
}

bool write_all(int fd, const std::string& data, std::string& error) {
    for (std::size_t off = 0; off < data.size();) {
        const ssize_t w = ::write(fd, data.data() + off, data.size() - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            error = errno_text("write", errno);
            return false;
        }
        off += static_cast<std::size_t>(w);
    }
    return true;
}

std::string read_from_start(int fd) {
    std::string s;
    char buf[65536];
    for (off_t off = 0;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        s.append(buf, static_cast<std::size_t>(n));
        off += n;
    }
    return s;
}

// Output is captured only with capture (spawn: /dev/null instead).
Plumbing plumb(const RunOptions& o, bool capture) {
    Plumbing p;
    auto fail = [&p] {
        p.close_all();
        return p;
    };
    if (o.input && capture) {
        int mine = -1;
        const bool ok = temp_file(mine, p.child[0], p.error) && write_all(mine, *o.input, p.error);
        close_fd(mine);
        if (!ok || ::lseek(p.child[0], 0, SEEK_SET) != 0)
            return fail();
    } else if (!open_file(p.child[0], "/dev/null", O_RDONLY, p.error))
        return fail();

    if (!o.stdout_file.empty()) {
        const int flags = O_WRONLY | O_CREAT | (o.stdout_append ? O_APPEND : O_TRUNC);
        if (!open_file(p.child[1], o.stdout_file, flags, p.error))
            return fail();
    } else if (capture && o.stdout_pipe) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            p.error = errno_text("pipe", errno);
            return fail();
        }
        p.out_pipe = fds[0], p.child[1] = fds[1];
    } else if (capture) {
        if (!temp_file(p.out_file, p.child[1], p.error))
            return fail();
    } else if (!open_file(p.child[1], "/dev/null", O_WRONLY, p.error))
        return fail();

    if (o.stderr_to_stdout || o.stderr_inherit) {
        p.child[2] = ::fcntl(o.stderr_inherit ? 2 : p.child[1], F_DUPFD_CLOEXEC, 3);
        if (p.child[2] < 0) {
            p.error = errno_text("dup", errno);
            return fail();
        }
    } else if (!o.stderr_file.empty()) {
        if (!open_file(p.child[2], o.stderr_file, O_WRONLY | O_CREAT | O_TRUNC, p.error))
            return fail();
    } else if (capture) {
        if (!temp_file(p.err_file, p.child[2], p.error))
            return fail();
    } else if (!open_file(p.child[2], "/dev/null", O_WRONLY, p.error))
        return fail();
    return p;
}

const int kDefaultSignals[] = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP,
                               SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2};

// posix_spawn of argv with the plumbing; the pid, or 0 with p.error set.
pid_t start(const std::vector<std::string>& argv_in, const RunOptions& o, Plumbing& p) {
    if (argv_in.empty()) {
        p.error = "empty argv";
        return 0;
    }
    const EnvMap env_map = child_env_map(o);
    std::vector<std::string> argv;
    if (!o.user.empty())
        argv = {resolve("runuser", env_map), "-u", o.user, "--"};
    argv.insert(argv.end(), argv_in.begin(), argv_in.end());
    std::string program = resolve(argv[0], env_map);
    if (!o.program.empty()) {
        if (o.user.empty())
            program = resolve(o.program, env_map);
        else
            argv[4] = o.program; // runuser runs it, argv[0] is its path
    }
    std::vector<std::string> env;
    for (const auto& [k, v] : env_map)
        env.push_back(k + "=" + v);
    std::vector<char*> argv_p = pointers(argv), env_p = pointers(env);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    for (int fd = 0; fd < 3; ++fd)
        posix_spawn_file_actions_adddup2(&fa, p.child[fd], fd);
    if (!o.cwd.empty())
        posix_spawn_file_actions_addchdir_np(&fa, o.cwd.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (int s : kDefaultSignals)
        sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (o.detach == RunOptions::Detach::Group) {
        flags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    } else if (o.detach == RunOptions::Detach::Session)
        flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attr, flags);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, program.c_str(), &fa, &attr, argv_p.data(), env_p.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    p.close_child();
    if (rc != 0) {
        p.error = "cannot start " + program + (o.cwd.empty() ? "" : " in " + o.cwd) + ": " +
                  std::strerror(rc);
        return 0;
    }
    return pid;
}

void kill_child(pid_t pid, const RunOptions& o) {
    if (o.detach != RunOptions::Detach::None)
        ::kill(-pid, SIGKILL); // its whole group or session
    ::kill(pid, SIGKILL);
}

void set_status(RunResult& r, int wstatus) {
    if (WIFEXITED(wstatus)) {
        r.status = WEXITSTATUS(wstatus);
    } else {
        r.signal = WTERMSIG(wstatus);
        r.status = 128 + r.signal;
    }
}

// Drains the stdout pipe, waits for pid (killing it at the deadline) and reads the captured
// output.
void collect(pid_t pid, const RunOptions& o, Plumbing& p, RunResult& r) {
    const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_seconds);
    auto left_ms = [&]() -> int {
        if (o.timeout_seconds <= 0)
            return -1;
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        return ms <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, 1 << 30));
    };
    char buf[65536];
    while (p.out_pipe >= 0) {
        const int ms = left_ms();
        if (ms == 0) {
            r.timed_out = true;
            break;
        }
        pollfd pfd{p.out_pipe, POLLIN, 0};
        const int ready = ::poll(&pfd, 1, ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            break;
        if (ready == 0)
            continue; // the deadline, seen above
        const ssize_t got = ::read(p.out_pipe, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        r.out.append(buf, static_cast<std::size_t>(got));
    }
    close_fd(p.out_pipe);
    if (r.timed_out)
        kill_child(pid, o);
    int wstatus = 0;
    int sleep_us = 200;
    for (;;) {
        const bool block = r.timed_out || o.timeout_seconds <= 0;
        const pid_t w = ::waitpid(pid, &wstatus, block ? 0 : WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            r.error = errno_text("waitpid", errno);
            p.close_all();
            return;
        }
        if (left_ms() == 0) {
            r.timed_out = true;
            kill_child(pid, o);
            continue;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
        sleep_us = std::min(sleep_us * 2, 10000);
    }
    if (r.timed_out && o.detach != RunOptions::Detach::None)
        ::kill(-pid, SIGKILL); // anything left in its group or session
    set_status(r, wstatus);
    if (p.out_file >= 0)
        r.out = read_from_start(p.out_file);
    if (p.err_file >= 0)
        r.err = read_from_start(p.err_file);
    p.close_all();
}

} // namespace

RunResult run(const std::vector<std::string>& argv, const RunOptions& opts) {
    RunResult r;
    Plumbing p = plumb(opts, true);
    if (!p.error.empty()) {
        r.error = p.error;
        return r;
    }
    const pid_t pid = start(argv, opts, p);
    if (pid == 0) {
        p.close_all();
        r.error = p.error;
        return r;
    }
    collect(pid, opts, p, r);
    return r;
}

RunResult run_sh(const std::string& script, const RunOptions& opts) {
    return run({"/bin/sh", "-c", script}, opts);
}

RunResult run_forked(const std::function<int()>& body, const RunOptions& opts) {
    RunResult r;
    uid_t uid = 0;
    gid_t gid = 0;
    if (!opts.user.empty()) {
        const passwd* pw = ::getpwnam(opts.user.c_str());
        if (pw == nullptr) {
            r.error = "no user '" + opts.user + "' on this machine";
            return r;
        }
        uid = pw->pw_uid, gid = pw->pw_gid;
    }
    Plumbing p = plumb(opts, true);
    if (!p.error.empty()) {
        r.error = p.error;
        return r;
    }
    std::fflush(nullptr);
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) {
        r.error = errno_text("fork", errno);
        p.close_all();
        return r;
    }
    if (pid == 0) {
        if (opts.detach == RunOptions::Detach::Group)
            ::setpgid(0, 0);
        else if (opts.detach == RunOptions::Detach::Session)
            ::setsid();
        for (int fd = 0; fd < 3; ++fd)
            if (::dup2(p.child[fd], fd) < 0)
                ::_exit(125);
        if (!opts.user.empty() &&
            (::setgroups(0, nullptr) != 0 || ::setresgid(gid, gid, gid) != 0 ||
             ::setresuid(uid, uid, uid) != 0)) {
            std::fprintf(stderr, "run_forked: cannot switch to user %s: %s\n", opts.user.c_str(),
                         std::strerror(errno));
            ::_exit(125);
        }
        int rc = 98;
        try {
            rc = body();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "run_forked: %s\n", e.what());
        } catch (...) {
        }
        std::cout.flush();
        std::cerr.flush();
        std::fflush(nullptr);
        ::_exit(rc);
    }
    p.close_child();
    collect(pid, opts, p, r);
    return r;
}

pid_t spawn(const std::vector<std::string>& argv, const RunOptions& opts) {
    Plumbing p = plumb(opts, false);
    if (!p.error.empty())
        throw std::runtime_error(p.error);
    const pid_t pid = start(argv, opts, p);
    p.close_all();
    if (pid == 0)
        throw std::runtime_error(p.error);
    return pid;
}

int wait_status(pid_t pid) {
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

EnvMap read_env_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    EnvMap env;
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos)
            env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

EnvMap server_env(const std::string& name) {
    const std::string path = std::string(PDS_PGTEST_ROOT) + "/" + name + "/env";
    std::ifstream in(path);
    if (!in)
        FAIL("test server '" << name << "' is not running: " << path
                             << " missing (its CTest fixture failed or was not run)");
    return read_env_file(path);
}

} // namespace pds::test
