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

Verdict verify_jobs(const fs::path& p, Level level, unsigned jobs) {
    VerifyOptions o;
    o.jobs = jobs;
    return verify_path(boost::filesystem::path(p.string()), level, o);
}

std::string describe(const Verdict& v) {
    const ArchiveInfo& i = v.info;
    return std::string(v.ok ? "ok" : "FAILED") + " | " + v.problem + " | " +
           archive_format_name(i.format) + " " + i.archive_version + " " + i.pg_dump_version + " " +
           i.server_version + " " + i.database + " " + i.created + " " + i.compression +
           " entries=" + std::to_string(i.entries) + " data=" + std::to_string(i.data_entries) +
           " data_bytes=" + std::to_string(i.data_bytes) +
           (i.data_bytes_known ? " known" : " unknown") +
           " file_bytes=" + std::to_string(i.file_bytes);
}

} // namespace pds::verify::testing
