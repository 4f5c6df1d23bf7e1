// pg_dump-safe's own options (--safe-*), layered with Boost.Program_options:
// command line > PG_DUMP_SAFE_* environment (> BACKUP_ON_*_CMD aliases) > config file > defaults.
#pragma once

#include "cli/pgdump_options.hpp"
#include "verify/verify.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::cli {

// A bad wrapper option, environment value or config file: exit status 2, before any dump.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct SafeOptions {
    std::string pg_dump;    // explicit real pg_dump (empty: search PATH)
    std::string pg_restore; // explicit pg_restore (empty: beside pg_dump)
    verify::Level verify = verify::Level::Structure;
    unsigned verify_jobs = 0;  // verify::VerifyOptions::jobs (0: the CPUs available, at most 8)
    bool verify_follow = true; // at full, verify::Follower during a custom-format dump
    std::string on_failure;    // hook commands, run with /bin/sh -c
    std::string on_success;
    unsigned hook_timeout = 3600; // seconds; 0 = no limit
    std::string config_file;      // the file actually read ("" when none)
    bool show_config = false;
    // after publication (retention, metrics, journal)
    unsigned keep_last = 0, keep_days = 0, keep_weekly = 0, keep_monthly = 0;
    std::string series;
    bool dry_run_retention = false;
    std::string metrics_file;
    std::string journal;
    // --safe-verify=restore: verify at full, then a restore drill of the partial (restore/gate)
    bool verify_restore = false;
    // content manifest and its comparison with the previous dump (src/manifest)
    bool manifest = true;
    unsigned max_shrink_percent = 50;
    bool shrink_fail = false; // --safe-shrink=fail: a content warning fails the run

    // option name (without "safe-") -> where its value came from, for --safe-show-config
    std::map<std::string, std::string> source;
    std::map<std::string, std::string> value; // the effective raw values
};

// Arity of --safe-NAME for the pg_dump argv parser.
SafeArity safe_option_arity(const std::string& name_without_dashes);

// Build the effective options. safe_args are "--safe-x=V"/"--safe-x" tokens from the command
// line. env is consulted through getenv. Throws UsageError naming the source (option,
// variable, or file:line) of a bad value.
SafeOptions load_safe_options(const std::vector<std::string>& safe_args,
                              const std::string& default_config = "/etc/pg_dump-safe.conf");

// "toc", "structure", "full" or "restore": the level the run reports (hooks, journal, metrics).
std::string verify_level_name(const SafeOptions& o);

// The text --safe-show-config prints: one "name = value  # source" line per option.
std::string describe(const SafeOptions& o);

// The help section appended after pg_dump's own --help text.
std::string safe_help_text();

} // namespace pds::cli
