// Finding the real pg_dump (never this program) and the pg_restore beside it.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::exec {

// pg_dump cannot be found or run: exit status 127 (not found) or 126 (not executable).
struct LocateError : std::runtime_error {
    LocateError(const std::string& what, int status)
        : std::runtime_error(what), exit_status(status) {}
    int exit_status;
};

struct Tools {
    std::string pg_dump; // the program run (with Debian's pg_wrapper: the real one it picks)
    std::string pg_restore;
    std::vector<std::string> pg_dump_env;       // NAME=VALUE set for pg_dump (pg_wrapper's)
    std::vector<std::string> pg_dump_unset_env; // names removed from pg_dump's environment
    std::string wrapper_bindir; // non-empty: pg_dump was found as pg_wrapper, this is its pick
};

// A regular file (links followed) that this process may execute.
bool is_executable_file(const std::string& path);

// Is `candidate` this very program? True for the same file (st_dev, st_ino of /proc/self/exe,
// so hard links and symlinks count) and for a byte-identical copy of it.
bool is_self(const std::string& candidate);

// Order: explicit (--safe-pg-dump / PG_DUMP_SAFE_PG_DUMP), then the PATH entries named
// "pg_dump" that are not this program. `path_env` is $PATH (injectable for tests).
std::string find_pg_dump(const std::string& explicit_path, const std::string& path_env);

// pg_restore beside pg_dump (the directory named, then the symlink-resolved one).
std::string find_pg_restore(const std::string& explicit_path, const std::string& pg_dump);

} // namespace pds::exec
