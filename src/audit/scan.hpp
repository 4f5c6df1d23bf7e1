// Walking a backup root: what is a final dump, what is a partial, what could not be read.
#pragma once

#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::audit {

enum class NameKind { Other, Final, Partial, FailureRecord };

// How a file name is treated: "*.partial.failure.json" belongs to its partial, "*.partial"
// is a partial, the final-dump suffixes and the extra globs make a final; the rest is other.
NameKind classify_name(const std::string& name, const std::vector<std::string>& patterns);

// Identity and size of a file or a directory dump (for a directory: the total of its regular
// files, the newest mtime among it and them), as the cache compares them.
struct FileId {
    std::uint64_t dev = 0;
    std::uint64_t ino = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::time_t mtime() const { return static_cast<std::time_t>(mtime_ns / 1000000000); }
};

struct FoundDump {
    std::string path;
    std::string root;
    bool directory = false;
    FileId id;
    std::string problem;      // non-empty: cannot be read as a dump (dangling link, FIFO, ...)
    std::string outside_root; // a symbolic link to a dump outside the root: its target
    bool by_content = false;  // its name is not a dump name; its content is pg_dump output
};

struct FoundPartial {
    std::string path;
    std::string root;
    bool directory = false;
    FileId id;
    std::string record_path; // "<partial>.failure.json" when it exists
};

struct Unreadable {
    std::string path;
    std::string error;
};

struct RootScan {
    std::string root;
    std::vector<FoundDump> finals;
    std::vector<FoundPartial> partials;
    std::vector<Unreadable> unreadable;
};

// The root itself cannot be read: the audit cannot run (exit status 3).
struct RootError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Walks root recursively without following symbolic links to directories (no loops, no
// double counting). A directory holding toc.dat is one directory dump and is not entered.
// A file is a final dump by its name (classify_name) or, failing that, by its content
// (layout::sniff). A symbolic link to a file or directory inside the root is an alias
// ("app-latest.sql.gz") and is skipped: its target is found by the walk itself. A link to a
// dump outside the root is listed with outside_root set.
RootScan scan_root(const std::string& root, const std::vector<std::string>& patterns);

// Smallest size a valid pg_dump output with this name can have; smaller finals are "tiny".
std::uint64_t minimum_valid_size(const std::string& name, bool directory);

} // namespace pds::audit
