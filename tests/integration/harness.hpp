// Test harness for driving the built pg_dump-safe through a real shell against the real test
// servers. Each test works in its own directory under the build tree, recreated at the start
// of the test and left in place afterwards for inspection.
#pragma once

#include "support/files.hpp"
#include "support/process.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pdstest {

using Env = pds::test::EnvMap;
using Result = pds::test::RunResult; // status: exit code or 128+signal; out; err

std::string wrapper();       // the pg_dump-safe under test
std::string pg_bindir();     // the real pg_dump/pg_restore (PostgreSQL 15)
using pds::test::server_env; // "s15", "s17": PGHOST, PGPORT, PGUSER; fails the test if absent

// A fresh, empty directory for this test (build/test-work/<name>).
std::string workdir(const std::string& name);

// Run `script` with /bin/sh -c (tests/support's runner) in its own process group, stdin
// /dev/null. The environment is ours without PG_DUMP_SAFE_DEPTH, plus `env`, with PATH
// starting with the real pg_dump's directory. `cwd` is the working directory.
Result sh(const std::string& script, const Env& env = {}, const std::string& cwd = "");
// The options sh() runs with, for a test that adds to them (a user, a timeout, stdin).
pds::test::RunOptions sh_options(const Env& env = {}, const std::string& cwd = "");

// Run `script` with /bin/sh -c in our environment as it is (no PATH change) and our process
// group, stderr merged into stdout, which goes to `out`: system("(script) >file 2>&1").
// Returns the exit status, or 128+N for signal N.
int sh_merged(const std::string& script, std::string& out);

// Start `script` in the background; stdout/stderr go to files; returns the shell's pid.
pid_t spawn_sh(const std::string& script, const Env& env, const std::string& out_file,
               const std::string& err_file, const std::string& cwd = "");
using pds::test::wait_status; // shell-style status

// Poll `cond` every 20 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// Shell-quote a string for /bin/sh.
inline std::string q(const std::string& s) {
    return pds::test::shell_quote(s);
}

// As before tests/support: "" when the file cannot be opened (a /proc entry of a process
// that is gone, a file a test removed on purpose).
inline std::string read_file(const pds::test::PathArg& p) {
    return pds::test::read_file_or_empty(p);
}
using pds::test::write_file;          // tests/support
bool exists(const std::string& path); // lstat: symlinks count
long long file_size(const std::string& path);

// The "[backup] FAILED ..." lines in a stderr text, and the fields of one such line
// (values unquoted and unescaped as the FAILED format defines).
std::vector<std::string> lines_with(const std::string& text, const std::string& prefix);
std::map<std::string, std::string> fields(const std::string& line);
// The fields of the one FAILED line of a run (the test fails unless there is exactly one).
std::map<std::string, std::string> the_failed_line(const Result& r);

// A FAKE pg_dump written to `path`: it runs the real pg_dump (--version passed through), then
// cuts `partial` 5000 bytes short and still exits 0 (a pg_dump whose exit status was lost, or
// a disk that returned a short write). Returns `path`.
std::string fake_pg_dump_cutting(const std::string& path, const std::string& partial);

// The text without pg_dump's \restrict and \unrestrict key lines: what varies between two
// plain dumps of the same database.
std::string without_restrict_keys(const std::string& text);

// Any descendant of `root` named `comm` (depth-first), or 0.
pid_t descendant_named(pid_t root, const std::string& comm);

} // namespace pdstest
