#include "failure/failure.hpp"

#include <array>
#include <cstddef>
#include <stdexcept>
#include <utility>

namespace pds {
namespace {

struct Row {
    Reason reason;
    ReasonInfo info;
};

// The one table: reason -> name (reason=) and exit status. In enum order.
constexpr std::array<Row, 13> kReasons = {{
    {Reason::DiskFull, {"disk-full", StatusFrom::PgDump, 0}},
    {Reason::Connection, {"connection", StatusFrom::PgDump, 0}},
    {Reason::VersionMismatch, {"version-mismatch", StatusFrom::PgDump, 0}},
    {Reason::Signal, {"signal", StatusFrom::PgDump, 0}},
    {Reason::PgDumpExit, {"pg_dump-exit", StatusFrom::PgDump, 0}},
    {Reason::EmptyOutput, {"empty-output", StatusFrom::Table, exit_status::kVerify}},
    {Reason::VerifyFailed, {"verify-failed", StatusFrom::Table, exit_status::kVerify}},
    {Reason::PublishFailed, {"publish-failed", StatusFrom::Table, exit_status::kPublish}},
    {Reason::Locked, {"locked", StatusFrom::Table, exit_status::kLocked}},
    {Reason::Interrupted, {"interrupted", StatusFrom::Signal, 0}},
    {Reason::Usage, {"usage", StatusFrom::Table, exit_status::kPgDumpError}},
    {Reason::WrapperUsage, {"usage", StatusFrom::Table, exit_status::kUsage}},
    {Reason::Internal, {"publish-failed", StatusFrom::Table, exit_status::kInternal}},
}};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < kReasons.size(); ++i)
        if (static_cast<std::size_t>(kReasons[i].reason) != i)
            return false;
    return true;
}
static_assert(in_enum_order(), "kReasons must list every Reason in enum order");

} // namespace

const ReasonInfo& reason_info(Reason r) {
    return kReasons.at(static_cast<std::size_t>(r)).info;
}

const char* reason_name(Reason r) {
    return reason_info(r).name;
}

Failure Failure::of(Reason reason, std::string detail) {
    const ReasonInfo& info = reason_info(reason);
    if (info.from != StatusFrom::Table)
        throw std::logic_error(std::string("reason ") + info.name + " takes its exit status " +
                               "from pg_dump or a signal");
    return Failure(reason, info.status, std::move(detail));
}

Failure Failure::as_pg_dump(Reason reason, int status, std::string detail) {
    return Failure(reason, status, std::move(detail));
}

Failure Failure::interrupted(int signal, std::string detail) {
    return Failure(Reason::Interrupted, exit_status::kSignalBase + signal, std::move(detail));
}

} // namespace pds
