// What the restore-drill tests share (test_restore_drill.cpp, test_drill_leftovers.cpp): the
// audit binary, databases and dumps on the pg15 fixture, the throwaway clusters' ports and
// directories, and the processes still running in them.
#pragma once

#include "harness.hpp"

#include <string>
#include <vector>

namespace pdstest {

std::string audit_bin(); // the pg_dump-safe-audit under test

// A port number for a throwaway cluster's socket name: the fixture's port + offset. Each test
// file keeps a range of its own (test_restore_drill +5..+12, test_drill_leftovers +20..+22).
std::string cluster_port(const Env& env, int offset);

// pg_dump-safe-audit --restore-test --cluster-port=<fixture's port + offset> `args`, for sh().
std::string drill_command(const Env& env, int port_offset, const std::string& args);

// /tmp/<name>, emptied and created: the postgres user must reach the clusters' directories (a
// checkout under /root is not traversable), and socket paths must stay short.
std::string fresh_tmp_dir(const std::string& name);

// Drops and creates database `db` on the fixture, then runs `sql` in it (ON_ERROR_STOP).
void create_database(const Env& env, const std::string& db, const std::string& sql);

// pg_dump `flags` -f `out` `db` on the fixture; must succeed.
void dump_database(const Env& env, const std::string& flags, const std::string& out,
                   const std::string& db);

// The entries of `dir` whose name starts with `prefix` (full paths, sorted).
std::vector<std::string> entries_starting(const std::string& dir, const std::string& prefix);

// "pid: command line" of each process whose command line mentions `needle`.
std::vector<std::string> processes_mentioning(const std::string& needle);

} // namespace pdstest
