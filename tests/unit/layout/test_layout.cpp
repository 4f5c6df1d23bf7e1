// The backup-directory vocabulary (src/layout): work files, rotation grouping, dump times,
// content recognition, directory sizes without following links.
#include "layout/layout.hpp"
#include "layout/rotation.hpp"
#include "support/test_util.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <zlib.h>

using namespace pds;
using pds::test::ScopedTz;
using pds::test::utc;
namespace fs = boost::filesystem;

TEST_CASE("layout: work files and their suffixes") {
    for (const char* n :
         {"a.dump.partial", "a.dump.lock", "a.dump.partial.failure.json", "a.dump.manifest.json",
          "a.dump.restore-test.json", "a.dump.tmp", ".hidden.dump", "a.dump.partial.x"})
        CHECK(layout::is_work_file(n));
    for (const char* n : {"a.dump", "PG_app.25-November-2026-12-15.dmp", "partial.dump"})
        CHECK_FALSE(layout::is_work_file(n));
    CHECK(layout::final_of_partial("a.dump.partial") == "a.dump");
    CHECK(layout::final_of_partial("a.dump") == "");
    CHECK(layout::failure_record_of("/b/a.dump.partial") == "/b/a.dump.partial.failure.json");
}

TEST_CASE("layout: one series across each tool's rotation folders") {
    struct Row {
        const char* dir;
        const char* series; // series::series_of of the name
        const char* key;
    };
    const Row rows[] = {
        // docker-postgres-backup-local
        {"last", "app-*.sql.gz", "*/app-*.sql.gz"},
        {"weekly", "app-*.sql.gz", "*/app-*.sql.gz"},
        {"last", "app-latest.sql.gz", "*/app-*.sql.gz"},
        // AutoPostgreSQLBackup
        {"daily/app", "app_*.Wednesday.sql.gz", "*/app/app_*.sql.gz"},
        {"weekly/app", "app_week.48.*.sql.gz", "*/app/app_*.sql.gz"},
        {"monthly/app", "app_*.November.app.sql.gz", "*/app/app_*.sql.gz"},
        {"daily/postgres_globals", "postgres_globals_*.Monday.sql.gz",
         "*/postgres_globals/postgres_globals_*.sql.gz"},
        // kartoza
        {"2026/November", "PG_app.*.dmp", "*/*/PG_app.*.dmp"},
        {"", "globals.sql", "globals.sql"},
        // the wiki's pg_backup_rotated.sh
        {"2026-11-25-daily", "app.custom", "*/app.custom"},
        {"2026-11-29-weekly", "app.custom", "*/app.custom"},
        // plain folders stay
        {"prod/eu", "app-*.dump", "prod/eu/app-*.dump"},
        {"2026-11-25-prod", "app.dump", "2026-11-25-prod/app.dump"},
    };
    for (const Row& r : rows) {
        INFO(r.dir << " " << r.series);
        CHECK(layout::group_key(r.dir, r.series) == r.key);
    }
}

TEST_CASE("layout: the time of a dump: stamp, date-only with mtime, future stamps") {
    ScopedTz tz("UTC0");
    const std::time_t now = utc(2026, 11, 26, 12);
    auto t = layout::dump_time("PG_app.25-November-2026-12-15.dmp", 0, now);
    CHECK(t.source == layout::TimeSource::Name);
    CHECK(t.time == utc(2026, 11, 25, 12, 15));
    // Date only: a 03:00 job's dump counts from 03:00, not from midnight.
    t = layout::dump_time("app-2026-11-25.dump", utc(2026, 11, 25, 3, 2), now);
    CHECK(t.source == layout::TimeSource::NameMtime);
    CHECK(t.time == utc(2026, 11, 25, 3, 2));
    // ... unless the mtime is another day (a copy): then midnight of the name's date.
    t = layout::dump_time("app-2026-11-25.dump", utc(2026, 11, 26, 9), now);
    CHECK(t.source == layout::TimeSource::Name);
    CHECK(t.time == utc(2026, 11, 25));
    // A stamp in the future is not believed.
    t = layout::dump_time("app-2099-01-01.dump", utc(2026, 11, 20), now);
    CHECK(t.source == layout::TimeSource::Future);
    CHECK(t.time == utc(2026, 11, 20));
    CHECK(t.stamp == utc(2099, 1, 1));
    // No stamp, a coarse stamp: the mtime.
    CHECK(layout::dump_time("app.custom", 77, now).source == layout::TimeSource::Mtime);
    CHECK(layout::dump_time("app-202648.sql.gz", 77, now).time == 77);
}

TEST_CASE("layout: dumps recognised by content, whatever their name") {
    pds::test::TempDir dir;
    auto put = [&](const std::string& name, const std::string& bytes) {
        pds::test::write_file(dir / name, bytes);
        return (dir / name).string();
    };
    CHECK(layout::sniff(put("a.dmp", "PGDMP\x01\x0e\x00")) == layout::Content::Custom);
    CHECK(layout::sniff(put("b.txt", "--\n-- PostgreSQL database dump\n--\n")) ==
          layout::Content::Plain);
    CHECK(layout::sniff(put("globals", "--\n-- PostgreSQL database cluster dump\n--\n")) ==
          layout::Content::Plain);
    CHECK(layout::sniff(put("c.log", "hello\n")) == layout::Content::NotADump);
    // gzip of pg_dump's header
    const std::string text = "--\n-- PostgreSQL database dump\n--\n\nSET x = 1;\n";
    uLongf n = compressBound(static_cast<uLong>(text.size())) + 32;
    std::string gz(n, '\0');
    z_stream z{};
    REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(&gz[0]);
    z.avail_out = static_cast<uInt>(gz.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    gz.resize(z.total_out);
    deflateEnd(&z);
    CHECK(layout::sniff(put("d.sql.gz.custom", gz)) == layout::Content::GzipPlain);
    // A FIFO is never opened for reading (O_NONBLOCK) and is not a dump.
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    CHECK(layout::sniff((dir / "fifo").string()) == layout::Content::NotADump);
}

TEST_CASE("layout: a directory dump's size counts its regular files, never links") {
    pds::test::TempDir dir;
    const fs::path d = dir / "app.dir";
    fs::create_directory(d);
    pds::test::write_file(d / "toc.dat", std::string(100, 'x'));
    pds::test::write_file(d / "3001.dat.gz", std::string(50, 'y'));
    pds::test::write_file(dir / "big", std::string(5000, 'z'));
    fs::create_symlink(dir / "big", d / "link");
    fs::create_symlink(d / "self", d / "self"); // a stray self-referencing link
    CHECK(layout::is_dump_directory(d.string()));
    const layout::TreeSize t = layout::directory_size(d.string());
    CHECK(t.problem.empty());
    CHECK(t.bytes == 150);
    fs::remove(d / "toc.dat");
    fs::create_symlink(dir / "big", d / "toc.dat");
    CHECK_FALSE(layout::is_dump_directory(d.string())); // a linked toc.dat is not a dump
}
