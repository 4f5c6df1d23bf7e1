// The one way the tests start other programs: an argv (or /bin/sh -c SCRIPT), or a function in
// a forked child, with environment changes, stdin, a working directory, a timeout and
// optionally another user, capturing the exit status or signal, stdout and stderr.
//
// Programs are started with posix_spawn, so run() may be called from several threads at once
// (the differential test's workers). Captured output goes through unlinked temporary files,
// as a shell's `>file` would: the run ends when the child ends, even if something it started
// in the background still holds its stdout (only stdout_pipe reads until end of file). Every
// child starts with an empty signal mask and the
// default action for SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1 and SIGUSR2, as
// from an interactive shell, whatever the test program has set up.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pds::test {

using EnvMap = std::map<std::string, std::string>;

struct RunOptions {
    // The child's environment: ours (or none, with clean_env), less the names in `unset` (an
    // entry ending in '*' removes every name with that prefix: "PG*"), plus `env`.
    EnvMap env;
    std::vector<std::string> unset;
    bool clean_env = false;

    // stdin: a (regular, unlinked) file with this text; /dev/null when absent.
    std::optional<std::string> input;
    // The executable, when argv[0] is only what the program is told it is called ("" = argv[0]).
    std::string program;
    std::string cwd; // "" = ours
    // 0 = none. Otherwise the child is killed with SIGKILL after this many seconds (its
    // whole process group or session when it has its own: see `detach`).
    int timeout_seconds = 0;
    // Run as this user: programs through `runuser -u USER --` (which sets HOME, SHELL, USER,
    // LOGNAME and may reset PATH: set those inside the command, `env PATH=...`, when they
    // matter), run_forked() bodies after setgroups/setresgid/setresuid. "" = as we are.
    std::string user;

    // None: our process group. Group: a new process group (a test can signal a whole
    // pipeline). Session: a new session, so no controlling terminal (a password prompt reads
    // the /dev/null stdin instead of blocking on the tty).
    enum class Detach { None, Group, Session } detach = Detach::None;

    // Output goes to these files (created or truncated; appended to with stdout_append)
    // instead of being captured.
    std::string stdout_file, stderr_file;
    bool stdout_append = false;
    // stdout is a pipe, captured until its end of file (or the timeout): what `cmd | cat`
    // gives cmd.
    bool stdout_pipe = false;
    bool stderr_to_stdout = false; // 2>&1: stderr goes where stdout goes
    bool stderr_inherit = false;   // stderr is the test's own stderr
};

struct RunResult {
    int status = -1;      // the exit code, or 128 + signal; -1 when it could not be started
    std::string out, err; // captured stdout and stderr ("" when they went elsewhere)
    int signal = 0;       // the signal that ended it, or 0
    bool timed_out = false;
    std::string error; // why it could not be started ("" when it was)
};

// Runs argv[0] (searched in PATH when it has no '/') and waits for it.
RunResult run(const std::vector<std::string>& argv, const RunOptions& opts = {});
// /bin/sh -c script.
RunResult run_sh(const std::string& script, const RunOptions& opts = {});
// body() in a forked child (its return value is the exit status; an exception exits 98).
// env, unset, clean_env and cwd do not apply; input, user, timeout and the outputs do.
RunResult run_forked(const std::function<int()>& body, const RunOptions& opts = {});

// Starts argv in the background and returns its pid; wait with wait_status(). Its output
// must go to files (stdout_file, stderr_file) or /dev/null (when not named); input,
// timeout_seconds and stderr_inherit do not apply. Throws std::runtime_error when it cannot
// be started.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& opts = {});
// Waits for a child; the exit code, or 128 + signal.
int wait_status(pid_t pid);

// Quotes s for /bin/sh: 'it'\''s'.
std::string shell_quote(const std::string& s);

// NAME=VALUE lines; throws std::runtime_error naming the file when it cannot be read.
EnvMap read_env_file(const std::string& path);
// The environment of a test server of the CTest fixtures ("s15", "s17", ...): PGHOST,
// PGPORT, PGUSER, PDS_TEST_BINDIR from PDS_PGTEST_ROOT/<name>/env. Fails the test when the
// server is not running.
EnvMap server_env(const std::string& name);

} // namespace pds::test
