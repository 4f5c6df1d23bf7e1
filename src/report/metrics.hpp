// Prometheus metrics for node_exporter's textfile collector, written after every run.
//
// Time series (all gauges; labels target = the dump's final path, absolute; series = the
// directory and series pattern of that path, e.g. "/backups/app-*.dump", see docs/metrics.md):
//   pg_dump_safe_last_run_success{target,series}               1 published, 0 failed
//   pg_dump_safe_last_run_timestamp_seconds{target,series}     Unix time the last run ended
//   pg_dump_safe_last_run_duration_seconds{target,series}      wall-clock seconds of the run
//   pg_dump_safe_last_run_bytes{target,series}                 bytes of the run's dump
//   pg_dump_safe_last_run_verify_info{target,series,level}     always 1; level = toc|structure|full
//   pg_dump_safe_last_run_content_warning{target,series,check} 1/0 per content check (shrink,
//                                                               emptied-tables, missing-tables)
//                                                               when the run compared its
//                                                               manifest with a previous one
//   pg_dump_safe_last_run_table_data_bytes{target,series}      the manifest's table data bytes
//   pg_dump_safe_last_success_timestamp_seconds{target,series} last publication; a failed run
//                                                               keeps the previous value
//   pg_dump_safe_last_failure_timestamp_seconds{target,series,reason}
//                                                               last failed run, reason = the
//                                                               FAILED line's reason; kept
//                                                               across successful runs
// One file may hold many series: a run replaces only the samples of its own series (whatever
// their target: dated names of one series are one job), under an flock(2) on the file's directory,
// and keeps every other target's. The file is replaced atomically (temporary file in the same
// directory, fsync, rename, fsync of the directory), so the collector never reads half a file.
//
// Label values: text::prom_label (src/text/text.hpp), the same as pg_dump-safe-audit's:
// bytes that are not valid UTF-8 and control characters other than newline become the text
// \xHH (the collector rejects a file with invalid UTF-8, and with it every metric in it;
// raw control bytes would reach terminals and dashboards), then `\`, `"` and newline are
// escaped as the exposition format requires.
//
// Planted files: the directory's flock waits at most posix::kReportLockTimeout (10 s), then
// the update is given up with an error; a symbolic link, FIFO or other non-regular file at
// the metrics path is refused without blocking; the temporary is created with O_EXCL.
#pragma once

#include <boost/filesystem/path.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pds::report {

struct RunMetrics {
    std::string target;
    std::string series;
    bool success = false;
    std::chrono::system_clock::time_point end; // when the run ended
    double duration_seconds = 0;
    std::uint64_t bytes = 0;
    std::string verify_level;   // "toc", "structure", "full"
    std::string failure_reason; // when !success: "disk-full", "verify-failed", ...
    // Content check (src/manifest): whether a previous manifest was compared, the checks that
    // warned ("shrink", "emptied-tables", "missing-tables"), the manifest's data bytes.
    bool content_checked = false;
    std::vector<std::string> content_warnings;
    std::optional<std::uint64_t> table_data_bytes;
};

// The new file content: `previous` (the current file, "" if none) with this run's samples
// replaced and its last-success / last-failure samples carried over as described above.
std::string render_metrics(const std::string& previous, const RunMetrics& run);

// Reads the current file, renders, and replaces it atomically. A new file gets 0666 & ~umask
// (like a shell redirection: run with umask 022 or wider-reading for the collector to read
// it); an existing file owned by this user or root keeps its mode.
// Throws std::runtime_error naming the path and the errno text; never leaves a temporary.
void write_metrics(const boost::filesystem::path& file, const RunMetrics& run);

// A label value escaped for the exposition format (without the quotes).
std::string escape_label_value(const std::string& value);

} // namespace pds::report
