// Run journal: one JSON object per line per run, appended to a file many runs may share.
//
// Line format (keys always present, in this order; times UTC with milliseconds):
//   {"start":"2026-06-17T03:00:00.120Z","end":"2026-06-17T03:00:12.480Z","duration_s":12.36,
//    "status":"published","reason":"","exit":0,"target":"/backups/app-2026-06-17.dump",
//    "series":"app-*.dump","bytes":123456,"verify":"structure","pid":4242,
//    "phases":{"dump":10.1,"verify":1.2,"sync":0.3,"rename":0.001,"hooks":null,
//              "retention":0.02},"content":{"measured":"names","tables":6,...},"detail":""}
// A phase that did not run is null. Durations are seconds.
//
// Strings: text::json_string: `"` and `\` are escaped, control characters as \b \f \n \r \t or
// \u00XX, valid UTF-8 passes through unchanged, and a byte that is not part of valid UTF-8
// (paths on Linux are bytes) is written as the text \xHH, as in the metrics file, the audit's
// output and the FAILED line (src/text/text.hpp).
//
// The journal is opened like every path others may plant at (posix::open_nofollow_regular):
// a symbolic link, a FIFO or any other non-regular file is refused; the flock waits at most
// posix::kReportLockTimeout, then the append is given up with an error (the caller warns).
#pragma once

#include "text/text.hpp"

#include <boost/filesystem/path.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pds::report {

struct PhaseTimes {
    std::optional<double> dump, verify, sync, rename, hooks, retention;
};

struct JournalRecord {
    std::chrono::system_clock::time_point start;
    std::chrono::system_clock::time_point end;
    std::string status; // "published" or "failed"
    std::string reason; // the FAILED line's reason; empty when published
    int exit_code = 0;
    std::string target;
    std::string series;
    std::uint64_t bytes = 0;
    std::string verify_level;
    PhaseTimes phases;
    // The content manifest's summary (manifest::journal_json: one JSON object), or empty
    // for null (no manifest: --safe-manifest=off, a failed run, an appended dump).
    std::string content_json;
    std::string detail;
};

// The record as one JSON line, newline included.
std::string journal_line(const JournalRecord& record);

// Appends the record's line: O_APPEND, under an exclusive flock(2) held for the whole write,
// so lines of concurrent runs never interleave; if a crashed writer left a partial last
// line, a newline is written first so the new line still parses. fdatasync'ed.
// Throws std::runtime_error naming the path and the errno text.
void append_journal(const boost::filesystem::path& path, const JournalRecord& record);

// JSON strings and times come from the one text module (src/text/text.hpp).
using text::iso8601_utc_ms;
using text::json_string;
using text::utf8_sequence_length;

} // namespace pds::report
