// pg_dump's long_options[] and optstrings, per major version. See pgdump_option_table.hpp.
//
// Provenance: 13.16, 15.18 and 18.6 compared entry by entry with their pg_dump.c; 12 read from
// a REL_12 pg_dump.c; 14, 16, 17 derived from the commits that added or removed options
// (-e/--extension and --no-toast-compression in 14, --no-synchronized-snapshots gone and
// --no-table-access-method added in 15, --large-objects aliases and the *-and-children options
// in 16, --sync-method, --filter, --exclude-extension in 17). The real pg_dump 15 binary is
// checked against the 15 table by tests/unit/cli.
//
// --restrict-key arrived in minor releases (13.22, 14.19, 15.14, 16.10, 17.6; 18.0 has it).
// It is listed from 13 on: modelling an older minor as knowing it errs on the permissive side
// (pg_dump itself then rejects the option), never the other way round.
#include "cli/pgdump_option_table.hpp"

#include <algorithm>
#include <cstring>

namespace pds::cli {
namespace {

// clang-format off
const std::vector<PgDumpLongOption> kLongOptions = {
    {"attribute-inserts", HasArg::No, "dopt.column_inserts", 1, 12, kLatestMajor},
    {"binary-upgrade", HasArg::No, "dopt.binary_upgrade", 1, 12, kLatestMajor},
    {"blobs", HasArg::No, nullptr, 'b', 12, kLatestMajor},
    {"clean", HasArg::No, nullptr, 'c', 12, kLatestMajor},
    {"column-inserts", HasArg::No, "dopt.column_inserts", 1, 12, kLatestMajor},
    {"compress", HasArg::Required, nullptr, 'Z', 12, kLatestMajor},
    {"create", HasArg::No, nullptr, 'C', 12, kLatestMajor},
    {"data-only", HasArg::No, nullptr, 'a', 12, kLatestMajor},
    {"dbname", HasArg::Required, nullptr, 'd', 12, kLatestMajor},
    {"disable-dollar-quoting", HasArg::No, "dopt.disable_dollar_quoting", 1, 12, kLatestMajor},
    {"disable-triggers", HasArg::No, "dopt.disable_triggers", 1, 12, kLatestMajor},
    {"enable-row-security", HasArg::No, "dopt.enable_row_security", 1, 12, kLatestMajor},
    {"encoding", HasArg::Required, nullptr, 'E', 12, kLatestMajor},
    {"exclude-extension", HasArg::Required, nullptr, 17, 17, kLatestMajor},
    {"exclude-schema", HasArg::Required, nullptr, 'N', 12, kLatestMajor},
    {"exclude-table", HasArg::Required, nullptr, 'T', 12, kLatestMajor},
    {"exclude-table-and-children", HasArg::Required, nullptr, 13, 16, kLatestMajor},
    {"exclude-table-data", HasArg::Required, nullptr, 4, 12, kLatestMajor},
    {"exclude-table-data-and-children", HasArg::Required, nullptr, 14, 16, kLatestMajor},
    {"extension", HasArg::Required, nullptr, 'e', 14, kLatestMajor},
    {"extra-float-digits", HasArg::Required, nullptr, 8, 12, kLatestMajor},
    {"file", HasArg::Required, nullptr, 'f', 12, kLatestMajor},
    {"filter", HasArg::Required, nullptr, 16, 17, kLatestMajor},
    {"format", HasArg::Required, nullptr, 'F', 12, kLatestMajor},
    {"help", HasArg::No, nullptr, '?', 12, kLatestMajor},
    {"host", HasArg::Required, nullptr, 'h', 12, kLatestMajor},
    {"if-exists", HasArg::No, "dopt.if_exists", 1, 12, kLatestMajor},
    {"include-foreign-data", HasArg::Required, nullptr, 11, 13, kLatestMajor},
    {"inserts", HasArg::No, nullptr, 9, 12, kLatestMajor},
    {"jobs", HasArg::Required, nullptr, 'j', 12, kLatestMajor},
    {"large-objects", HasArg::No, nullptr, 'b', 16, kLatestMajor},
    {"load-via-partition-root", HasArg::No, "dopt.load_via_partition_root", 1, 12, kLatestMajor},
    {"lock-wait-timeout", HasArg::Required, nullptr, 2, 12, kLatestMajor},
    {"no-acl", HasArg::No, nullptr, 'x', 12, kLatestMajor},
    {"no-blobs", HasArg::No, nullptr, 'B', 12, kLatestMajor},
    {"no-comments", HasArg::No, "dopt.no_comments", 1, 12, kLatestMajor},
    {"no-data", HasArg::No, nullptr, 19, 18, kLatestMajor},
    {"no-large-objects", HasArg::No, nullptr, 'B', 16, kLatestMajor},
    {"no-owner", HasArg::No, nullptr, 'O', 12, kLatestMajor},
    {"no-password", HasArg::No, nullptr, 'w', 12, kLatestMajor},
    {"no-policies", HasArg::No, "dopt.no_policies", 1, 18, kLatestMajor},
    {"no-privileges", HasArg::No, nullptr, 'x', 12, kLatestMajor},
    {"no-publications", HasArg::No, "dopt.no_publications", 1, 12, kLatestMajor},
    {"no-reconnect", HasArg::No, nullptr, 'R', 12, kLatestMajor},
    {"no-schema", HasArg::No, nullptr, 20, 18, kLatestMajor},
    {"no-security-labels", HasArg::No, "dopt.no_security_labels", 1, 12, kLatestMajor},
    {"no-statistics", HasArg::No, nullptr, 21, 18, kLatestMajor},
    {"no-subscriptions", HasArg::No, "dopt.no_subscriptions", 1, 12, kLatestMajor},
    {"no-sync", HasArg::No, nullptr, 7, 12, kLatestMajor},
    {"no-synchronized-snapshots", HasArg::No, "dopt.no_synchronized_snapshots", 1, 12, 14},
    {"no-table-access-method", HasArg::No, "dopt.outputNoTableAm", 1, 15, kLatestMajor},
    {"no-tablespaces", HasArg::No, "dopt.outputNoTablespaces", 1, 12, kLatestMajor},
    {"no-toast-compression", HasArg::No, "dopt.no_toast_compression", 1, 14, kLatestMajor},
    {"no-unlogged-table-data", HasArg::No, "dopt.no_unlogged_table_data", 1, 12, kLatestMajor},
    {"on-conflict-do-nothing", HasArg::No, "dopt.do_nothing", 1, 12, kLatestMajor},
    {"password", HasArg::No, nullptr, 'W', 12, kLatestMajor},
    {"port", HasArg::Required, nullptr, 'p', 12, kLatestMajor},
    {"quote-all-identifiers", HasArg::No, "quote_all_identifiers", 1, 12, kLatestMajor},
    {"restrict-key", HasArg::Required, nullptr, 25, 13, kLatestMajor},
    {"role", HasArg::Required, nullptr, 3, 12, kLatestMajor},
    {"rows-per-insert", HasArg::Required, nullptr, 10, 12, kLatestMajor},
    {"schema", HasArg::Required, nullptr, 'n', 12, kLatestMajor},
    {"schema-only", HasArg::No, nullptr, 's', 12, kLatestMajor},
    {"section", HasArg::Required, nullptr, 5, 12, kLatestMajor},
    {"sequence-data", HasArg::No, "dopt.sequence_data", 1, 18, kLatestMajor},
    {"serializable-deferrable", HasArg::No, "dopt.serializable_deferrable", 1, 12, kLatestMajor},
    {"snapshot", HasArg::Required, nullptr, 6, 12, kLatestMajor},
    {"statistics", HasArg::No, nullptr, 22, 18, kLatestMajor},
    {"statistics-only", HasArg::No, nullptr, 18, 18, kLatestMajor},
    {"strict-names", HasArg::No, "strict_names", 1, 12, kLatestMajor},
    {"superuser", HasArg::Required, nullptr, 'S', 12, kLatestMajor},
    {"sync-method", HasArg::Required, nullptr, 15, 17, kLatestMajor},
    {"table", HasArg::Required, nullptr, 't', 12, kLatestMajor},
    {"table-and-children", HasArg::Required, nullptr, 12, 16, kLatestMajor},
    {"use-set-session-authorization", HasArg::No, "dopt.use_setsessauth", 1, 12, kLatestMajor},
    {"username", HasArg::Required, nullptr, 'U', 12, kLatestMajor},
    {"verbose", HasArg::No, nullptr, 'v', 12, kLatestMajor},
    {"version", HasArg::No, nullptr, 'V', 12, kLatestMajor},
};
// clang-format on

bool same_option(const PgDumpLongOption& a, const PgDumpLongOption& b) {
    const bool same_flag = (a.flag == nullptr) == (b.flag == nullptr) &&
                           (a.flag == nullptr || std::strcmp(a.flag, b.flag) == 0);
    return a.has_arg == b.has_arg && same_flag && a.val == b.val;
}

} // namespace

int clamp_major(int pg_major) {
    return std::clamp(pg_major, kOldestMajor, kLatestMajor);
}

const std::vector<PgDumpLongOption>& all_long_options() {
    return kLongOptions;
}

std::vector<const PgDumpLongOption*> long_options_for(int pg_major) {
    const int major = clamp_major(pg_major);
    std::vector<const PgDumpLongOption*> out;
    for (const PgDumpLongOption& o : kLongOptions)
        if (o.first_major <= major && major <= o.last_major)
            out.push_back(&o);
    return out;
}

const char* short_optstring(int pg_major) {
    const int major = clamp_major(pg_major);
    if (major <= 13)
        return "abBcCd:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxZ:";
    if (major <= 17)
        return "abBcCd:e:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxZ:";
    // 18 keeps the 'X' of the withdrawn "-X/--statistics-only" in its optstring, with no case.
    return "abBcCd:e:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxXZ:";
}

bool pg_dump_handles(int val, int pg_major) {
    if (val == '?' || val == 'V')
        return false;
    return !(val == 'X' && clamp_major(pg_major) >= 18);
}

LongMatch match_long_option(const std::vector<const PgDumpLongOption*>& options,
                            const std::string& name) {
    LongMatch m;
    for (const PgDumpLongOption* o : options) {
        if (name == o->name) {
            m.option = o;
            return m;
        }
    }
    for (const PgDumpLongOption* o : options) {
        if (std::strncmp(o->name, name.c_str(), name.size()) != 0)
            continue;
        m.candidates.push_back(o);
        // glibc compares each later match with the first one only; equality is transitive.
        if (!same_option(*m.candidates.front(), *o))
            m.ambiguous = true;
    }
    if (!m.ambiguous && !m.candidates.empty())
        m.option = m.candidates.front();
    return m;
}

} // namespace pds::cli
