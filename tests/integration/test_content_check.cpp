// Issue 14, parts 2 and 3, against the real PostgreSQL 15 server: the content manifest beside
// each published dump, the comparison with the previous dump of the series (shrink, emptied
// and missing tables), --safe-shrink=fail, --safe-manifest=off, and --safe-verify=restore.
#include "harness.hpp"
#include "support/json.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>

using namespace pdstest;

namespace {

std::string cmd(const std::string& args) {
    return q(wrapper()) + " " + args;
}

// A database of its own (tests run in parallel), a copy of the seeded "app".
void make_database(const Env& env, const std::string& name) {
    Result r =
        sh("psql -X -q -v ON_ERROR_STOP=1 -d postgres -c " + q("DROP DATABASE IF EXISTS " + name) +
               " -c " + q("CREATE DATABASE " + name + " TEMPLATE app"),
           env);
    INFO(r.err);
    REQUIRE(r.status == 0);
}

void psql(const Env& env, const std::string& db, const std::string& sql) {
    Result r = sh("psql -X -q -v ON_ERROR_STOP=1 -d " + db + " -c " + q(sql), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
}

std::string sha(const std::string& path) {
    return sh("sha256sum " + q(path)).out.substr(0, 64);
}

// The table entry named `name` of a manifest.
const pds::test::Json* table(const pds::test::Json& m, const std::string& name) {
    for (const auto& t : m.at("tables").arr)
        if (t.at("name").str == name)
            return &t;
    return nullptr;
}

} // namespace

TEST_CASE("content check: quiet on normal growth, warns on an emptied table and a dropped one",
          "[content]") {
    Env env = server_env("s15");
    make_database(env, "content_grow");
    const std::string dir = workdir("content-grow");
    const std::string base = "-Fc --safe-verify=full --safe-journal=" + q(dir + "/journal") + " ";
    const std::string hook =
        " --safe-on-success=" +
        q("env | grep -E '^PG_DUMP_SAFE_(CONTENT|PREVIOUS)' | sort > " + q(dir + "/hook.env"));

    Result r = sh(cmd(base + "-f " + q(dir + "/app-2026-11-01.dump") + " content_grow"), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines_with(r.err, "[backup] WARNING").empty());
    // The manifest: every table with its rows, as counted by the server.
    const auto m1 =
        pds::test::StrictJson::parse(read_file(dir + "/app-2026-11-01.dump.manifest.json"));
    CHECK(m1.at("record").str == "pg_dump-safe manifest");
    CHECK(m1.at("dump").str == "app-2026-11-01.dump");
    CHECK(m1.at("dump_bytes").num == static_cast<double>(file_size(dir + "/app-2026-11-01.dump")));
    CHECK(m1.at("measured").str == "rows");
    CHECK(m1.at("database").str == "content_grow");
    REQUIRE(table(m1, "public.big"));
    CHECK(table(m1, "public.big")->at("rows").num == 60000);
    CHECK(table(m1, "public.small")->at("rows").num == 100);
    REQUIRE(table(m1, "public.empty_table"));
    CHECK(table(m1, "public.empty_table")->at("rows").num == 0);
    CHECK(table(m1, "public.\"Mixed Case\""));
    CHECK(m1.at("large_objects").num == 1);

    // Normal growth: no warning, and the hook says so (empty variables).
    psql(env, "content_grow",
         "INSERT INTO small SELECT g, 'name ' || g FROM generate_series(101, 150) g");
    r = sh(cmd(base + "-f " + q(dir + "/app-2026-11-02.dump") + hook + " content_grow"), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines_with(r.err, "[backup] WARNING").empty());
    CHECK(read_file(dir + "/hook.env") ==
          "PG_DUMP_SAFE_CONTENT_DETAIL=\nPG_DUMP_SAFE_CONTENT_WARNINGS=\nPG_DUMP_SAFE_PREVIOUS=" +
              dir + "/app-2026-11-01.dump\n");

    // The wrong thing: big emptied, small dropped. Published (warn), with three WARNING lines.
    psql(env, "content_grow", "TRUNCATE big; DROP VIEW v_small; DROP TABLE small");
    r = sh(cmd(base + "-f " + q(dir + "/app-2026-11-03.dump") + hook + " content_grow"), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto warnings = lines_with(r.err, "[backup] WARNING");
    REQUIRE(warnings.size() == 3);
    auto f = fields(warnings[0]);
    CHECK(f["target"] == dir + "/app-2026-11-03.dump");
    CHECK(f["check"] == "shrink");
    CHECK(f["previous"] == dir + "/app-2026-11-02.dump");
    CHECK(f["detail"].find("table data (COPY text) fell from ") == 0);
    CHECK(fields(warnings[1])["check"] == "emptied-tables");
    CHECK(fields(warnings[1])["detail"] ==
          "1 table(s) that held rows now hold none: public.big (60000 rows before)");
    CHECK(fields(warnings[2])["check"] == "missing-tables");
    CHECK(fields(warnings[2])["detail"] ==
          "1 table(s) of the previous dump are gone: public.small");
    const std::string env_text = read_file(dir + "/hook.env");
    CHECK(env_text.find("PG_DUMP_SAFE_CONTENT_WARNINGS=shrink,emptied-tables,missing-tables\n") !=
          std::string::npos);
    CHECK(exists(dir + "/app-2026-11-03.dump.manifest.json"));
    // The journal's content object.
    const std::string journal = read_file(dir + "/journal");
    const auto last =
        pds::test::StrictJson::parse(journal.substr(journal.rfind('\n', journal.size() - 2) + 1));
    CHECK(last.at("content").at("measured").str == "rows");
    CHECK(last.at("content").at("warnings").arr.size() == 3);
    CHECK(last.at("content").at("previous").str == dir + "/app-2026-11-02.dump");

    // Retention prunes a dump together with its manifest, and never counts a manifest.
    r = sh(cmd("-Fc -f " + q(dir + "/app-2026-11-04.dump") + " --safe-keep-last=2 content_grow"),
           env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines_with(r.err, "[backup] WARNING").empty()); // structure vs rows: not compared
    CHECK_FALSE(exists(dir + "/app-2026-11-01.dump.manifest.json"));
    CHECK_FALSE(exists(dir + "/app-2026-11-02.dump.manifest.json"));
    CHECK(exists(dir + "/app-2026-11-03.dump.manifest.json"));
    CHECK(exists(dir + "/app-2026-11-04.dump.manifest.json"));
}

TEST_CASE("content check: --safe-shrink=fail publishes nothing and keeps the previous dump",
          "[content]") {
    Env env = server_env("s15");
    make_database(env, "content_fail");
    const std::string dir = workdir("content-fail");
    const std::string target = q(dir + "/app.dump");
    // The default level (structure): names and stored bytes, from the run's own pg_restore -l.
    Result r = sh(cmd("-Fc -f " + target + " content_fail"), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto m = pds::test::StrictJson::parse(read_file(dir + "/app.dump.manifest.json"));
    CHECK(m.at("measured").str == "names");
    CHECK(m.at("verify").str == "structure");
    CHECK(table(m, "public.big"));
    CHECK(table(m, "public.big")->at("rows").kind == pds::test::Json::Null);
    const std::string dump_sha = sha(dir + "/app.dump");
    const std::string manifest_sha = sha(dir + "/app.dump.manifest.json");

    psql(env, "content_fail", "TRUNCATE big; DROP VIEW v_small; DROP TABLE small");
    r = sh(cmd("-Fc -f " + target + " --safe-shrink=fail content_fail"), env);
    INFO(r.err);
    CHECK(r.status == 3);
    CHECK(lines_with(r.err, "[backup] WARNING").size() == 2); // shrink, missing-tables
    const auto failed = lines_with(r.err, "[backup] FAILED");
    REQUIRE(failed.size() == 1);
    auto f = fields(failed[0]);
    CHECK(f["reason"] == "verify-failed");
    CHECK(f["exit"] == "3");
    CHECK(f["partial"] == dir + "/app.dump.partial");
    CHECK(f["detail"].find("content check against " + dir +
                           "/app.dump (--safe-shrink=fail): "
                           "shrink: table data as stored") == 0);
    CHECK(sha(dir + "/app.dump") == dump_sha);
    CHECK(sha(dir + "/app.dump.manifest.json") == manifest_sha);
    CHECK(exists(dir + "/app.dump.partial"));

    // Warn only (the default): published, the manifest replaced.
    r = sh(cmd("-Fc -f " + target + " content_fail"), env);
    CHECK(r.status == 0);
    CHECK(lines_with(r.err, "[backup] WARNING").size() == 2);
    CHECK(sha(dir + "/app.dump") != dump_sha);
    CHECK(sha(dir + "/app.dump.manifest.json") != manifest_sha);

    // --safe-manifest=off: no comparison, and the old manifest goes (it described the old dump).
    r = sh(cmd("-Fc -f " + target + " --safe-manifest=off app"), env);
    CHECK(r.status == 0);
    CHECK(lines_with(r.err, "[backup] WARNING").empty());
    CHECK_FALSE(exists(dir + "/app.dump.manifest.json"));
    // A bad value is a usage error before any dump.
    r = sh(cmd("-Fc -f " + target + " --safe-max-shrink=120 app"), env);
    CHECK(r.status == 2);
    CHECK(r.err.find("expected a percentage from 0 to 100") != std::string::npos);
}

TEST_CASE("verify level restore: a good dump is drilled and published, one that does not "
          "restore is not",
          "[content]") {
    Env env = server_env("s15");
    make_database(env, "content_drill");
    // Not under the build tree: the throwaway cluster runs as user postgres in the partial's
    // directory.
    const std::string dir = "/tmp/pds-content-drill-" + std::to_string(::getpid());
    boost::filesystem::remove_all(dir);
    boost::filesystem::create_directories(dir);
    Result r =
        sh(cmd("-Fd -Z0 -f " + q(dir + "/good.dir") +
               " --safe-verify=restore --safe-journal=" + q(dir + "/journal") + " content_drill"),
           env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(exists(dir + "/good.dir/toc.dat"));
    const auto j = pds::test::StrictJson::parse(read_file(dir + "/journal"));
    CHECK(j.at("verify").str == "restore");
    const auto m = pds::test::StrictJson::parse(read_file(dir + "/good.dir.manifest.json"));
    CHECK(m.at("verify").str == "restore");
    CHECK(m.at("measured").str == "rows");

    // A FAKE pg_dump: the real one, then one COPY row of "small" gets the byte 0xff (same
    // length, so every verifier level accepts it); the restore rejects it.
    const std::string fake = dir + "/fake_pg_dump";
    write_file(fake, "#!/bin/sh\n"
                     "[ \"$1\" = --version ] && exec " +
                         pg_bindir() + "/pg_dump --version\n" + pg_bindir() +
                         "/pg_dump \"$@\" || exit $?\n"
                         "while [ $# -gt 0 ]; do [ \"$1\" = -f ] && out=$2; shift; done\n"
                         "for f in \"$out\"/*.dat; do\n"
                         "  grep -q '^17\tname 17$' \"$f\" && perl -pi -e 's/^17\\tname "
                         "17$/17\\tna\\xffe 17/' \"$f\"\n"
                         "done\nexit 0\n");
    REQUIRE(sh("chmod 755 " + q(fake)).status == 0);
    const std::string before = sha(dir + "/good.dir/toc.dat");
    r = sh(cmd("-Fd -Z0 -f " + q(dir + "/bad.dir") + " --safe-verify=full --safe-pg-dump=" +
               q(fake) + " --safe-pg-restore=" + q(pg_bindir() + "/pg_restore") + " content_drill"),
           env);
    INFO(r.err);
    CHECK(r.status == 0); // full accepts it
    r = sh(cmd("-Fd -Z0 -f " + q(dir + "/bad2.dir") + " --safe-verify=restore --safe-pg-dump=" +
               q(fake) + " --safe-pg-restore=" + q(pg_bindir() + "/pg_restore") + " content_drill"),
           env);
    INFO(r.err);
    CHECK(r.status == 3);
    const auto failed = lines_with(r.err, "[backup] FAILED");
    REQUIRE(failed.size() == 1);
    auto f = fields(failed[0]);
    CHECK(f["reason"] == "verify-failed");
    CHECK(f["detail"].find("restore drill failed: ") == 0);
    CHECK(f["detail"].find("invalid byte sequence for encoding \"UTF8\": 0xff") !=
          std::string::npos);
    CHECK_FALSE(exists(dir + "/bad2.dir"));
    CHECK(exists(dir + "/bad2.dir.partial"));
    CHECK(sha(dir + "/good.dir/toc.dat") == before);
    // The throwaway clusters are gone.
    CHECK(sh("ls -A " + q(dir) + " | grep -c restore-test").out == "0\n");
    boost::filesystem::remove_all(dir);
}

TEST_CASE("content check at full: the rows come from the verifier and pg_restore reads the data "
          "no second time (strace)",
          "[content]") {
    Env env = server_env("s15");
    make_database(env, "content_one_pass");
    const std::string dir = workdir("content-one-pass");
    for (const char* format : {"-Fc", "-Fd", "-Ft"}) {
        INFO("format " << format);
        const std::string out = dir + "/one-pass" + std::string(format).substr(2, 1) + ".dump";
        // Every program started by the run and its children.
        const std::string trace = dir + "/execve.trace";
        Result r = sh(
            "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -f -qq -e "
            "trace=execve -e signal=none -s 200 -o " +
                q(trace) + " " +
                cmd(std::string(format) + " --safe-verify=full -f " + q(out) + " content_one_pass"),
            env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        const std::string execs = read_file(trace);
        CHECK(execs.find("pg_restore\", \"-l\"") != std::string::npos);
        CHECK(execs.find("--data-only") == std::string::npos);
        const auto m = pds::test::StrictJson::parse(read_file(out + ".manifest.json"));
        CHECK(m.at("measured").str == "rows");
        REQUIRE(table(m, "public.big"));
        CHECK(table(m, "public.big")->at("rows").num == 60000);
        CHECK(table(m, "other.t")->at("rows").num == 5000);
        CHECK(table(m, "public.\"Mixed Case\"")->at("rows").num == 2);
        CHECK(m.at("large_objects").num == 1);
    }
}
