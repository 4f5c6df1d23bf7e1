// Restore drills against the real PostgreSQL 15 binaries (fixture "pg15" provides the source
// server; every drill starts its own throwaway cluster, or uses --target-dsn on the fixture).
#include "audit/json_reader.hpp"
#include "drill_support.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace pdstest;
namespace fs = boost::filesystem;

namespace {

std::string psql() {
    return pg_bindir() + "/psql";
}

// Throwaway clusters' ports: the fixture's + 5..12 (per test), directories under /tmp.
constexpr int kPortBase = 5;
std::string tmp_work(const std::string& name) {
    return fresh_tmp_dir("pds-restore-test-" + name);
}

// A database of its own for each test (tests run in parallel): every kind of content the
// drill checks, including an empty table, two sequences (one never called) and large
// objects.
void make_database(const Env& env, const std::string& db) {
    const std::string sql = R"SQL(
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL UNIQUE, qty int CHECK (qty >= 0));
INSERT INTO items (name, qty) SELECT 'item ' || g, g % 50 FROM generate_series(1, 3000) g;
CREATE TABLE empty_table (x int);
CREATE TABLE "Odd Name" (k text);
INSERT INTO "Odd Name" VALUES ('a'), (E'line\nbreak'), ('back\slash');
CREATE SEQUENCE never_called START 100;
CREATE SCHEMA other;
CREATE TABLE other.big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 20000) g;
SELECT lo_from_bytea(0, decode(repeat('ab', 3000), 'hex'));
SELECT lo_from_bytea(0, '');
)SQL";
    create_database(env, db, sql);
}

Result drill(const Env& env, const std::string& args, int k, const std::string& work) {
    return sh(drill_command(env, kPortBase + k, "--work-dir=" + q(work) + " " + args), env);
}

pds::audit::JsonValue json(const std::string& text) {
    return pds::audit::parse_json(text);
}

std::vector<std::string> leftovers(const std::string& dir) {
    return entries_starting(dir, ".pg_dump-safe-");
}

// Replaces the first occurrence of `from` in the file.
void patch(const std::string& path, const std::string& from, const std::string& to) {
    std::string s = read_file(path);
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    write_file(path, s);
}

// The directory dump's data file holding `row` (uncompressed, -Z0).
std::string data_file_with(const std::string& dir, const std::string& row) {
    for (fs::directory_iterator it(dir), end; it != end; ++it)
        if (it->path().extension() == ".dat" && it->path().filename() != "toc.dat" &&
            read_file(it->path().string()).find(row) != std::string::npos)
            return it->path().string();
    FAIL("no data file holds " << row);
    return "";
}

} // namespace

TEST_CASE("drill passes on good dumps of every format, and leaves nothing behind",
          "[pg15][restore]") {
    Env env = server_env("s15");
    make_database(env, "drill_formats");
    const std::string dir = workdir("restore-formats");
    const std::string work = tmp_work("formats");
    const std::vector<std::string> dumps = {"app.dump", "app.dir", "app.tar", "app.sql",
                                            "app.sql.gz"};
    const std::vector<std::string> flags = {"-Fc", "-Fd -j2", "-Ft", "-Fp", "-Fp -Z5"};
    std::string operands;
    for (std::size_t i = 0; i < dumps.size(); ++i) {
        dump_database(env, flags[i], dir + "/" + dumps[i], "drill_formats");
        operands += " " + q(dir + "/" + dumps[i]);
    }
    Result r = drill(env, "--format=json" + operands, 0, work);
    INFO(r.err);
    INFO(r.out);
    CHECK(r.status == 0);
    const auto j = json(r.out);
    CHECK(j.at("exit_status").as_int() == 0);
    REQUIRE(j.at("drills").items.size() == dumps.size());
    for (std::size_t i = 0; i < dumps.size(); ++i) {
        const auto& d = j.at("drills")[i];
        INFO(dumps[i]);
        CHECK(d.at("result").text == "pass");
        CHECK(d.at("differing").as_int() == 0);
        CHECK(d.at("large_objects").at("dump").as_int() == 2);
        CHECK(d.at("large_objects").at("restored").as_int() == 2);
        std::map<std::string, long long> rows;
        for (const auto& t : d.at("tables").items) {
            CHECK(t.at("ok").boolean);
            rows[t.at("name").text] = t.at("dump_rows").as_int();
        }
        CHECK(rows["public.items"] == 3000);
        CHECK(rows["public.empty_table"] == 0);
        CHECK(rows["public.\"Odd Name\""] == 3);
        CHECK(rows["other.big"] == 20000);
        std::map<std::string, std::string> seqs;
        for (const auto& s : d.at("sequences").items) {
            CHECK(s.at("ok").boolean);
            seqs[s.at("name").text] = s.at("restored_value").text +
                                      (s.at("restored_is_called").boolean ? "" : " not called");
        }
        CHECK(seqs["public.items_id_seq"] == "3000");
        CHECK(seqs["public.never_called"] == "100 not called");
        CHECK(d.at("restore_seconds").as_double() > 0);
        CHECK(d.at("database_bytes").as_int() > 1000000);
        // The record beside the dump says the same.
        const auto rec = json(read_file(dir + "/" + dumps[i] + ".restore-test.json"));
        CHECK(rec.at("result").text == "pass");
        CHECK(rec.at("dump").text == dir + "/" + dumps[i]);
    }
    // The throwaway clusters are gone: no directory, no process.
    CHECK(leftovers(work).empty());
    CHECK(processes_mentioning(work).empty());
}

TEST_CASE("a dump that structure and full accept but that does not restore fails the drill",
          "[pg15][restore]") {
    Env env = server_env("s15");
    make_database(env, "drill_bad");
    const std::string dir = workdir("restore-bad");
    const std::string work = tmp_work("bad");
    // An invalid UTF-8 byte in an uncompressed COPY row (same length: every offset holds).
    dump_database(env, "-Fd -Z0", dir + "/utf8.dir", "drill_bad");
    patch(data_file_with(dir + "/utf8.dir", "item 17\t"), "\titem 17\t",
          "\tit\xff"
          "m 17\t");
    // A duplicate key: the restore's primary key cannot be created.
    dump_database(env, "-Fp", dir + "/dup.sql", "drill_bad");
    patch(dir + "/dup.sql", "\n2\titem 2\t", "\n1\titem 2\t");
    for (const char* d : {"utf8.dir", "dup.sql"}) {
        Result v = sh(q(audit_bin()) + " --verify=full " + q(dir + "/" + d), env);
        INFO(v.out << v.err);
        CHECK(v.status == 0); // the native verifier accepts both
    }
    Result r = drill(env, q(dir + "/utf8.dir"), 1, work);
    INFO(r.out << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.find("FAIL") == 0);
    CHECK(r.out.find("invalid byte sequence for encoding \"UTF8\": 0xff") != std::string::npos);
    r = drill(env, q(dir + "/dup.sql"), 1, work);
    INFO(r.out << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.find("could not create unique index \"items_pkey\"") != std::string::npos);
    const auto rec = json(read_file(dir + "/dup.sql.restore-test.json"));
    CHECK(rec.at("result").text == "fail");
    CHECK(leftovers(work).empty());
    CHECK(processes_mentioning(work).empty());
}

TEST_CASE("rows dropped by the restore are caught by the count comparison", "[pg15][restore]") {
    // A premature end-of-data marker in a table's data entry: structure and full accept it
    // (the entry still ends with pg_dump's terminator), pg_restore succeeds, and the server
    // silently drops every row behind the marker. Only the count comparison sees it.
    Env env = server_env("s15");
    make_database(env, "drill_cut");
    const std::string dir = workdir("restore-cut");
    const std::string work = tmp_work("cut");
    dump_database(env, "-Fd -Z0", dir + "/cut.dir", "drill_cut");
    patch(data_file_with(dir + "/cut.dir", "\titem 1000\t"), "\titem 1000\t0\n",
          "\titem 1000\t0\n\\.\n");
    Result v = sh(q(audit_bin()) + " --verify=full " + q(dir + "/cut.dir"), env);
    CHECK(v.status == 0);
    Result r = drill(env, "--format=json " + q(dir + "/cut.dir"), 2, work);
    INFO(r.out << r.err);
    CHECK(r.status == 2);
    const auto d = json(r.out).at("drills")[0];
    CHECK(d.at("result").text == "fail");
    CHECK(d.at("differing").as_int() == 1);
    bool seen = false;
    for (const auto& t : d.at("tables").items)
        if (t.at("name").text == "public.items") {
            seen = true;
            CHECK_FALSE(t.at("ok").boolean);
            CHECK(t.at("dump_rows").as_int() == 3000);
            CHECK(t.at("restored_rows").as_int() == 1000);
            CHECK(t.at("rows_after_end_marker").as_int() == 2000);
        }
    CHECK(seen);
    // The record names tables and counts: no more readable than the dump (pg_dump makes a
    // directory dump 0700; the record is 0600 whatever the umask).
    struct stat st {};
    REQUIRE(::stat((dir + "/cut.dir.restore-test.json").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("SIGTERM during a drill stops and removes the throwaway cluster", "[pg15][restore]") {
    Env env = server_env("s15");
    make_database(env, "drill_sigterm");
    const std::string dir = workdir("restore-sigterm");
    const std::string work = tmp_work("sigterm");
    dump_database(env, "-Fc", dir + "/app.dump", "drill_sigterm");
    const pid_t pid =
        spawn_sh("exec " + drill_command(env, kPortBase + 3,
                                         "--work-dir=" + q(work) + " " + q(dir + "/app.dump")),
                 env, dir + "/out", dir + "/err");
    // The server is up once its postmaster.pid appears in the cluster's directory.
    const bool up = wait_until(
        [&] {
            for (const auto& l : leftovers(work))
                if (exists(l + "/data/postmaster.pid"))
                    return true;
            return false;
        },
        std::chrono::seconds(120));
    REQUIRE(up);
    REQUIRE(!processes_mentioning(work).empty()); // the server runs
    ::kill(pid, SIGTERM);
    const int status = wait_status(pid);
    INFO(read_file(dir + "/err"));
    CHECK(status == 128 + SIGTERM);
    CHECK(leftovers(work).empty());
    CHECK(processes_mentioning(work).empty());
    CHECK(read_file(dir + "/err").find("stopped and removed") != std::string::npos);
}

TEST_CASE("target DSN: a non-empty database is refused and unchanged, a new one is created",
          "[pg15][restore]") {
    Env env = server_env("s15");
    make_database(env, "drill_src");
    const std::string dir = workdir("restore-target");
    const std::string work = tmp_work("target");
    dump_database(env, "-Fc", dir + "/app.dump", "drill_src");
    auto dsn = [&](const std::string& db) {
        return "host=" + env.at("PGHOST") + " port=" + env.at("PGPORT") +
               " user=postgres dbname=" + db;
    };
    create_database(env, "drill_busy",
                    "CREATE TABLE keep (x int); INSERT INTO keep VALUES (1), (2)");
    REQUIRE(sh(q(psql()) + " -X -q -d postgres -c " + q("DROP DATABASE IF EXISTS drill_new"), env)
                .status == 0);
    const std::string census =
        q(psql()) + " -X -A -t -d drill_busy -c " +
        q("SELECT (SELECT count(*) FROM pg_class) || ' ' || (SELECT count(*) FROM keep)");
    const std::string before = sh(census, env).out;

    Result r =
        drill(env, "--target-dsn=" + q(dsn("drill_busy")) + " " + q(dir + "/app.dump"), 4, work);
    INFO(r.out << r.err);
    CHECK(r.status == 3);
    CHECK(r.out.find("is not empty") != std::string::npos);
    CHECK(sh(census, env).out == before);

    // The source database itself (by name) is refused too.
    r = drill(env, "--target-dsn=" + q(dsn("drill_src")) + " " + q(dir + "/app.dump"), 4, work);
    CHECK(r.status == 3);
    CHECK(r.out.find("the database the dump came from") != std::string::npos);

    // A database that does not exist is created and restored into.
    r = drill(env, "--target-dsn=" + q(dsn("drill_new")) + " " + q(dir + "/app.dump"), 4, work);
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(sh(q(psql()) + " -X -A -t -d drill_new -c " + q("SELECT count(*) FROM items"), env).out ==
          "3000\n");
    CHECK(leftovers(work).empty());
}
