// pg_dump 15 against a PostgreSQL 17 server: pg_dump refuses ("server version mismatch"),
// which with plain `pg_dump > file` leaves a zero-byte file that looks like a dump.
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace pdstest;

TEST_CASE("server newer than pg_dump: -f leaves the previous dump untouched", "[mismatch]") {
    Env env = server_env("s17");
    std::string dir = workdir("mismatch-file");
    std::string target = dir + "/app.dump";
    write_file(target, "previous good dump\n");
    Result r = sh(q(wrapper()) + " -Fc -f " + q(target) +
                      " --safe-on-failure='echo $PG_DUMP_SAFE_REASON >&2' app",
                  env);
    CHECK(r.status == 1);
    CHECK(read_file(target) == "previous good dump\n");
    auto lines = lines_with(r.err, "[backup] FAILED ");
    REQUIRE(lines.size() == 1);
    auto f = fields(lines[0]);
    CHECK(f["reason"] == "version-mismatch");
    CHECK(f["detail"].find("server version mismatch") != std::string::npos);
    CHECK(r.err.find("\nversion-mismatch\n") != std::string::npos); // the hook ran
}

TEST_CASE("server newer than pg_dump: `> file` gets no byte, the partial keeps the evidence",
          "[mismatch]") {
    Env env = server_env("s17");
    std::string dir = workdir("mismatch-stdout");
    // Plain pg_dump leaves a zero-byte "restore point" here...
    Result plain = sh("pg_dump -Fc app > plain.dump", env, dir);
    CHECK(plain.status != 0);
    CHECK(file_size(dir + "/plain.dump") == 0);
    // ...and so does the shell for pg_dump-safe: the descriptor may be shared by later commands
    // of the same redirection, so its name is never removed or replaced. No byte reaches it; the
    // (empty) partial and the FAILED line are the evidence, and the audit reports the 0-byte file.
    Result r = sh(q(wrapper()) + " -Fc app > safe.dump", env, dir);
    CHECK(r.status == 1);
    CHECK(file_size(dir + "/safe.dump") == 0);
    CHECK(exists(dir + "/safe.dump.partial"));
    auto lines = lines_with(r.err, "[backup] FAILED ");
    REQUIRE(lines.size() == 1);
    CHECK(fields(lines[0])["reason"] == "version-mismatch");
    CHECK(fields(lines[0])["target"] == dir + "/safe.dump");
}
