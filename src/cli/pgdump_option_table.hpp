// pg_dump's getopt_long configuration at each supported major version (12..18).
//
// Taken from pg_dump.c's long_options[] and the optstring of its getopt_long() call on each
// release branch (checked against the 12, 13.16, 15.18, 18.6 sources and the 15.18 binary).
// Only what getopt itself looks at is kept: the name, the argument kind and the (flag, val)
// pair, because glibc treats several prefix matches as one option when has_arg, flag and val
// are all equal (--no-acl and --no-privileges are both (no_argument, NULL, 'x')).
#pragma once

#include <string>
#include <vector>

namespace pds::cli {

enum class HasArg { No, Required, Optional };

struct PgDumpLongOption {
    const char* name; // without the leading "--"
    HasArg has_arg;
    const char* flag; // pg_dump's flag variable for flag-setting options, else nullptr
    int val;          // short option letter, pg_dump's numeric case label, or 1 with a flag
    int first_major;  // first major version whose pg_dump has the option
    int last_major;   // last major version whose pg_dump has it (kLatestMajor: still there)
};

constexpr int kOldestMajor = 12;
constexpr int kLatestMajor = 18;

// Clamps to [kOldestMajor, kLatestMajor]: a newer pg_dump is modelled by the newest table.
int clamp_major(int pg_major);

// Every long option of every supported version, sorted by name (a unit test keeps it so).
const std::vector<PgDumpLongOption>& all_long_options();

// The long options pg_dump `pg_major` passes to getopt_long, in name order.
std::vector<const PgDumpLongOption*> long_options_for(int pg_major);

// The optstring pg_dump `pg_major` passes to getopt_long ("abBcCd:...").
const char* short_optstring(int pg_major);

// False when getopt would return `val` but pg_dump's switch has no case for it and exits with
// its "Try --help" hint: '?' (from --help) and 'V' (from --version) anywhere but argv[1], and
// 'X', which pg_dump 18 lists in its optstring without handling it.
bool pg_dump_handles(int val, int pg_major);

// glibc's lookup of "--name" (name without dashes and "=value"): an exact match wins; else the
// options starting with `name` are one match if they all have equal has_arg, flag and val,
// and ambiguous otherwise; no candidate at all is "unrecognized".
struct LongMatch {
    const PgDumpLongOption* option = nullptr; // set when exactly one option is meant
    bool ambiguous = false;
    std::vector<const PgDumpLongOption*> candidates; // every prefix match, for the message
};
LongMatch match_long_option(const std::vector<const PgDumpLongOption*>& options,
                            const std::string& name);

} // namespace pds::cli
