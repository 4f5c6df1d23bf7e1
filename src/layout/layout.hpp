// The backup-directory vocabulary: which names are pg_dump-safe's work files, what a
// directory dump is, how big it is, and whether a file's content is a pg_dump output.
// Shared by retention (pg_dump-safe) and the audit tool, so both agree (like series/).
#pragma once

#include <cstdint>
#include <string>

namespace pds::layout {

// Suffixes of the files pg_dump-safe keeps beside a final dump FINAL.
inline constexpr const char* kPartial = ".partial";               // FINAL.partial (file or dir)
inline constexpr const char* kLock = ".lock";                     // FINAL.lock
inline constexpr const char* kFailureRecord = ".failure.json";    // FINAL.partial.failure.json
inline constexpr const char* kManifest = ".manifest.json";        // FINAL.manifest.json
inline constexpr const char* kRestoreTest = ".restore-test.json"; // FINAL.restore-test.json
inline constexpr const char* kTemp = ".tmp";                      // atomic-write temporaries

// Hidden work directories of a restore drill (pg_dump-safe-audit --restore-test): the
// throwaway cluster's and the logs' in the dump's directory (or --work-dir), and a short
// socket directory in /tmp. Their creator holds an flock on each while it runs; the audit
// never walks into them, and the next drill removes one whose creator is gone (SIGKILL).
inline constexpr const char* kDrillClusterPrefix = ".pg_dump-safe-restore-test.";
inline constexpr const char* kDrillLogsPrefix = ".pg_dump-safe-restore-logs.";
inline constexpr const char* kDrillSocketPrefix = "pds-restore-sock.";
bool is_drill_work_dir(const std::string& name);

bool ends_with(const std::string& s, const std::string& suffix);

std::string partial_of(const std::string& final_path);     // FINAL.partial
std::string lock_of(const std::string& final_path);        // FINAL.lock
std::string failure_record_of(const std::string& partial); // PARTIAL.failure.json
// "FINAL.partial" -> "FINAL"; "" when the name is not a partial.
std::string final_of_partial(const std::string& partial_name);

// Names retention and the audit never take for a dump: work files (*.partial, *.partial.*,
// *.lock, *.failure.json, *.manifest.json, *.restore-test.json, *.tmp) and hidden names.
bool is_work_file(const std::string& name);

// A directory is a pg_dump -Fd dump when it holds a regular file toc.dat (not a link).
bool is_dump_directory(const std::string& dir);

// A directory dump's bytes: the regular files directly in it, looked at with lstat (links
// are neither followed nor counted; pg_dump writes the directory flat).
struct TreeSize {
    std::uint64_t bytes = 0;
    std::int64_t newest_mtime_ns = 0; // newest among the files (0: none)
    std::string problem;              // non-empty: the directory could not be read
};
TreeSize directory_size(const std::string& dir);

// What a regular file's first bytes say it is. Recognised by content, not by name:
// custom ("PGDMP"), tar with toc.dat as its first member, plain SQL with pg_dump's or
// pg_dumpall's header, and gzip of such SQL. Reads at most a few KiB, never blocks.
enum class Content { NotADump, Custom, Tar, Plain, GzipPlain };
Content sniff(const std::string& path);
const char* content_name(Content c);

} // namespace pds::layout
