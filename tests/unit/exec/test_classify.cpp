#include "exec/classify.hpp"

#include <catch2/catch.hpp>
#include <csignal>

using namespace pds::exec;

namespace {
std::string name(bool exited, int code, int sig, const std::string& err, int interrupted = 0) {
    return reason_name(classify_pg_dump_failure(exited, code, sig, err, interrupted));
}
} // namespace

// The stderr texts are pg_dump 15's own messages, as seen on this machine.
TEST_CASE("pg_dump failures are classified from exit and stderr", "[classify]") {
    CHECK(name(true, 1, 0,
               "pg_dump: error: could not write to output file: No space left on device\n") ==
          std::string("disk-full"));
    CHECK(name(true, 1, 0,
               "pg_dump: error: server version: 17.10; pg_dump version: 15.18\n"
               "pg_dump: detail: aborting because of server version mismatch\n") ==
          std::string("version-mismatch"));
    CHECK(name(true, 1, 0,
               "pg_dump: error: connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: "
               "No such file or directory\n") == std::string("connection"));
    CHECK(
        name(true, 1, 0,
             "pg_dump: error: Dumping the contents of table \"t\" failed: PQgetCopyData() failed.\n"
             "pg_dump: detail: Error message from server: FATAL:  terminating connection due to "
             "administrator command\n") == std::string("connection"));
    CHECK(name(true, 1, 0,
               "pg_dump: error: too many command-line arguments (first is \"x\")\n"
               "pg_dump: hint: Try \"pg_dump --help\" for more information.\n") ==
          std::string("usage"));
    CHECK(
        name(true, 1, 0, "pg_dump: error: query failed: ERROR:  permission denied for table t\n") ==
        std::string("pg_dump-exit"));
    CHECK(name(false, 0, SIGKILL, "") == std::string("signal"));
    CHECK(name(false, 0, SIGTERM, "", SIGTERM) == std::string("interrupted"));
    CHECK(name(true, 1, 0, "anything", SIGINT) == std::string("interrupted"));
}

TEST_CASE("the detail is the first error line", "[classify]") {
    CHECK(key_error_line("pg_dump: warning: x\npg_dump: error: first\npg_dump: error: second\n") ==
          "pg_dump: error: first");
    CHECK(key_error_line("just text\n") == "just text");
    CHECK(key_error_line("") == "");
}
