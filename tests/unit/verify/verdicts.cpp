#include "verdicts.hpp"

#include <catch2/catch.hpp>

namespace pds::verify::testing {

Verdict require_rejected(const fs::path& p, Level level, const std::string& part) {
    const Verdict v = verify(p, level);
    INFO(p.string() << " at level " << level_name(level) << ": " << v.problem);
    REQUIRE_FALSE(v.ok);
    CHECK(v.problem.find(part) != std::string::npos);
    return v;
}

Verdict require_rejected_starting(const fs::path& p, Level level, const std::string& prefix) {
    const Verdict v = verify(p, level);
    INFO(p.string() << " at level " << level_name(level) << ": " << v.problem);
    REQUIRE_FALSE(v.ok);
    CHECK(v.problem.rfind(prefix, 0) == 0);
    return v;
}

} // namespace pds::verify::testing
