// The throwaway PostgreSQL cluster a drill restores into: initdb into a temporary directory,
// one postgres process listening on a unix socket only, stopped and removed by the destructor
// whatever happened (an exception, a caught SIGINT/SIGTERM).
#pragma once

#include "posix/fd.hpp"
#include "restore/process.hpp"

#include <string>
#include <vector>

namespace pds::restore {

// initdb, postgres, pg_restore and psql of one PostgreSQL installation.
struct Bindir {
    std::string dir;
    int major = 0;
    std::string version; // "15.20"
    std::string program(const char* name) const { return dir + "/" + name; }
};

// `postgres --version` of dir; nullopt-like major 0 when dir lacks one of the four programs.
Bindir probe_bindir(const std::string& dir);

// explicit_dir when given (refused if older than min_major). Otherwise the installation with
// the smallest major >= min_major among $PATH, /usr/lib/postgresql/*/bin,
// /usr/pgsql-*/bin, /usr/local/pgsql/bin. min_major 0: the newest. Throws when none fits.
Bindir find_bindir(const std::string& explicit_dir, int min_major);

struct ClusterSettings {
    std::string work_dir; // the temporary directory is created inside it
    int port = 5432;      // only names the socket file: no TCP
    int jobs = 2;
};

class ThrowawayCluster {
public:
    ThrowawayCluster(const Bindir& bin, const ClusterSettings& settings);
    ~ThrowawayCluster(); // stop() and remove; never throws
    ThrowawayCluster(const ThrowawayCluster&) = delete;
    ThrowawayCluster& operator=(const ThrowawayCluster&) = delete;

    // initdb and start; throws with the tail of initdb's or the server's log.
    void start();
    // Immediate shutdown (the data is thrown away), then the directory is removed. Idempotent.
    void stop_and_remove();

    const std::string& socket_dir() const { return socket_dir_; }
    int port() const { return settings_.port; }
    const std::string& root() const { return root_; }
    pid_t server_pid() const { return pid_; }
    std::string log_tail() const;

private:
    Bindir bin_;
    ClusterSettings settings_;
    RunAs as_;
    std::string root_, socket_dir_, extra_socket_root_;
    posix::Fd root_lock_, socket_lock_;
    pid_t pid_ = -1;
};

// A directory of our own (mode 0700) inside `parent`, owned by `as` when it switches user,
// named prefix + 6 random characters. `lock` holds an flock on the directory for as long as
// it is kept: a drill killed by SIGKILL leaves an unlocked one, which sweep_stale_work_dirs
// removes. The lock is taken before anyone else could find the directory unlocked and
// remove it (a sweep that got there first is detected and a new directory made).
struct PrivateDir {
    std::string path;
    posix::Fd lock;
};
PrivateDir make_private_dir(const std::string& parent, const std::string& prefix, const RunAs& as);

// Removes a directory tree we created (posix::remove_tree); never throws.
void remove_scratch_tree(const std::string& path) noexcept;

// Removes the drill work directories (layout::is_drill_work_dir) in `parent` that no running
// drill holds: left by a drill killed with SIGKILL. Only directories of this user, or (as
// root) of the server user `as`; a server still running in one is stopped first (SIGQUIT,
// then SIGKILL after 10 s; only a process whose working directory is that cluster's data
// directory). Returns one message per directory removed or left in place; never throws.
std::vector<std::string> sweep_stale_work_dirs(const std::string& parent, const RunAs& as);

} // namespace pds::restore
