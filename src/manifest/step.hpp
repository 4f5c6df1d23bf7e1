// The run's content step (issue 14, parts 2 and 3), as two calls with plain values so the
// pipeline in src/run stays one line per step:
//   check_content()   after verification, before publication: measure the partial, compare
//                     with the previous good dump of the series, print the WARNING lines,
//                     and (--safe-verify=restore) drill the partial
//   publish_manifest() after the rename: FINAL.manifest.json beside the published dump
// Library pds_content_step (it prints report lines); the measuring is restore/content.cpp.
#pragma once

#include "manifest/manifest.hpp"
#include "report/failure_line.hpp"
#include "verify/verify.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pds::manifest {

struct StepInput {
    bool enabled = true;         // --safe-manifest
    bool verify_restore = false; // --safe-verify=restore
    bool count_rows = false;     // full or restore
    std::string level_name;      // "structure", "full", "restore", ...
    std::string partial;         // verified partial
    std::string final_path;      // "" when the dump has no file of its own (appended)
    std::string target_name;     // for the WARNING lines
    std::string series_glob;     // --safe-series
    std::string pg_restore;
    verify::ArchiveInfo info; // the verifier's ok verdict
    std::string toc_listing;  // pg_restore -l's output, when the run has it (archives)
    unsigned max_shrink_percent = 50;
    bool shrink_fail = false;
};

struct StepResult {
    std::optional<Manifest> manifest; // measured (published after the rename)
    std::vector<Finding> findings;
    std::string previous;     // the previous dump compared with, "" if none
    bool compared = false;    // a previous manifest was found and compared
    double seconds = 0;       // the measurement and comparison
    double drill_seconds = 0; // --safe-verify=restore
    // Set when the run must fail: a content warning with --safe-shrink=fail, a content or
    // drill failure (reason verify-failed), or an interruption (interrupted = true).
    std::optional<std::string> failure;
    bool interrupted = false;

    std::string journal_json() const; // "" without a manifest
    // PG_DUMP_SAFE_CONTENT_WARNINGS (checks, comma-separated), PG_DUMP_SAFE_CONTENT_DETAIL
    // (details, "; "-separated), PG_DUMP_SAFE_PREVIOUS: always present, empty when none.
    report::Fields hook_env() const;
    std::vector<std::string> warning_checks() const;
};

StepResult check_content(const StepInput& in);

// The whole content of an open file from offset 0 ("" on a read error): pg_restore -l's
// listing, captured in a memfd.
std::string read_from_start(int fd);

// Writes FINAL.manifest.json for the published dump (its size taken now), with the dump's
// permission bits; without a manifest removes an old one (it described the previous dump).
// Returns a warning text, "" when all went well.
std::string publish_manifest(const std::optional<Manifest>& m, const std::string& final_path,
                             bool sync);

} // namespace pds::manifest
