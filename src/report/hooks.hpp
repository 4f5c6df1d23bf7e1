// Success and failure hooks: run with /bin/sh -c, facts passed in the environment only.
#pragma once

#include "report/failure_line.hpp"

#include <string>

namespace pds::report {

struct HookResult {
    bool ran = false;
    int status = 0; // shell-style: exit code, or 128+signal
};

// env: PG_DUMP_SAFE_* name/value pairs. stdout_fd: where the hook's stdout goes (-1: ours;
// when our stdout carries the dump, the caller passes 2 so the hook cannot corrupt it).
HookResult run_hook(const std::string& command, const Fields& env, int stdout_fd);

} // namespace pds::report
