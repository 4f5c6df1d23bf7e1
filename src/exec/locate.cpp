#include "exec/locate.hpp"

#include "posix/open.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::exec {

bool is_executable_file(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

bool is_self(const std::string& candidate) {
    struct stat self {
    }, other{};
    if (::stat("/proc/self/exe", &self) != 0 || ::stat(candidate.c_str(), &other) != 0)
        return false;
    if (self.st_dev == other.st_dev && self.st_ino == other.st_ino)
        return true;
    // A copy installed as "pg_dump" (no symlink): same size and same bytes.
    return self.st_size == other.st_size && posix::same_content("/proc/self/exe", candidate);
}

std::string find_pg_dump(const std::string& explicit_path, const std::string& path_env) {
    if (!explicit_path.empty()) {
        struct stat st {};
        if (::stat(explicit_path.c_str(), &st) != 0)
            throw LocateError(
                "pg_dump-safe: pg_dump " + explicit_path + ": " + std::strerror(errno), 127);
        if (!is_executable_file(explicit_path))
            throw LocateError(
                "pg_dump-safe: pg_dump " + explicit_path + " is not an executable file", 126);
        if (is_self(explicit_path))
            throw LocateError("pg_dump-safe: --safe-pg-dump " + explicit_path +
                                  " is pg_dump-safe itself, not the real pg_dump",
                              127);
        return explicit_path;
    }
    std::stringstream dirs(path_env);
    std::string dir;
    std::string skipped;
    while (std::getline(dirs, dir, ':')) {
        fs::path cand = fs::path(dir.empty() ? "." : dir) / "pg_dump";
        if (!is_executable_file(cand.string()))
            continue;
        if (is_self(cand.string())) {
            skipped += " " + cand.string();
            continue;
        }
        return cand.string();
    }
    throw LocateError(
        "pg_dump-safe: the real pg_dump was not found in PATH" +
            (skipped.empty() ? std::string() : " (skipped pg_dump-safe itself at" + skipped + ")") +
            "; install postgresql-client or set --safe-pg-dump=PATH / PG_DUMP_SAFE_PG_DUMP",
        127);
}

std::string find_pg_restore(const std::string& explicit_path, const std::string& pg_dump) {
    if (!explicit_path.empty()) {
        if (!is_executable_file(explicit_path))
            throw LocateError(
                "pg_dump-safe: pg_restore " + explicit_path + " is not an executable file", 126);
        return explicit_path;
    }
    fs::path beside = fs::path(pg_dump).parent_path() / "pg_restore";
    if (is_executable_file(beside.string()))
        return beside.string();
    boost::system::error_code ec;
    fs::path resolved = fs::canonical(pg_dump, ec);
    if (!ec) {
        fs::path r = resolved.parent_path() / "pg_restore";
        if (is_executable_file(r.string()))
            return r.string();
    }
    throw LocateError("pg_dump-safe: pg_restore not found beside " + pg_dump +
                          "; set --safe-pg-restore=PATH / PG_DUMP_SAFE_PG_RESTORE",
                      127);
}

} // namespace pds::exec
