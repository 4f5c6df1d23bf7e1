// Backup series: the file name with its date/time stamp removed.
// "app-2026-06-17.dump" -> "app-*.dump", "app_20260617T0300Z.sql.gz" -> "app_*.sql.gz".
// Shared by retention (pg_dump-safe) and the audit tool, so both agree on what a series is.
#pragma once

#include <ctime>
#include <optional>
#include <string>

namespace pds::series {

// The series key of a file name (no directory part). A name without a recognisable stamp
// is its own series (the key is the name itself).
std::string series_of(const std::string& filename);

// The time the name's stamp denotes (UTC when the stamp says Z, else local time), if any.
std::optional<std::time_t> stamp_of(const std::string& filename);

// fnmatch(3)-style glob match of a file name against a series glob ("app-*.dump").
bool glob_matches(const std::string& glob, const std::string& filename);

} // namespace pds::series
