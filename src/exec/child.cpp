#include "exec/child.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace pds::exec {
namespace {

// Signal handlers can only reach globals; these two are the whole shared state.
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_interrupted = 0;
volatile sig_atomic_t g_signal_count = 0;

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP};
constexpr size_t kTailBytes = 64 * 1024;

extern "C" void on_signal(int sig) {
    if (g_interrupted == 0)
        g_interrupted = sig;
    g_signal_count = g_signal_count + 1;
    pid_t child = static_cast<pid_t>(g_child); // negative: a process group (hooks)
    if (child != 0)
        ::kill(child, sig);
}

void write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; // our stderr is gone; the tail is still kept for the report
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

std::vector<std::string> merged_environment(const std::vector<std::string>& extra,
                                            const std::vector<std::string>& unset) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string s(*e);
        env[s.substr(0, s.find('='))] = s;
    }
    for (const auto& s : extra)
        env[s.substr(0, s.find('='))] = s;
    for (const auto& name : unset)
        env.erase(name);
    std::vector<std::string> out;
    for (auto& [k, v] : env)
        out.push_back(v);
    return out;
}

} // namespace

SignalForwarding::SignalForwarding() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: blocking reads return EINTR and re-check state
    for (int s : kForwarded)
        ::sigaction(s, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

SignalForwarding::~SignalForwarding() {
    for (int s : kForwarded)
        ::signal(s, SIG_DFL);
}

int interrupted_by() {
    return g_interrupted;
}

void die_by_signal(int sig) {
    ::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);
}

ChildResult run_child(const ChildSpec& spec) {
    ChildResult r;
    int errpipe[2] = {-1, -1};
    bool piped = spec.capture_stderr || !spec.pass_stderr;
    if (piped && ::pipe2(errpipe, O_CLOEXEC) != 0) {
        r.start_errno = errno;
        return r;
    }
    int execpipe[2];
    if (::pipe2(execpipe, O_CLOEXEC) != 0) {
        r.start_errno = errno;
        return r;
    }
    std::vector<std::string> envs = merged_environment(spec.env, spec.unset_env);
    std::vector<char*> argv, envp;
    for (const auto& a : spec.argv)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : envs)
        envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    // Block the forwarded signals across fork so the child's pid is published before any
    // handler can run, and the child starts with default dispositions.
    sig_atomic_t signals_before = g_signal_count;
    sigset_t block, old;
    sigemptyset(&block);
    for (int s : kForwarded)
        sigaddset(&block, s);
    ::sigprocmask(SIG_BLOCK, &block, &old);
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0) {
        // If pg_dump-safe dies without forwarding a signal (SIGKILL, OOM killer), pg_dump
        // must not live on writing into a partial that the next run removes and re-creates:
        // for -Fd it opens each table's file by name, and could write into the new partial.
        if (spec.die_with_parent) {
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent)
                ::_exit(128 + SIGTERM);
        }
        if (spec.own_process_group)
            ::setpgid(0, 0);
        for (int s : kForwarded)
            ::signal(s, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        if (spec.stdout_fd >= 0 && spec.stdout_fd != 1)
            ::dup2(spec.stdout_fd, 1);
        if (piped)
            ::dup2(errpipe[1], 2);
        ::execve(spec.program.c_str(), argv.data(), envp.data());
        int e = errno;
        (void)!::write(execpipe[1], &e, sizeof e);
        ::_exit(127);
    }
    if (pid < 0) {
        r.start_errno = errno;
        ::sigprocmask(SIG_SETMASK, &old, nullptr);
        return r;
    }
    if (spec.own_process_group)
        ::setpgid(pid, pid); // also here, so the group exists before any signal is forwarded
    g_child = spec.own_process_group ? -pid : pid;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    // A signal that arrived while the child was being created is delivered now (one that
    // arrived earlier already ended the step that was running then).
    if (g_signal_count != signals_before)
        ::kill(static_cast<pid_t>(g_child), g_interrupted);

    ::close(execpipe[1]);
    int e = 0;
    ssize_t n;
    while ((n = ::read(execpipe[0], &e, sizeof e)) < 0 && errno == EINTR) {
    }
    ::close(execpipe[0]);
    r.started = n == 0;
    if (!r.started)
        r.start_errno = e;

    if (piped) {
        ::close(errpipe[1]);
        char buf[8192];
        while (true) {
            ssize_t got = ::read(errpipe[0], buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got <= 0)
                break;
            if (spec.pass_stderr)
                write_all(2, buf, static_cast<size_t>(got));
            if (spec.capture_stderr) {
                r.stderr_tail.append(buf, static_cast<size_t>(got));
                if (r.stderr_tail.size() > 2 * kTailBytes)
                    r.stderr_tail.erase(0, r.stderr_tail.size() - kTailBytes);
            }
        }
        ::close(errpipe[0]);
    }
    int status = 0;
    if (spec.timeout_seconds > 0) {
        using clock = std::chrono::steady_clock;
        const auto deadline = clock::now() + std::chrono::seconds(spec.timeout_seconds);
        auto kill_at = deadline;
        int next_signal = SIGTERM;
        for (;;) {
            const pid_t w = ::waitpid(pid, &status, WNOHANG);
            if (w == pid || (w < 0 && errno != EINTR))
                break;
            if (clock::now() >= kill_at && next_signal != 0) {
                r.timed_out = true;
                ::kill(-pid, next_signal); // the whole group: the shell and what it started
                next_signal = next_signal == SIGTERM ? SIGKILL : 0;
                kill_at = clock::now() + std::chrono::seconds(5);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    } else {
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    g_child = 0;
    if (WIFEXITED(status)) {
        r.exited = true;
        r.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r.term_signal = WTERMSIG(status);
    }
    if (r.stderr_tail.size() > kTailBytes)
        r.stderr_tail.erase(0, r.stderr_tail.size() - kTailBytes);
    return r;
}

} // namespace pds::exec

namespace pds::exec {

const ProbeResult& VersionProbe::probe(const std::string& program) {
    struct stat st {};
    std::string key = program;
    if (::stat(program.c_str(), &st) == 0)
        key += "\n" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
               std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
               std::to_string(st.st_mtim.tv_nsec);
    auto found = cache_.find(key);
    if (found != cache_.end())
        return found->second;
    ++runs_;
    ProbeResult res;
    // A memory file, not a pipe: however much a strange "pg_dump" prints, it cannot block.
    const int out = ::memfd_create("pg_dump-version", MFD_CLOEXEC);
    if (out < 0) {
        res.start_errno = errno;
        return cache_[key] = res;
    }
    ChildSpec spec;
    spec.program = program;
    spec.argv = {"pg_dump", "--version"};
    spec.env = {"PG_DUMP_SAFE_DEPTH=1"}; // a pg_dump that is really us stops at once
    spec.stdout_fd = out;
    spec.capture_stderr = false;
    spec.pass_stderr = false;
    spec.die_with_parent = true;
    ChildResult r = run_child(spec);
    char buf[4096];
    ssize_t n;
    off_t at = 0;
    while (res.output.size() < 64 * 1024 &&
           ((n = ::pread(out, buf, sizeof buf, at)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) {
            res.output.append(buf, static_cast<size_t>(n));
            at += n;
        }
    ::close(out);
    res.started = r.started;
    res.start_errno = r.start_errno;
    res.exit_status = r.started ? r.status_for_shell() : (r.start_errno == ENOENT ? 127 : 126);
    return cache_[key] = res;
}

} // namespace pds::exec

namespace pds::exec {

bool capture_stdout(const std::string& program, const std::vector<std::string>& argv,
                    std::string& out) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0)
        return false;
    ChildSpec spec;
    spec.program = program;
    spec.argv = argv;
    spec.stdout_fd = p[1];
    spec.capture_stderr = false;
    spec.pass_stderr = false; // stderr is drained and dropped
    // The output is small (a version line), so it fits in the pipe until we read it.
    ChildResult r = run_child(spec);
    ::close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            out.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    return r.started && r.exited && r.exit_code == 0;
}

} // namespace pds::exec
