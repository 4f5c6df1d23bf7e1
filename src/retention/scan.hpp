// Finding the dumps of one series in a directory, for the retention policy.
#pragma once

#include "retention/policy.hpp"

#include <boost/filesystem/path.hpp>
#include <cstdint>
#include <ctime>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace pds::retention {

// Which names belong to the series.
class SeriesFilter {
public:
    // The series of a published dump's file name (series::series_of). A stamped series only
    // matches stamped names, so a file literally named "app-*.dump" is never a member; a name
    // without a stamp is its own series and matches only itself.
    static SeriesFilter of_name(const std::string& filename);
    // A user glob (--safe-series=GLOB), fnmatch(3) against the file name.
    static SeriesFilter from_glob(const std::string& glob);

    bool matches(const std::string& filename) const;
    const std::string& pattern() const { return pattern_; } // "app-*.dump"
    bool is_glob() const { return glob_; }

private:
    std::string pattern_;
    bool glob_ = false;
    bool stamped_ = false;
};

struct ScanResult {
    std::vector<Candidate> candidates;
    std::vector<std::string> skipped; // "name: why" for names of the series that are not dumps
};

// Lists the final dumps of the series directly in `dir` (not recursive). Entries are looked
// at with lstat: symlinks are never followed nor returned, so retention cannot reach out of
// the directory. Regular files are dumps; a directory is a dump only if it holds a regular
// toc.dat (pg_dump -Fd). Work files (is_work_file) are skipped silently. A dump's time is
// layout::dump_time at `now` (0: the current time); a regular file with other hard links,
// or the target of a symbolic link in `dir` or a sibling folder, gets held_by.
// Throws std::runtime_error naming the directory and the error when it cannot be read.
ScanResult scan_series(const boost::filesystem::path& dir, const SeriesFilter& filter,
                       std::time_t now = 0);

// st_mtim in nanoseconds, as Candidate::mtime_ns records it.
std::int64_t mtime_ns(const struct stat& st);

} // namespace pds::retention
