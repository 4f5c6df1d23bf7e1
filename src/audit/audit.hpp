// The audit of backup roots: scan, verify (with the cache), group into series, measure
// headroom and turn what was found into findings and an exit status.
#pragma once

#include "audit/options.hpp"
#include "audit/scan.hpp"
#include "verify/verify.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pds::audit {

enum class Severity { Ok = 0, Warning = 1, Critical = 2 };
const char* severity_name(Severity s); // "ok", "warning", "critical"

enum class Verdict { Ok, Failed, Unverified };
const char* verdict_name(Verdict v); // "ok", "failed", "unverified"

struct FinalResult {
    FoundDump dump;
    std::string dir;      // parent directory
    std::string series;   // series name within dir
    std::time_t time = 0; // the name's stamp when it has one, else the mtime (layout::dump_time)
    std::string time_source = "name"; // name, mtime, name+mtime, future-name (mtime used)
    std::time_t future_stamp = 0;     // time_source "future-name": what the name said
    Verdict verdict = Verdict::Unverified;
    std::string problem;
    verify::ArchiveInfo info;
    bool cached = false;
    bool zero_byte = false;
    bool tiny = false;
    std::string same_file_as; // a hard link of an earlier final: its verdict was reused
};

struct FailureRecord {
    std::string reason, exit, bytes, format, detail, time, target;
    std::string error; // non-empty: the record exists but could not be read or parsed
};

struct PartialResult {
    FoundPartial partial;
    std::int64_t age = 0;
    bool stale = false;
    bool history = false; // stale, but its series has a newer good restore point: not warned
    std::optional<FailureRecord> failure;
};

struct SeriesResult {
    std::string root, dir, name;
    std::vector<std::size_t> finals; // indices into Report::finals, newest first
    std::optional<std::size_t> newest_good;
    std::int64_t newest_good_age = 0;
    bool newest_unrestorable = false;
    bool too_old = false;
    Severity severity = Severity::Ok;
};

struct RootResult {
    std::string path;
    bool statvfs_ok = false;
    std::string statvfs_error;
    std::uint64_t fs_size = 0, free_bytes = 0;
    double free_percent = 0;
    std::uint64_t need = 0;     // estimated size of the next dump
    std::uint64_t required = 0; // free space the root must keep
    bool low_headroom = false;
    std::size_t finals = 0, partials = 0, stale_partials = 0, zero_byte = 0, tiny = 0,
                verify_failures = 0, unreadable = 0, series = 0;
};

struct Finding {
    Severity severity;
    std::string code; // stable: zero-byte, tiny, newest-unrestorable, no-restore-point,
                      // too-old, verify-failed, stale-partial, low-headroom, unreadable,
                      // headroom-unknown, no-dumps, missing-series, future-stamp,
                      // outside-root
    std::string path;
    std::string message;
};

struct Report {
    std::time_t now = 0;
    std::optional<verify::Level> level;
    std::int64_t max_age = -1; // -1: none
    std::vector<RootResult> roots;
    std::vector<FinalResult> finals;
    std::vector<SeriesResult> series;
    std::vector<PartialResult> partials;
    std::vector<Unreadable> unreadable;
    std::vector<Finding> findings;
    std::size_t verified = 0, from_cache = 0;
    Severity severity = Severity::Ok;
    int exit_status() const { return static_cast<int>(severity); }
};

// Throws RootError when a root cannot be read. Cache problems are warnings on `notes`.
Report run_audit(const Options& opts, std::vector<std::string>& notes);

// The wrapper's failure record of a partial (<partial>.failure.json).
FailureRecord read_failure_record(const std::string& path);

} // namespace pds::audit
