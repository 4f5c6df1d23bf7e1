// Verify mode: `pg_dump-safe-audit --verify[=LEVEL] DUMP...` describes and checks single
// dumps, whoever wrote them (pg_dump-safe or plain pg_dump).
#pragma once

#include "audit/options.hpp"

#include <ostream>

namespace pds::audit {

// Writes the report for every operand; returns 0 when all are good, 2 when any failed or
// could not be read.
int verify_files(const Options& o, std::string& report);

} // namespace pds::audit
