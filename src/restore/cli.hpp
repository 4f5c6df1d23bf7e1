// pg_dump-safe-audit --restore-test: drill dumps, or the newest good dump of each series of
// backup roots, and report like the audit (table, json, prometheus; exit 0/1/2/3).
#pragma once

#include "audit/command_line.hpp"
#include "restore/drill.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace pds::restore {

using Format = audit::OutputFormat;

struct Options {
    std::vector<std::string> operands;
    std::vector<std::string> series; // globs naming the series to drill (roots only)
    std::vector<std::string> patterns;
    DrillOptions drill;
    Format format = Format::Table;
    std::string output;
    bool record = true; // write FINAL.restore-test.json beside each dump
    bool use_cache = true;
    bool help = false;
};

// Throws audit::UsageError for a bad command line.
Options parse_options(const std::vector<std::string>& args);
std::string help_text();

// Whether args ask for the restore drill (--restore-test before any "--").
bool wants_restore_test(const std::vector<std::string>& args);

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The result record's path: "<dump>.restore-test.json" (a directory dump: beside it).
std::string record_path(const std::string& dump);
std::string render_record(const DrillResult& r);
std::string render_json(const std::vector<DrillResult>& results);
std::string render_prometheus(const std::vector<DrillResult>& results);
std::string render_table(const std::vector<DrillResult>& results);

// Exit status of a set of drills: 0 all passed, 2 one failed, 3 one could not run.
int exit_status(const std::vector<DrillResult>& results);

} // namespace pds::restore
