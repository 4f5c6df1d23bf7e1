// Content manifests: the record, the comparison with the previous dump of a series, finding
// that previous dump, and the table list of pg_restore -l.
#include "manifest/manifest.hpp"
#include "restore/content.hpp"
#include "restore/sql_scan.hpp"
#include "retention/execute.hpp"
#include "support/test_util.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace pds::manifest;
using pds::test::TempDir;
using pds::test::write_file;

namespace {

Manifest rows_manifest(std::uint64_t data_bytes,
                       std::vector<std::pair<std::string, std::uint64_t>> tables) {
    Manifest m;
    m.dump = "app.dump";
    m.format = "custom";
    m.database = "app";
    m.verify = "full";
    m.measured = Measure::Rows;
    m.data_bytes = data_bytes;
    m.compression = "gzip";
    for (const auto& [name, rows] : tables)
        m.tables.push_back({name, rows, rows * 10});
    return m;
}

bool has(const std::vector<Finding>& f, Check c) {
    for (const Finding& x : f)
        if (x.check == c)
            return true;
    return false;
}

} // namespace

TEST_CASE("manifest: JSON record round-trips and names its version") {
    Manifest m = rows_manifest(1234, {{"public.items", 3}, {"public.\"Mixed Case\"", 0}});
    m.dump_bytes = 99;
    m.published = 1764734400; // fixed clock
    m.stored_data_bytes = 600;
    m.large_objects = 2;
    const std::string json = to_json(m);
    CHECK(json.find("\"record\": \"pg_dump-safe manifest\"") != std::string::npos);
    CHECK(json.find("\"published\": \"2025-12-03T04:00:00Z\"") != std::string::npos);
    CHECK(json.find("\"total_rows\": 3") != std::string::npos);
    const Manifest back = parse(json);
    CHECK(back.dump == "app.dump");
    CHECK(back.dump_bytes == 99);
    CHECK(back.published == m.published);
    CHECK(back.measured == Measure::Rows);
    CHECK(back.data_bytes == std::optional<std::uint64_t>(1234));
    CHECK(back.stored_data_bytes == std::optional<std::uint64_t>(600));
    CHECK(back.large_objects == std::optional<std::uint64_t>(2));
    REQUIRE(back.tables.size() == 2);
    CHECK(back.tables[1].name == "public.\"Mixed Case\"");
    CHECK(back.tables[1].rows == std::optional<std::uint64_t>(0));
    CHECK(back.tables[0].bytes == std::optional<std::uint64_t>(30));

    Manifest names;
    names.measured = Measure::Names;
    names.tables.push_back({"public.items", std::nullopt, std::nullopt});
    const Manifest nb = parse(to_json(names));
    CHECK(nb.measured == Measure::Names);
    CHECK_FALSE(nb.tables[0].rows);
    CHECK_FALSE(nb.data_bytes);
    CHECK_FALSE(nb.total_rows());
}

TEST_CASE("manifest: parse refuses what is not a manifest of this version") {
    CHECK_THROWS_AS(parse("not json"), ManifestError);
    CHECK_THROWS_AS(parse("{\"record\": \"pg_dump-safe restore test\"}"), ManifestError);
    std::string json = to_json(rows_manifest(1, {}));
    const std::size_t at = json.find("\"record_version\": 1");
    REQUIRE(at != std::string::npos);
    std::string v2 = json;
    v2.replace(at, 19, "\"record_version\": 2");
    CHECK_THROWS_AS(parse(v2), ManifestError);
    std::string neg = json;
    neg.replace(neg.find("\"data_bytes\": 1"), 15, "\"data_bytes\": -1");
    CHECK_THROWS_AS(parse(neg), ManifestError);
}

TEST_CASE("manifest: shrink fires past the threshold and stays quiet on growth") {
    const Manifest prev = rows_manifest(1000, {{"public.a", 10}, {"public.b", 5}});
    SECTION("fell by 60% with the default 50%") {
        const auto f = compare(prev, rows_manifest(400, {{"public.a", 4}, {"public.b", 2}}), 50);
        REQUIRE(f.size() == 1);
        CHECK(f[0].check == Check::Shrink);
        CHECK(f[0].detail == "table data (COPY text) fell from 1000 to 400 bytes (-60%, more "
                             "than 50%)");
    }
    SECTION("fell by 40%: quiet at 50%, fires at 30%") {
        const Manifest cur = rows_manifest(600, {{"public.a", 6}, {"public.b", 3}});
        CHECK(compare(prev, cur, 50).empty());
        CHECK(has(compare(prev, cur, 30), Check::Shrink));
    }
    SECTION("exactly at the threshold is not more than it") {
        CHECK(compare(prev, rows_manifest(500, {{"public.a", 5}, {"public.b", 5}}), 50).empty());
    }
    SECTION("growth, a new table: quiet") {
        CHECK(compare(prev,
                      rows_manifest(5000, {{"public.a", 50}, {"public.b", 9}, {"public.c", 1}}), 50)
                  .empty());
    }
    SECTION("an empty previous dump gives no shrink") {
        CHECK(compare(rows_manifest(0, {{"public.a", 0}}), rows_manifest(0, {{"public.a", 0}}), 50)
                  .empty());
    }
}

TEST_CASE("manifest: an emptied table and a vanished table are findings") {
    const Manifest prev =
        rows_manifest(1000, {{"public.a", 10}, {"public.b", 5}, {"public.empty", 0}});
    const auto f = compare(prev, rows_manifest(900, {{"public.a", 0}, {"public.empty", 0}}), 50);
    REQUIRE(f.size() == 2);
    CHECK(f[0].check == Check::EmptiedTables);
    CHECK(f[0].detail == "1 table(s) that held rows now hold none: public.a (10 rows before)");
    CHECK(f[1].check == Check::MissingTables);
    CHECK(f[1].detail == "1 table(s) of the previous dump are gone: public.b");
    // A table that was empty before and still is: nothing.
    CHECK(compare(rows_manifest(10, {{"public.empty", 0}}),
                  rows_manifest(10, {{"public.empty", 0}}), 50)
              .empty());
}

TEST_CASE("manifest: a long list of tables is cut short in the detail") {
    std::vector<std::pair<std::string, std::uint64_t>> many;
    for (int i = 0; i < 12; ++i)
        many.push_back({"public.t" + std::to_string(i), 1});
    const auto f = compare(rows_manifest(100, many), rows_manifest(100, {}), 50);
    REQUIRE(f.size() == 1);
    CHECK(f[0].detail == "12 table(s) of the previous dump are gone: public.t0, public.t1, "
                         "public.t2, public.t3, public.t4 and 7 more");
}

TEST_CASE("manifest: only like is compared with like") {
    const Manifest rows = rows_manifest(1000, {{"public.a", 10}});
    Manifest names;
    names.database = "app";
    names.format = "custom";
    names.compression = "gzip";
    names.measured = Measure::Names;
    names.stored_data_bytes = 100;
    SECTION("names against rows: no table checks, no byte check") {
        CHECK(compare(rows, names, 50).empty());
        CHECK(compare(names, rows, 50).empty());
    }
    SECTION("names against names: a missing table, stored bytes of the same compression") {
        Manifest prev = names;
        prev.tables.push_back({"public.a", std::nullopt, std::nullopt});
        prev.stored_data_bytes = 1000;
        const auto f = compare(prev, names, 50);
        CHECK(has(f, Check::Shrink));
        CHECK(has(f, Check::MissingTables));
        CHECK_FALSE(has(f, Check::EmptiedTables));
        Manifest other = names;
        other.compression = "zstd";
        CHECK_FALSE(has(compare(prev, other, 50), Check::Shrink));
    }
    SECTION("another database in the series is compared (the wrong -d)") {
        Manifest other = rows_manifest(1, {});
        other.database = "hr";
        const auto f = compare(rows, other, 50);
        CHECK(has(f, Check::Shrink));
        CHECK(has(f, Check::MissingTables));
    }
    SECTION("none measured: only bytes could count, and there are none") {
        Manifest a, b;
        CHECK(compare(a, b, 50).empty());
    }
}

TEST_CASE("manifest: journal summary") {
    Manifest m = rows_manifest(1000, {{"public.a", 10}, {"public.b", 5}});
    CHECK(journal_json(m, {{Check::Shrink, "x"}, {Check::MissingTables, "y"}}, 0.25, "/b/a.dump") ==
          "{\"measured\":\"rows\",\"tables\":2,\"rows\":15,\"data_bytes\":1000,"
          "\"stored_data_bytes\":null,\"seconds\":0.250,\"previous\":\"/b/a.dump\","
          "\"warnings\":[\"shrink\",\"missing-tables\"]}");
    CHECK(journal_json(Manifest{}, {}, 0, "").find("\"previous\":null,\"warnings\":[]}") !=
          std::string::npos);
}

TEST_CASE("manifest: the previous good dump of the series") {
    TempDir dir;
    auto publish = [&](const std::string& name, const std::string& content, std::time_t when,
                       std::uint64_t data_bytes) {
        write_file(dir / name, content);
        Manifest m = rows_manifest(data_bytes, {{"public.a", 1}});
        m.dump = name;
        m.dump_bytes = content.size();
        m.published = when;
        write_manifest((dir / name).string(), m, 0644);
    };
    publish("app-2026-12-01.dump", "one", 1000, 1);
    publish("app-2026-12-02.dump", "two!", 2000, 2);
    publish("hr-2026-12-03.dump", "other", 3000, 3); // another series
    const std::string target = (dir / "app-2026-12-03.dump").string();

    SECTION("the one published last") {
        auto p = find_previous(target, "");
        REQUIRE(p);
        CHECK(p->dump == (dir / "app-2026-12-02.dump").string());
        CHECK(p->content.data_bytes == std::optional<std::uint64_t>(2));
    }
    SECTION("a manifest whose dump changed size or is gone does not count") {
        write_file(dir / "app-2026-12-02.dump", "changed content");
        auto p = find_previous(target, "");
        REQUIRE(p);
        CHECK(p->dump == (dir / "app-2026-12-01.dump").string());
        boost::filesystem::remove(dir / "app-2026-12-01.dump");
        CHECK_FALSE(find_previous(target, ""));
    }
    SECTION("a --safe-series glob widens the series; the same database is preferred") {
        auto p = find_previous(target, "*-2026-12-0?.dump");
        REQUIRE(p);
        CHECK(p->dump == (dir / "hr-2026-12-03.dump").string());
        Manifest hr = parse(pds::test::read_file(dir / "hr-2026-12-03.dump.manifest.json"));
        hr.database = "hr";
        write_manifest((dir / "hr-2026-12-03.dump").string(), hr, 0644);
        p = find_previous(target, "*-2026-12-0?.dump", "app");
        REQUIRE(p);
        CHECK(p->dump == (dir / "app-2026-12-02.dump").string());
        p = find_previous(target, "*-2026-12-0?.dump", "nosuch");
        REQUIRE(p);
        CHECK(p->dump == (dir / "hr-2026-12-03.dump").string()); // none of it: the newest
    }
    SECTION("an unstamped name is a series of its own: its own previous content") {
        publish("app.dump", "fixed", 500, 9);
        auto p = find_previous((dir / "app.dump").string(), "");
        REQUIRE(p);
        CHECK(p->dump == (dir / "app.dump").string());
        CHECK_FALSE(find_previous((dir / "nothing.dump").string(), ""));
    }
    SECTION("a FIFO or a garbage file at a manifest's name is skipped without blocking") {
        boost::filesystem::remove(dir / "app-2026-12-02.dump.manifest.json");
        REQUIRE(::mkfifo((dir / "app-2026-12-02.dump.manifest.json").c_str(), 0600) == 0);
        write_file(dir / "app-2026-12-01.dump.manifest.json", "{garbage");
        CHECK_FALSE(find_previous(target, ""));
    }
    SECTION("remove_manifest removes a regular file and refuses anything else") {
        remove_manifest((dir / "app-2026-12-01.dump").string());
        CHECK_FALSE(boost::filesystem::exists(dir / "app-2026-12-01.dump.manifest.json"));
        CHECK_NOTHROW(remove_manifest((dir / "app-2026-12-01.dump").string())); // gone: fine
        boost::filesystem::create_directory(dir / "x.dump.manifest.json");
        CHECK_THROWS(remove_manifest((dir / "x.dump").string()));
        CHECK(manifest_path("/b/d.dir/") == "/b/d.dir.manifest.json");
    }
    SECTION("written with the given mode") {
        struct stat st {};
        REQUIRE(::stat((dir / "app-2026-12-01.dump.manifest.json").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0644);
    }
}

TEST_CASE("manifest: table list of pg_restore -l") {
    const std::string listing = ";\n; Archive created at 2026-12-03 10:00:00 UTC\n"
                                ";     dbname: app\n"
                                "215; 1259 16386 TABLE public items postgres\n"
                                "3350; 0 16386 TABLE DATA public items postgres\n"
                                "3351; 0 16390 TABLE DATA sales Mixed Case app_owner\n"
                                "3352; 0 0 SEQUENCE SET public items_id_seq postgres\n"
                                ";3353; 0 16391 TABLE DATA public commented postgres\n";
    const auto t = pds::restore::table_data_entries(listing);
    REQUIRE(t.size() == 2);
    CHECK(t[0] == "public.items");
    CHECK(t[1] == "sales.Mixed Case");
}

TEST_CASE("manifest: the SQL scanner counts each table's COPY bytes") {
    pds::restore::SqlScanner s;
    const std::string text = "COPY public.a (x) FROM stdin;\n1\n22\n\\.\n\n\n"
                             "--\n-- Data\n--\n\nCOPY public.b (y) FROM stdin;\n\\.\n";
    s.feed(text.data(), 10); // split inside a line
    s.feed(text.data() + 10, text.size() - 10);
    s.finish();
    const auto& c = s.content();
    REQUIRE(c.tables.size() == 2);
    CHECK(c.tables[0].rows == 2);
    CHECK(c.tables[0].bytes == 5);
    CHECK(c.tables[1].rows == 0);
    CHECK(c.tables[1].bytes == 0);
    CHECK(c.copy_bytes == 5);
}

TEST_CASE("manifest: retention removes the records beside a pruned dump, never through a link") {
    TempDir dir;
    write_file(dir / "app-2026-12-01.dump", "old");
    write_file(dir / "app-2026-12-01.dump.manifest.json", "{}");
    write_file(dir / "app-2026-12-01.dump.restore-test.json", "{}");
    boost::filesystem::create_directory(dir / "app-2026-12-01.dir");
    write_file(dir / "app-2026-12-01.dir" / "toc.dat", "x");
    write_file(dir / "elsewhere.json", "keep me");
    boost::filesystem::create_symlink(dir / "elsewhere.json",
                                      dir / "app-2026-12-01.dir.manifest.json");
    pds::retention::Plan plan;
    plan.enabled = true;
    pds::retention::Doomed file, tree;
    file.dump.name = "app-2026-12-01.dump";
    file.dump.path = dir / file.dump.name;
    tree.dump.name = "app-2026-12-01.dir";
    tree.dump.path = dir / tree.dump.name;
    tree.dump.directory = true;
    plan.prune = {file, tree};
    SECTION("dry run: everything stays") {
        pds::retention::execute_plan(plan, true);
        CHECK(boost::filesystem::exists(dir / "app-2026-12-01.dump.manifest.json"));
    }
    SECTION("pruned: the dump's records go with it; a link at a record's name goes, not what "
            "it names") {
        const auto sum = pds::retention::execute_plan(plan, false);
        CHECK(sum.removed == 2);
        CHECK(sum.failed == 0);
        CHECK_FALSE(boost::filesystem::exists(dir / "app-2026-12-01.dump"));
        CHECK_FALSE(boost::filesystem::exists(dir / "app-2026-12-01.dump.manifest.json"));
        CHECK_FALSE(boost::filesystem::exists(dir / "app-2026-12-01.dump.restore-test.json"));
        CHECK_FALSE(boost::filesystem::exists(dir / "app-2026-12-01.dir"));
        CHECK_FALSE(boost::filesystem::is_symlink(dir / "app-2026-12-01.dir.manifest.json"));
        CHECK(pds::test::read_file(dir / "elsewhere.json") == "keep me");
    }
}
