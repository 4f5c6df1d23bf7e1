// Debian's pg_wrapper (postgresql-common), which /usr/bin/pg_dump is on Debian and Ubuntu,
// decided in-process: which PostgreSQL version's pg_dump it would run for this command line and
// environment, and which environment it would give it.
//
// pg_wrapper is a perl script: each pass through it costs a perl start-up (about 24 ms of CPU),
// and a bare `pg_dump --version` through it may name another version than the dump gets
// (--cluster, PGCLUSTER, a port matching a local cluster and user_clusters all choose). So
// pg_dump-safe makes pg_wrapper's decision itself, following /usr/share/postgresql-common/
// pg_wrapper and PgCommon.pm (postgresql-common 248) rule by rule, and runs
// /usr/lib/postgresql/N/bin/pg_dump and pg_restore directly with pg_wrapper's environment.
// Where pg_wrapper would stop with an error, `error` says so and nothing runs.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace pds::exec {

// Is the pg_dump found Debian's pg_wrapper? Its resolved file name is "pg_wrapper", or it is
// a script that loads PgCommon.
bool is_pg_wrapper(const std::string& path);

// Where postgresql-common looks; defaults as PgCommon.pm sets them (PG_CLUSTER_CONF_ROOT and
// PGSYSCONFDIR are read through `getenv`). Tests point them at a made-up tree.
struct WrapperRoots {
    std::string binroot = "/usr/lib/postgresql/";   // ends with '/', as PgCommon's $binroot
    std::string confroot;                           // "": PG_CLUSTER_CONF_ROOT or /etc/postgresql
    std::string common_confdir;                     // "": PGSYSCONFDIR or /etc/postgresql-common
    std::function<const char*(const char*)> getenv; // null: ::getenv
};

struct WrapperChoice {
    std::string error;                  // pg_wrapper would stop with this error
    std::vector<std::string> warnings;  // lines pg_wrapper would print (it prints some on stdout)
    std::string version;                // "15": the PostgreSQL version whose pg_dump runs
    std::string bindir;                 // "/usr/lib/postgresql/15/bin"
    std::vector<std::size_t> removed;   // indexes of pg_wrapper's own arguments (--cluster V/C)
    std::vector<std::string> env;       // NAME=VALUE pg_wrapper sets (PGHOST, PGPORT, ...)
    std::vector<std::string> unset_env; // names it deletes (PGCLUSTER after -h)
};

// args: the command line as pg_wrapper receives it (without argv[0]).
WrapperChoice resolve_pg_wrapper(const std::vector<std::string>& args, const WrapperRoots& roots);

} // namespace pds::exec
