// Helpers of the audit tests: temporary backup roots, real pg_dump runs, in-process and
// out-of-process invocations of the audit.
#pragma once

#include "audit/json_reader.hpp"
#include "support/files.hpp"
#include "support/process.hpp"
#include "support/prometheus.hpp"
#include "support/scratch_dir.hpp"

#include <ctime>
#include <string>
#include <vector>

namespace pds::audit::test {

// A fresh directory /tmp/pds-audit-test-XXXXXX that user "nobody" may enter (tests/support).
struct TempDir : pds::test::ScratchDir {
    TempDir() : ScratchDir("pds-audit-test") {}
};

using pds::test::parse_prometheus;
using pds::test::PromDoc;
using pds::test::PromSample;
using pds::test::read_file; // tests/support
using pds::test::write_file;
void make_dirs(const std::string& path);
void set_mtime(const std::string& path, std::time_t t);
// Every file and directory under ROOT (and ROOT itself) gets mtime T: a fixed clock must
// apply to every file a test creates, or the test depends on the day it runs.
void set_tree_mtime(const std::string& root, std::time_t t);
// Copies a file or a directory dump (flat) byte for byte.
void copy_dump(const std::string& from, const std::string& to);
void truncate_file(const std::string& path, std::uint64_t size);
std::uint64_t file_size(const std::string& path);

using Run = pds::test::RunResult; // status, out, err

// pg_dump-safe-audit in this process (run_cli).
Run audit(const std::vector<std::string>& args, bool terminal = false);
// The same in a forked child running as user "nobody", so that permission bits bite
// although the tests run as root.
Run audit_as_nobody(const std::vector<std::string>& args);
// The built executable (PDS_AUDIT_BINARY), with environment variables set and unset.
Run run_binary(const std::vector<std::string>& args, const pds::test::EnvMap& env = {},
               const std::vector<std::string>& unset = {});
// A shell command; stdout captured, stderr to the test's stderr.
Run shell(const std::string& command);
using pds::test::shell_quote;

// pg_dump 15 of database "app" from the test server (env from PDS_PGTEST_ROOT/s15/env).
// format: "c", "t", "d", "p"; REQUIREs success.
void pg_dump(const std::string& format, const std::string& out, const std::string& extra = "");

// pg_dumpall -g (globals only) of the test server into `out` (plain SQL); REQUIREs success.
void pg_dumpall_globals(const std::string& out);

// Parses JSON text strictly with python3's json module as well (rejecting invalid UTF-8,
// NaN and duplicate keys) and returns the document parsed by our strict reader.
JsonValue strict_json(const std::string& text);

std::time_t now();

} // namespace pds::audit::test
