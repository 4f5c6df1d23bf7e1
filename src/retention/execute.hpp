// Carrying out a retention plan, and the whole after-publication step in one call.
#pragma once

#include "retention/policy.hpp"
#include "retention/scan.hpp"

#include <boost/filesystem/path.hpp>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace pds::retention {

struct PruneResult {
    Candidate dump;
    std::int64_t age_seconds = 0;
    bool dry_run = false; // nothing was removed: it would have been
    bool removed = false;
    std::string note;  // "already gone": someone else removed it first (not an error)
    std::string error; // non-empty: it could not be removed (path and errno text)
};

struct PruneSummary {
    std::vector<PruneResult> results; // in plan order
    std::size_t removed = 0;
    std::size_t failed = 0;
    std::uint64_t bytes_freed = 0;
    bool ok() const { return failed == 0; }
};

// Called once per planned deletion, after the attempt (or, in a dry run, instead of it).
using PruneReporter = std::function<void(const PruneResult&)>;

// Removes plan.prune, each with the records beside it (DUMP.restore-test.json,
// DUMP.manifest.json; unlink(2), a link as a link; a record that cannot be removed is an
// error and leaves the dump in place): files with unlink(2), directory dumps as a whole
// (posix::remove_tree: through directory descriptors, links inside removed and never followed, even
// when swapped in during the removal). Before removing, the path is lstat'ed again: when it no
// longer is the same file (device/inode) or kind as when scanned, it is left in place and reported
// as an error. Never throws for a deletion failure: failures are collected in the summary and
// reported; exceptions thrown by `report` propagate. A plan that is disabled or refused removes
// nothing.
PruneSummary execute_plan(const Plan& plan, bool dry_run, const PruneReporter& report = {});

// Everything retention does after a publication: scan the published dump's directory for
// its series (or the glob), plan, execute.
struct RetentionRequest {
    boost::filesystem::path published; // the dump just published (file, or -Fd directory)
    std::string series_glob;           // --safe-series=GLOB; empty: the published name's series
    KeepSettings settings;
    Verifier verify;
    bool dry_run = false;
    std::time_t now = 0;  // 0: the current time
    std::string database; // the published dump's database ("" unknown: not compared)
};

struct RetentionOutcome {
    SeriesFilter filter;
    ScanResult scan;
    Plan plan;
    PruneSummary summary;
    std::string error; // the directory could not be scanned (nothing was removed)
    bool ok() const { return error.empty() && summary.ok(); }
};

// Never throws for file system trouble: a scan failure is `error`, deletion failures are in
// `summary`. With no rule set (settings.enabled() false) it does nothing at all.
RetentionOutcome apply_retention(const RetentionRequest& request, const PruneReporter& report = {});

} // namespace pds::retention
