// The verifier tests' most common check: a damaged archive is rejected, for the right reason.
#pragma once

#include "support.hpp"

#include <string>

namespace pds::verify::testing {

// verify(p, level) must reject p with a problem containing `part` ("": any problem); the
// path, the level and the problem are shown when it does not. Returns the verdict.
Verdict require_rejected(const fs::path& p, Level level, const std::string& part = "");
// The same, with a problem that starts with `prefix`.
Verdict require_rejected_starting(const fs::path& p, Level level, const std::string& prefix);

} // namespace pds::verify::testing
