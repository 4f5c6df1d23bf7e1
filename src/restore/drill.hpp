// One restore drill: restore a dump into a throwaway cluster (or an empty target database)
// and check the result against what the dump itself holds (restore/sql_scan.hpp).
#pragma once

#include "restore/sql_scan.hpp"
#include "verify/verify.hpp"

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace pds::restore {

struct DrillOptions {
    std::string pg_bindir;  // empty: found like pg_dump-safe finds pg_dump (cluster.hpp)
    std::string work_dir;   // empty: the dump's directory (same filesystem)
    std::string target_dsn; // non-empty: restore there instead of a throwaway cluster
    int jobs = 2;
    int port = 5432; // names the throwaway cluster's socket file only
};

enum class Outcome { Pass, Fail, Error };
const char* outcome_name(Outcome o); // "pass", "fail", "error"

struct TableCheck {
    std::string name;
    std::uint64_t dump_rows = 0;
    std::optional<std::uint64_t> restored_rows; // none: could not be counted
    std::uint64_t rows_after_marker = 0;
    bool ok() const { return restored_rows && *restored_rows == dump_rows; }
};

struct SequenceCheck {
    std::string name;
    std::string dump_value;
    bool dump_called = true;
    std::string restored_value; // empty: could not be read
    bool restored_called = true;
    bool ok() const { return restored_value == dump_value && restored_called == dump_called; }
};

struct DrillResult {
    std::string dump;
    verify::ArchiveInfo info;
    // Pass: restored and every check matched. Fail: the dump does not restore or differs
    // from what it holds. Error: the drill itself could not run (no server installation,
    // initdb failed, target refused): nothing is known about the dump.
    Outcome outcome = Outcome::Error;
    std::string problem;
    std::string target;               // "throwaway PostgreSQL 15.20 (/usr/lib/postgresql/15/bin)"
    std::string server_version;       // of the server restored into
    double restore_seconds = 0;       // pg_restore / psql wall time: the measured RTO
    double total_seconds = 0;         // the whole drill, cluster start and removal included
    std::uint64_t database_bytes = 0; // pg_database_size after the restore
    std::uint64_t copy_bytes = 0;     // table data as COPY text
    std::vector<TableCheck> tables;
    std::vector<SequenceCheck> sequences;
    std::uint64_t dump_large_objects = 0;
    std::optional<std::uint64_t> restored_large_objects;
    std::time_t finished = 0;
    std::vector<std::string> notes; // warnings: stale work directories of killed drills removed
    bool checked = false;           // the comparison ran (the restore succeeded)
    std::size_t differing() const;  // tables, sequences and large objects that differ
};

// Never throws for a bad dump or a failed restore (those are results); a caught SIGINT or
// SIGTERM stops the drill, removes the cluster and returns with outcome Error.
DrillResult run_drill(const std::string& dump, const DrillOptions& opts);

} // namespace pds::restore
