// Content manifest of a published dump (issue 14, part 3): what the dump holds, per table,
// written beside it as FINAL.manifest.json and compared with the previous good dump of its
// series to catch the dump that verifies but is the wrong thing (an emptied database, the
// wrong -d, a -n that matches nothing).
//
// What is measured depends on the verification level (README "Content check"):
//   Measure::Rows   full and restore: every table's COPY rows and COPY text bytes, counted
//                   from the SQL text (pg_restore --data-only -f -, or the plain dump's text)
//   Measure::Names  toc and structure, archives: the tables with data (pg_restore -l), and the
//                   archive's stored data bytes when the verifier measured them
//   Measure::None   toc and structure, plain dumps: nothing per table
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::manifest {

enum class Measure { None, Names, Rows };
const char* measure_name(Measure m); // "none", "names", "rows"
std::optional<Measure> parse_measure(const std::string& s);

struct TableEntry {
    std::string name;                   // as SQL (Rows) or "schema.tag" from pg_restore -l (Names)
    std::optional<std::uint64_t> rows;  // Rows only
    std::optional<std::uint64_t> bytes; // COPY text bytes, Rows only
};

struct Manifest {
    std::string dump;             // file name of the dump (no directory)
    std::uint64_t dump_bytes = 0; // the dump's size when published (a file's; a directory's files)
    std::time_t published = 0;
    std::string format; // custom, tar, directory, plain
    std::string database;
    std::string pg_dump_version;
    std::string verify; // the level that measured it
    Measure measured = Measure::None;
    std::optional<std::uint64_t> data_bytes;        // COPY text bytes of all tables (Rows)
    std::optional<std::uint64_t> stored_data_bytes; // as stored in the archive (verifier)
    std::string compression;                        // of the stored data
    std::optional<std::uint64_t> large_objects;     // Rows
    std::vector<TableEntry> tables;
    std::optional<std::uint64_t> total_rows() const; // Rows only
};

struct ManifestError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The record as JSON (one object, a table per line, newline at the end).
std::string to_json(const Manifest& m);
// Throws ManifestError for anything that is not a manifest of a version we read.
Manifest parse(const std::string& json);

// The one-line summary for the journal: {"measured":"rows","tables":N,"rows":N|null,
// "data_bytes":N|null,"stored_data_bytes":N|null,"seconds":S,"previous":PATH|null,
// "warnings":[...]} (see docs/metrics.md). seconds: the time the measurement took.
struct Finding;
std::string journal_json(const Manifest& m, const std::vector<Finding>& findings, double seconds,
                         const std::string& previous);

// FINAL.manifest.json ("dir/" of a directory dump names the directory).
std::string manifest_path(const std::string& final_path);

// ---- comparison with the previous good dump of the series ----

enum class Check { Shrink, EmptiedTables, MissingTables };
const char* check_name(Check c); // "shrink", "emptied-tables", "missing-tables"

struct Finding {
    Check check;
    std::string detail; // one line, for the WARNING line, the hook and the journal
};

// Checks cur against prev. max_shrink_percent: warn when the table data fell by more than
// this share (0-100). Only like is compared with like: COPY bytes with COPY bytes (or stored
// bytes of the same format and compression), rows with rows, names of one kind with names of
// the same kind. Another database is compared too: in one series that is the wrong -d.
std::vector<Finding> compare(const Manifest& prev, const Manifest& cur,
                             unsigned max_shrink_percent);

// The previous good dump of the series of `final_path`: among the dumps in its directory
// whose names match the series (series_glob, else the name with its stamp as *, else the
// name itself) and that have a readable manifest whose recorded size still matches the dump,
// the one published last. The dump at final_path itself counts (its previous content).
// When `database` is named, a dump of that database is preferred (a --safe-series glob may
// span several databases); only when the series has none is the newest of any taken.
struct Previous {
    std::string dump;     // path
    std::string manifest; // path
    Manifest content;
};
std::optional<Previous> find_previous(const std::string& final_path, const std::string& series_glob,
                                      const std::string& database = "");

// Size of a dump as a manifest records it: a regular file's size, or the sum of the regular
// files directly in a directory dump. nullopt when it is neither (or gone).
std::optional<std::uint64_t> dump_size(const std::string& path);

// Writes FINAL.manifest.json through the file layer (O_EXCL temporary, fsync, rename,
// directory fsync; no fsync when !sync, as with --no-sync) with `mode`. Throws naming the
// path and the errno text.
void write_manifest(const std::string& final_path, const Manifest& m, unsigned mode,
                    bool sync = true);

// Removes FINAL.manifest.json if it is there (a regular file; never follows a link): a
// published dump without a new manifest must not keep the old dump's. Throws on errors
// other than ENOENT.
void remove_manifest(const std::string& final_path);

} // namespace pds::manifest
