// The whole program behind main(): parse, pick the mode, run, write, map to an exit status.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace pds::audit {

// args excludes argv[0]. Exit status: 0 good, 1 warnings, 2 critical, 3 could not run.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool stdout_is_terminal);

} // namespace pds::audit
