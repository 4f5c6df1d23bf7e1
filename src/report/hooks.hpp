// Success and failure hooks: run with /bin/sh -c, facts passed in the environment only.
#pragma once

#include "report/failure_line.hpp"

#include <string>

namespace pds::report {

struct HookResult {
    bool ran = false;
    bool timed_out = false;
    int status = 0; // shell-style: exit code, or 128+signal; 124 after a timeout
};

// env: PG_DUMP_SAFE_* name/value pairs. stdout_fd: where the hook's stdout goes (-1: ours;
// when our stdout carries the dump, the caller passes 2 so the hook cannot corrupt it).
// The hook leads its own process group (issue 13, finding 8):
// - after timeout_seconds (0 = none) the group gets SIGTERM, 5 s later SIGKILL; a message
//   names the hook and the result has status 124, like timeout(1);
// - SIGINT/SIGTERM/SIGHUP received meanwhile are forwarded to the whole group, and once the
//   hook has ended pg_dump-safe ends by that signal (exit status 128+N, 143 for SIGTERM);
//   the dump stays as it was (published by a success hook's time, or not).
HookResult run_hook(const std::string& name, const std::string& command, const Fields& env,
                    int stdout_fd, unsigned timeout_seconds);

} // namespace pds::report
