// Command line of pg_dump-safe-audit (Boost.Program_options) and the value syntaxes it uses.
#pragma once

#include "audit/command_line.hpp"
#include "verify/verify.hpp"

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace pds::audit {

struct Options {
    std::vector<std::string> operands;
    bool verify_given = false;                                     // --verify appeared
    std::optional<verify::Level> level = verify::Level::Structure; // nullopt: --verify=none
    OutputFormat format = OutputFormat::Table;
    std::string output;                          // --output FILE; empty: stdout
    std::optional<std::uint64_t> min_free_bytes; // --min-free=SIZE
    std::optional<double> min_free_percent;      // --min-free=PERCENT%
    double margin = 1.0;                         // multiplies the estimated need
    std::optional<std::int64_t> max_age;         // seconds; none: age never flagged
    std::optional<std::int64_t> max_restore_age; // seconds; none: restore drills not checked
    bool strict = false;                         // --max-restore-age findings are critical
    std::int64_t stale_partial = 3600;           // seconds
    std::size_t recent = 3;            // newest finals per series that make up the estimated need
    std::size_t expect_series = 0;     // --expect-series=N: fewer series in a root is critical
    std::vector<std::string> patterns; // extra final-dump globs
    std::optional<std::string> series_regex;
    std::string cache_file; // resolved default when empty and use_cache
    bool use_cache = true;
    std::optional<std::time_t> now;
    bool verbose = false;
    bool help = false;
    bool version = false;
};

Options parse_options(const std::vector<std::string>& args);
std::string help_text();

// "123", "10K", "1.5G", "2TiB" (powers of 1024). Nullopt when malformed.
std::optional<std::uint64_t> parse_size(const std::string& s);
// "90m", "26h", "3d", "1d12h", "45s", "2w"; a bare number is seconds. Nullopt when malformed.
std::optional<std::int64_t> parse_duration(const std::string& s);

// $XDG_CACHE_HOME/pg_dump-safe/audit-cache, else $HOME/.cache/pg_dump-safe/audit-cache;
// empty when neither variable is set.
std::string default_cache_file();

} // namespace pds::audit
