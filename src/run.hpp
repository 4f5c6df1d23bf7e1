// One run of pg_dump-safe, from argv to exit status.
#pragma once

#include <string>
#include <vector>

namespace pds {

// args: argv without argv[0]. Returns the exit status (see docs/design.md); may end the
// process by re-raising the signal that interrupted it.
int run(const std::vector<std::string>& args);

} // namespace pds
