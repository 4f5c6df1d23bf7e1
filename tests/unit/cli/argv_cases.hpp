// Command lines with what pg_dump (and the wrapper) should make of them. The same rows drive
// the model test (test_cli_argv_table.cpp) and, for pg_dump 15 rows, the comparison with the
// real pg_dump 15 (test_cli_real_pg_dump.cpp).
#pragma once

#include "cli/pgdump_options.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pds::cli::testing {

enum CaseFlags : unsigned {
    kPosix = 1u << 0,   // input: run with POSIXLY_CORRECT set
    kVerbose = 1u << 1, // expected: verbose
    kNoSync = 1u << 2,  // expected: no_sync
    kHelp = 1u << 3,    // expected: help
    kVersion = 1u << 4, // expected: version
    kAppend = 1u << 5,  // expected: append format
};

// The new file name rows are rewritten to.
inline const std::string kNewFile = "NEW";

struct ArgvCase {
    const char* name;
    int major;
    unsigned flags;
    std::vector<std::string> argv;
    bool ok;
    ArgError error;                     // ArgError::None when ok
    std::optional<std::string> file;    // expected last -f value
    const char* format;                 // format_name(), or nullptr: pg_dump rejects the -F value
    std::vector<std::string> forwarded; // {"="}: the same as argv
    std::vector<std::string> rewritten; // rewrite_file_args(kNewFile); {}: not checked
    std::vector<std::string> safe_args = {};
    bool safe_error = false;
};

const std::vector<ArgvCase>& argv_cases();

// Wrapper options the rows use: --safe-verify, --safe-on-failure, --safe-pg-dump take a value,
// --safe-show-config is a flag.
SafeArity test_safe_arity(const std::string& name);

const std::vector<std::string>& forwarded_of(const ArgvCase& c);

// {"a", "b"}: an argv in test messages.
std::string show(const std::vector<std::string>& v);

} // namespace pds::cli::testing
