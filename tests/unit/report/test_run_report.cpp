// The failure table (src/failure) and the reports rendered from one RunReport (src/report):
// the FAILED line, the hook environment, the journal record and the metrics must agree.
#include "failure/failure.hpp"
#include "report/run_report.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using pds::Failure;
using pds::Reason;
using pds::reason_name;
namespace report = pds::report;

namespace {

std::string env_of(const report::Fields& env, const std::string& key) {
    for (const auto& [k, v] : env)
        if (k == key)
            return v;
    FAIL("no " + key);
    return "";
}

report::RunReport failed_connection() {
    report::RunReport r;
    r.target = "app.dump";
    r.partial = "app.dump.partial";
    r.format = "custom";
    r.verify = "structure";
    r.set_failure(Failure::as_pg_dump(Reason::Connection, 1, "pg_dump: error: no server"));
    return r;
}

} // namespace

TEST_CASE("one table gives every reason its documented name and exit status", "[report]") {
    CHECK(std::string(reason_name(Reason::DiskFull)) == "disk-full");
    CHECK(std::string(reason_name(Reason::PgDumpExit)) == "pg_dump-exit");
    CHECK(std::string(reason_name(Reason::WrapperUsage)) == "usage");
    CHECK(std::string(reason_name(Reason::Internal)) == "publish-failed");
    CHECK(Failure::of(Reason::EmptyOutput, "").exit_status() == 3);
    CHECK(Failure::of(Reason::VerifyFailed, "").exit_status() == 3);
    CHECK(Failure::of(Reason::PublishFailed, "").exit_status() == 4);
    CHECK(Failure::of(Reason::Locked, "").exit_status() == 5);
    CHECK(Failure::of(Reason::Usage, "").exit_status() == 1);
    CHECK(Failure::of(Reason::WrapperUsage, "").exit_status() == 2);
    CHECK(Failure::of(Reason::Internal, "").exit_status() == 70);
    CHECK(Failure::interrupted(15, "x").exit_status() == 143);
    CHECK(Failure::as_pg_dump(Reason::Signal, 137, "x").exit_status() == 137);
    // A reason whose status is pg_dump's or a signal's has no fixed one to take.
    CHECK_THROWS(Failure::of(Reason::Connection, ""));
    CHECK_THROWS(Failure::of(Reason::Interrupted, ""));
    // The eleven documented names (docs/design.md, "FAILED line").
    std::set<std::string> names;
    for (int i = 0; i <= static_cast<int>(Reason::Internal); ++i)
        names.insert(reason_name(static_cast<Reason>(i)));
    CHECK(names == std::set<std::string>{"disk-full", "connection", "version-mismatch", "signal",
                                         "pg_dump-exit", "empty-output", "verify-failed",
                                         "publish-failed", "locked", "interrupted", "usage"});
}

TEST_CASE("a failed run's FAILED line, hook environment, journal and metrics agree", "[report]") {
    const report::RunReport r = failed_connection();
    CHECK(report::failed_line(r) ==
          "[backup] FAILED target=app.dump partial=app.dump.partial reason=connection exit=1 "
          "bytes=0 format=custom detail=\"pg_dump: error: no server\"");
    const report::Fields env = report::hook_env(r);
    CHECK(env.size() == 9);
    CHECK(env_of(env, "PG_DUMP_SAFE_STATUS") == "failed");
    CHECK(env_of(env, "PG_DUMP_SAFE_PARTIAL") == "app.dump.partial");
    CHECK(env_of(env, "PG_DUMP_SAFE_REASON") == "connection");
    CHECK(env_of(env, "PG_DUMP_SAFE_EXIT_CODE") == "1");
    CHECK(env_of(env, "PG_DUMP_SAFE_DETAIL") == "pg_dump: error: no server");
    CHECK(env_of(env, "PG_DUMP_SAFE_VERIFY") == "structure");
    const report::RecordNames names{"/b/app.dump", "/b/app.dump"};
    const report::JournalRecord j = report::journal_record(r, names, 1, r.wall_started);
    CHECK(j.status == "failed");
    CHECK(j.reason == "connection");
    CHECK(j.detail == "pg_dump: error: no server");
    const report::RunMetrics m = report::run_metrics(r, names, r.wall_started, 1.5);
    CHECK_FALSE(m.success);
    CHECK(m.failure_reason == "connection");
    CHECK(m.verify_level == "structure");
}

TEST_CASE("a published run's reports have no reason, partial or detail", "[report]") {
    report::RunReport r;
    r.published = true;
    r.target = "app.dump";
    r.bytes = 42;
    r.format = "custom";
    r.verify = "full";
    r.output = "file";
    r.cleanup_note = "removed stale partial app.dump.partial";
    CHECK(report::published_line(r, 1.234) ==
          "[backup] PUBLISHED target=app.dump bytes=42 format=custom verify=full output=file "
          "duration=1.23s");
    const report::Fields env = report::hook_env(r);
    CHECK(env_of(env, "PG_DUMP_SAFE_STATUS") == "published");
    CHECK(env_of(env, "PG_DUMP_SAFE_PARTIAL").empty());
    CHECK(env_of(env, "PG_DUMP_SAFE_REASON").empty());
    CHECK(env_of(env, "PG_DUMP_SAFE_EXIT_CODE") == "0");
    CHECK(env_of(env, "PG_DUMP_SAFE_BYTES") == "42");
    const report::RecordNames names{"/b/app.dump", "/b/app.dump"};
    // The journal's detail of a publication: the cleanup note, or why it is not durable.
    CHECK(report::journal_record(r, names, 0, r.wall_started).detail == r.cleanup_note);
    r.not_durable = "could not fsync /b: EIO";
    const report::JournalRecord j = report::journal_record(r, names, 8, r.wall_started);
    CHECK(j.detail == "not durable: could not fsync /b: EIO");
    CHECK(j.exit_code == 8);
    CHECK(j.reason.empty());
    CHECK(report::run_metrics(r, names, r.wall_started, 1).success);
}

TEST_CASE("main()'s internal error is a full FAILED line with status 70", "[report]") {
    const report::RunReport r = report::internal_error_report("boom");
    CHECK(r.exit_status == 70);
    CHECK(report::failed_line(r) ==
          "[backup] FAILED target=- partial=unknown reason=publish-failed exit=70 bytes=0 "
          "format=unknown detail=\"internal error: boom\"");
}
