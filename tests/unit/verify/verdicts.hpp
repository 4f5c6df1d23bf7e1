// The verifier tests' checks of verdicts: a damaged archive is rejected, for the right reason;
// two verdicts are the same, word for word, with the same ArchiveInfo (describe).
#pragma once

#include "support.hpp"

#include <string>

namespace pds::verify::testing {

// verify(p, level) must reject p with a problem containing `part` ("": any problem); the
// path, the level and the problem are shown when it does not. Returns the verdict.
Verdict require_rejected(const fs::path& p, Level level, const std::string& part = "");
// The same, with a problem that starts with `prefix`.
Verdict require_rejected_starting(const fs::path& p, Level level, const std::string& prefix);

// verify_path(p, level) with `jobs` worker threads.
Verdict verify_jobs(const fs::path& p, Level level, unsigned jobs);

// A verdict as one line: ok, the problem and every ArchiveInfo field, to compare two verdicts.
std::string describe(const Verdict& v);

} // namespace pds::verify::testing
