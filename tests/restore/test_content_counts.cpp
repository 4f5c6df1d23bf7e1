// The content manifest's rows at `full` are counted by the verifier as it decompresses the
// data (verify::DataCounts, verify/line_count.hpp), not by a second pass through
// `pg_restore --data-only`. These tests hold the two ways to the same manifest:
//   - synthetic archives of every archive version, compression and format, against the
//     scanner (restore/sql_scan.hpp) reading the text pg_restore would print for them;
//   - real PostgreSQL 15 dumps of every format, compressed and not, with 1 and 2 jobs and
//     through the follower, against measure_content's pg_restore --data-only path.
#include "archive/archive_builder.hpp"
#include "drill_support.hpp"
#include "restore/content.hpp"
#include "restore/sql_scan.hpp"
#include "verify/follow.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>

using namespace pdstest;
namespace vt = pds::verify::testing;
using pds::manifest::Manifest;
using pds::verify::Level;

namespace {

pds::verify::Verdict verify_counting(const std::string& path, unsigned jobs) {
    pds::verify::VerifyOptions o;
    o.jobs = jobs;
    o.count_rows = true;
    return pds::verify::verify_path(path, Level::Full, o);
}

// What the scanner reads in the text pg_restore --data-only prints for the archive: each
// COPY entry's statement, its data, then the next entry's "--" header.
pds::restore::DumpContent scanned(const vt::SynthArchive& a) {
    pds::restore::SqlScanner s;
    for (const vt::SynthEntry& e : a.entries) {
        if (!e.has_data || e.copy_stmt.empty())
            continue;
        const std::string text =
            "--\n-- Data for Name: " + e.tag + "\n--\n\n" + e.copy_stmt + e.data;
        s.feed(text.data(), text.size());
    }
    s.finish();
    return s.content();
}

void require_counts_match(const pds::verify::Verdict& v, const vt::SynthArchive& a) {
    INFO(v.problem);
    REQUIRE(v.ok);
    REQUIRE(v.info.counts);
    pds::restore::SqlScanner native;
    for (const pds::verify::CopyCount& c : v.info.counts->copies)
        REQUIRE(native.add_copy_block(c.copy_stmt, c.rows, c.bytes));
    const pds::restore::DumpContent want = scanned(a), got = native.content();
    REQUIRE(got.tables.size() == want.tables.size());
    for (std::size_t i = 0; i < want.tables.size(); ++i) {
        CHECK(got.tables[i].name == want.tables[i].name);
        CHECK(got.tables[i].rows == want.tables[i].rows);
        CHECK(got.tables[i].bytes == want.tables[i].bytes);
    }
    CHECK(got.copy_bytes == want.copy_bytes);
    std::set<std::uint32_t> oids;
    for (const vt::SynthEntry& e : a.entries)
        for (const auto& b : e.blobs)
            oids.insert(b.first);
    CHECK(v.info.counts->large_objects == oids.size());
}

// Two entries load the same table (partitions via their root), rows with escaped "\." and
// backslashes, a value that ends a line with "\.": all data as pg_dump writes it.
vt::SynthArchive with_more_shapes(int minor, vt::Compression c) {
    vt::SynthArchive a = vt::sample_archive(minor, c);
    vt::SynthEntry part{103,
                        "TABLE DATA",
                        "part_1",
                        "public",
                        "",
                        "COPY public.\"Root \"\"r\"\"\" (k, v) FROM stdin;\n",
                        3,
                        true,
                        "1\t\\\\.\n2\tx\\\\\n3\ta\\nb\n\\.\n\n\n",
                        {},
                        {}};
    a.entries.push_back(part);
    part.dump_id = 104;
    part.tag = "part_2";
    part.data = "4\t\\.x\n\\.\n\n\n";
    a.entries.push_back(part);
    return a;
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

Manifest measure(const std::string& dump, const pds::verify::ArchiveInfo& info) {
    pds::restore::ContentRequest req;
    req.dump = dump;
    req.info = info;
    req.count_rows = true;
    req.pg_restore = pg_bindir() + "/pg_restore";
    return pds::restore::measure_content(req);
}

void require_same_manifest(const Manifest& got, const Manifest& want) {
    CHECK(got.measured == want.measured);
    CHECK(got.data_bytes == want.data_bytes);
    CHECK(got.large_objects == want.large_objects);
    REQUIRE(got.tables.size() == want.tables.size());
    for (std::size_t i = 0; i < want.tables.size(); ++i) {
        INFO("table " << want.tables[i].name);
        CHECK(got.tables[i].name == want.tables[i].name);
        CHECK(got.tables[i].rows == want.tables[i].rows);
        CHECK(got.tables[i].bytes == want.tables[i].bytes);
    }
}

} // namespace

TEST_CASE("content counts: synthetic archives of every version, compression and format", "[rows]") {
    const std::string dir = workdir("content_counts_synthetic");
    for (int minor : {14, 15, 16}) {
        for (vt::Compression c : {vt::Compression::None, vt::Compression::Gzip,
                                  vt::Compression::Lz4, vt::Compression::Zstd}) {
            if (minor < 15 && (c == vt::Compression::Lz4 || c == vt::Compression::Zstd))
                continue;
            const vt::SynthArchive a = with_more_shapes(minor, c);
            INFO("archive 1." << minor << ", compression " << vt::suffix(c));
            const std::string custom = dir + "/custom", tar = dir + "/tar",
                              directory = dir + "/dir-" + std::to_string(minor) + vt::suffix(c);
            write_bytes(custom, vt::build_custom(a, true, 1000));
            vt::write_directory(a, directory);
            for (unsigned jobs : {1u, 2u}) {
                INFO("jobs " << jobs);
                require_counts_match(verify_counting(custom, jobs), a);
                require_counts_match(verify_counting(directory, jobs), a);
            }
            if (c == vt::Compression::None) {
                write_bytes(tar, vt::build_tar(a));
                require_counts_match(verify_counting(tar, 1), a);
            }
        }
    }
}

TEST_CASE("content counts: none without count_rows or below full or with a premature end marker",
          "[rows]") {
    const std::string dir = workdir("content_counts_none");
    vt::SynthArchive a = with_more_shapes(15, vt::Compression::Gzip);
    const std::string path = dir + "/custom";
    write_bytes(path, vt::build_custom(a));
    CHECK(pds::verify::verify_path(path, Level::Full).info.counts == nullptr);
    pds::verify::VerifyOptions o;
    o.count_rows = true;
    CHECK(pds::verify::verify_path(path, Level::Structure, o).info.counts == nullptr);
    REQUIRE(verify_counting(path, 1).info.counts != nullptr);
    // COPY FROM stdin stops at the first "\." line and ignores the rest, which the scanner
    // counts apart (rows_after_marker): only pg_restore's text can say what a restore sees,
    // so the verifier gives no counts and the manifest reads that text.
    for (vt::SynthEntry& e : a.entries)
        if (e.dump_id == 103)
            e.data = "1\tx\n\\.\n2\ty\n\\.\n\n\n";
    write_bytes(path, vt::build_custom(a));
    for (unsigned jobs : {1u, 2u}) {
        const pds::verify::Verdict v = verify_counting(path, jobs);
        INFO(v.problem);
        REQUIRE(v.ok);
        CHECK(v.info.counts == nullptr);
    }
}

TEST_CASE("content counts: real dumps give pg_restore --data-only's manifest", "[pg15][rows]") {
    const Env env = server_env("s15");
    create_database(
        env, "rows_diff",
        "CREATE TABLE plain_t (id int, t text);"
        "INSERT INTO plain_t SELECT g, CASE g % 5 WHEN 0 THEN E'back\\\\slash' WHEN 1 THEN "
        "E'line\\nbreak' WHEN 2 THEN E'\\\\.' WHEN 3 THEN NULL ELSE repeat('x', g % 300) END "
        "FROM generate_series(1, 40000) g;"
        "CREATE TABLE \"Odd \"\"Name\"\"\" (\"Col 1\" int);"
        "INSERT INTO \"Odd \"\"Name\"\"\" VALUES (1), (2);"
        "CREATE TABLE empty_t (x int);"
        "CREATE SCHEMA s2; CREATE TABLE s2.t (v jsonb);"
        "INSERT INTO s2.t SELECT jsonb_build_object('g', g) FROM generate_series(1, 3000) g;"
        "CREATE TABLE root (k int, v text) PARTITION BY RANGE (k);"
        "CREATE TABLE root_a PARTITION OF root FOR VALUES FROM (0) TO (1000);"
        "CREATE TABLE root_b PARTITION OF root FOR VALUES FROM (1000) TO (3000);"
        "INSERT INTO root SELECT g, md5(g::text) FROM generate_series(0, 2999) g;"
        "SELECT lo_from_bytea(0, decode(repeat('cd', 3000), 'hex'));"
        // A COPY line of about 12 KB, longer than the scanner once kept of a line.
        "DO $$ BEGIN EXECUTE (SELECT format('CREATE TABLE wide (%s)', string_agg(format("
        "'%I int', 'a_rather_long_column_name_number_' || g), ', ')) FROM "
        "generate_series(1, 300) g); END $$;"
        "INSERT INTO wide (a_rather_long_column_name_number_1) SELECT g FROM "
        "generate_series(1, 10) g;"
        "SELECT lo_from_bytea(0, '');");
    const std::string dir = fresh_tmp_dir("pds-content-counts");
    struct Shape {
        const char* name;
        const char* flags;
    };
    const Shape shapes[] = {{"custom", "-Fc"},
                            {"custom-z0", "-Fc -Z0"},
                            {"custom-root", "-Fc --load-via-partition-root"},
                            {"custom-inserts", "-Fc --inserts"},
                            {"custom-data-only", "-Fc --data-only"},
                            {"dir", "-Fd"},
                            {"dir-z0", "-Fd -Z0"},
                            {"dir-j2", "-Fd -j2"},
                            {"tar", "-Ft"}};
    for (const Shape& s : shapes) {
        INFO("pg_dump " << s.flags);
        const std::string out = dir + "/" + s.name;
        dump_database(env, s.flags, out, "rows_diff");
        pds::verify::ArchiveInfo reference_info = verify_counting(out, 1).info;
        REQUIRE(reference_info.counts);
        reference_info.counts.reset(); // measure_content reads pg_restore --data-only's text
        const Manifest want = measure(out, reference_info);
        REQUIRE(want.measured == pds::manifest::Measure::Rows);
        if (std::string(s.name) != "custom-inserts") {
            REQUIRE(want.tables.size() >= 6);
            bool wide = false;
            for (const auto& t : want.tables)
                wide = wide || (t.name == "public.wide" && t.rows == 10);
            CHECK(wide);
        }
        for (unsigned jobs : {1u, 2u}) {
            INFO("jobs " << jobs);
            const pds::verify::Verdict v = verify_counting(out, jobs);
            REQUIRE(v.info.counts);
            require_same_manifest(measure(out, v.info), want);
        }
        if (std::string(s.flags).find("-Fc") == 0) {
            // The follower's counts, reused by the verifier of the finished file.
            pds::verify::Follower follower(out);
            pds::verify::VerifyOptions o;
            o.jobs = 2;
            o.count_rows = true;
            const pds::verify::Verdict v = follower.verify(Level::Full, o);
            REQUIRE(v.ok);
            if (std::string(s.name) != "custom-z0")
                CHECK(follower.stats().streams > 0);
            REQUIRE(v.info.counts);
            require_same_manifest(measure(out, v.info), want);
        }
    }
}
