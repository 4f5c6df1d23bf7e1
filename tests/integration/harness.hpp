// Test harness for driving the built pg_dump-safe through a real shell against the real test
// servers. Each test works in its own directory under the build tree, recreated at the start
// of the test and left in place afterwards for inspection.
#pragma once

#include "support/files.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pdstest {

using Env = std::map<std::string, std::string>;

struct Result {
    int status = -1; // shell-style: exit code or 128+signal
    std::string out;
    std::string err;
};

std::string wrapper();   // the pg_dump-safe under test
std::string pg_bindir(); // the real pg_dump/pg_restore (PostgreSQL 15)
Env server_env(
    const std::string& name); // "s15", "s17": PGHOST, PGPORT, PGUSER; fails the test if absent

// A fresh, empty directory for this test (build/test-work/<name>).
std::string workdir(const std::string& name);

// Run `script` with /bin/sh -c. The environment is ours plus `env`, with PATH starting with
// the real pg_dump's directory. `cwd` is the working directory.
Result sh(const std::string& script, const Env& env = {}, const std::string& cwd = "");

// Start `script` in the background; stdout/stderr go to files; returns the shell's pid.
pid_t spawn_sh(const std::string& script, const Env& env, const std::string& out_file,
               const std::string& err_file, const std::string& cwd = "");
int wait_status(pid_t pid); // shell-style status

// Poll `cond` every 20 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// Shell-quote a string for /bin/sh.
std::string q(const std::string& s);

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

// Any descendant of `root` named `comm` (depth-first), or 0.
pid_t descendant_named(pid_t root, const std::string& comm);

} // namespace pdstest
