// After a successful publication: sweep the series' stale partials, which a failed run of a
// dated name leaves behind for ever (no later run has the same name to clean them), and keep
// only the newest failure records.
#pragma once

#include "retention/scan.hpp"

#include <boost/filesystem/path.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pds::retention {

// Failure records (FINAL.partial.failure.json) kept per series after a sweep: the evidence of
// the newest failed runs. Documented in README.md ("Stale partials of a series").
inline constexpr std::size_t kKeepFailureRecords = 10;

struct SweepRequest {
    boost::filesystem::path dir; // the published dump's directory
    SeriesFilter filter;         // the series (same rule as retention)
    std::string published;       // its file name: never touched (its run cleans it)
    std::size_t keep_records = kKeepFailureRecords;
    // Takes the target's lock (the same lock a run of FINAL takes) and returns a holder, or
    // nullptr when another run holds it: that partial is in use and stays.
    std::function<std::shared_ptr<void>(const boost::filesystem::path& final_path)> lock;
    bool dry_run = false;
};

struct SweepResult {
    std::vector<std::string> removed; // partials and failure records removed (paths)
    std::vector<std::string> skipped; // "path: why" (in use, another user's, not ours)
    std::vector<std::string> errors;  // removal failures (path and errno text)
    std::uint64_t bytes = 0;          // bytes of the partials removed
};

// Only entries owned by the effective user are removed; a partial directory is removed through
// directory descriptors only (posix::remove_tree), never following a link. Never throws.
SweepResult sweep_stale_partials(const SweepRequest& request);

} // namespace pds::retention
