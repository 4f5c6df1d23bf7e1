// Running a child process (pg_dump, pg_restore, hooks) with pg_dump-safe's signals forwarded
// to it and its stderr passed through unchanged while a bounded tail is kept for classifying
// the failure.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pds::exec {

struct ChildSpec {
    std::string program;                // path to execute
    std::vector<std::string> argv;      // argv[0] included
    std::vector<std::string> env;       // extra "NAME=VALUE" entries (override the inherited ones)
    std::vector<std::string> unset_env; // names removed from the inherited environment
    int stdout_fd = -1;                 // -1: inherit; else dup2'ed onto the child's stdout
    bool capture_stderr = true;         // keep a tail of stderr (still passed through)
    bool pass_stderr = true;            // copy the child's stderr to ours
    bool die_with_parent = false;       // SIGTERM the child if pg_dump-safe dies (PR_SET_PDEATHSIG)
    // Hooks: the child leads its own process group, forwarded signals go to the whole group,
    // and after timeout_seconds (0 = no limit) the group gets SIGTERM, then SIGKILL 5 s later.
    bool own_process_group = false;
    unsigned timeout_seconds = 0;
};

struct ChildResult {
    bool started = false;
    int start_errno = 0;     // exec failure (ENOENT, EACCES, ...)
    bool exited = false;     // normal exit
    int exit_code = 0;       // when exited
    int term_signal = 0;     // when killed by a signal
    bool timed_out = false;  // killed after spec.timeout_seconds
    std::string stderr_tail; // the last 64 KiB of its stderr
    int status_for_shell() const { return exited ? exit_code : 128 + term_signal; }
};

// Blocks until the child has exited. SIGINT, SIGTERM and SIGHUP received meanwhile are
// forwarded to the child (see SignalForwarding).
ChildResult run_child(const ChildSpec& spec);

// While alive, SIGINT/SIGTERM/SIGHUP are caught: the first one is remembered and every one is
// forwarded to the running child. SIGPIPE is ignored (a closed stderr must not kill us
// between dump and publish).
class SignalForwarding {
public:
    SignalForwarding();
    ~SignalForwarding();
    SignalForwarding(const SignalForwarding&) = delete;
    SignalForwarding& operator=(const SignalForwarding&) = delete;
};

// The first signal that interrupted pg_dump-safe, 0 if none.
int interrupted_by();

// Restore the default disposition and raise `sig`, so that our parent sees the real signal.
[[noreturn]] void die_by_signal(int sig);

} // namespace pds::exec

namespace pds::exec {

// Run `program argv...` and return its stdout (small outputs only, e.g. --version).
// stderr is discarded. Returns false if it could not be run or did not exit 0.
bool capture_stdout(const std::string& program, const std::vector<std::string>& argv,
                    std::string& out);

struct ProbeResult {
    bool started = false;
    int start_errno = 0;
    int exit_status = 127; // status for the shell (128+N for a signal)
    std::string output;    // its standard output
};

// `program --version`, run at most once per binary and run: the answer is kept for the
// same path, device, inode, size and mtime (no cache file outlives the run). The probe runs
// with PG_DUMP_SAFE_DEPTH=1, so a "pg_dump" that is a script calling pg_dump-safe stops at
// once with status 127 instead of recursing.
class VersionProbe {
public:
    const ProbeResult& probe(const std::string& program);
    int runs() const { return runs_; }

private:
    std::map<std::string, ProbeResult> cache_;
    int runs_ = 0;
};

} // namespace pds::exec
