// One run of pg_dump-safe, from argv to exit status.
#pragma once

#include <string>
#include <vector>

namespace pds {

// args: argv without argv[0]. Returns the exit status (see docs/design.md). Every file and
// lock is released when it returns; a run ended by SIGINT/SIGTERM/SIGHUP returns 128+N and
// main() then re-raises the signal so the caller sees it (see exec::die_by_signal).
int run(const std::vector<std::string>& args);

} // namespace pds
