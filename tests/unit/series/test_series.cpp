// Series naming: the key is the name with its stamp replaced by "*", the stamp is a time.
#include "series/series.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using pds::test::ScopedTz;
using pds::test::utc;

namespace {

struct Row {
    const char* name;
    const char* series;              // expected key
    std::optional<std::time_t> time; // expected stamp (TZ=UTC0 for stamps without a zone)
};

const std::vector<Row>& table() {
    static const std::vector<Row> rows = {
        // The forms of the issue.
        {"app-2026-06-17.dump", "app-*.dump", utc(2026, 6, 17)},
        {"app_20260617T030000Z.sql.gz", "app_*.sql.gz", utc(2026, 6, 17, 3)},
        {"app-2026-06-17_0300.dump", "app-*.dump", utc(2026, 6, 17, 3)},
        {"app.2026-06-17T03:00:00.tar", "app.*.tar", utc(2026, 6, 17, 3)},
        {"app-1781665200.dump", "app-*.dump", std::time_t{1781665200}},
        {"app_20260617T0300Z.sql.gz", "app_*.sql.gz", utc(2026, 6, 17, 3)},
        // Other date/time spellings scripts produce.
        {"app-2026-06-17T03:00:00+02:00.dump", "app-*.dump", utc(2026, 6, 17, 1)},
        {"app-2026-06-17T03:00:00-0500.dump", "app-*.dump", utc(2026, 6, 17, 8)},
        {"app-2026-06-17T03:00:00.123Z.dump", "app-*.dump", utc(2026, 6, 17, 3)},
        {"app-20260617-030000.dump", "app-*.dump", utc(2026, 6, 17, 3)},
        {"app-20260617030000.dump", "app-*.dump", utc(2026, 6, 17, 3)},
        {"app-202606170312.dump", "app-*.dump", utc(2026, 6, 17, 3, 12)},
        {"app-20260617_0300Z.sql.gz", "app-*.sql.gz", utc(2026, 6, 17, 3)},
        {"app-2026_06_17.dump", "app-*.dump", utc(2026, 6, 17)},
        {"app-2026.06.17.dump", "app-*.dump", utc(2026, 6, 17)},
        {"app-2026-06-17_03-00-59.dump", "app-*.dump", utc(2026, 6, 17, 3, 0, 59)},
        {"app-2026-06-17_03.dump", "app-*.dump", utc(2026, 6, 17, 3)},
        {"app-2026-06-17 03:04:05.sql", "app-*.sql", utc(2026, 6, 17, 3, 4, 5)},
        {"app-2026-06-17_03:04.dump", "app-*.dump", utc(2026, 6, 17, 3, 4)},
        {"app-2026-06-17T0300.dump", "app-*.dump", utc(2026, 6, 17, 3)},
        {"app-2026-06-17T23:59:60Z.dump", "app-*.dump", utc(2026, 6, 18)},
        {"2026-06-17.dump", "*.dump", utc(2026, 6, 17)},
        {"app-2026-06-17", "app-*", utc(2026, 6, 17)},
        {"my.app.2026-06-17.dir", "my.app.*.dir", utc(2026, 6, 17)},
        {"app-2024-02-29.dump", "app-*.dump", utc(2024, 2, 29)},
        {"app-1999-12-31.dump", "app-*.dump", utc(1999, 12, 31)},
        // Digits around the stamp that are not part of it.
        {"pg15-app-2026-06-17.dump", "pg15-app-*.dump", utc(2026, 6, 17)},
        {"sales2019-2026-06-17.dump", "sales2019-*.dump", utc(2026, 6, 17)},
        {"app-20200101.2026-06-17.dump", "app-20200101.*.dump", utc(2026, 6, 17)},
        {"app_2026-06-17_1.dump", "app_*_1.dump", utc(2026, 6, 17)},
        {"app-2026-06-17_0300-0001.dump", "app-*-0001.dump", utc(2026, 6, 17, 3)},
        {"app-2026-06-17T25:00:00.dump", "app-*T25:00:00.dump", utc(2026, 6, 17)},
        {"app-2026-06-17.dump.partial", "app-*.dump.partial", utc(2026, 6, 17)},
        // Month names (kartoza's docker-pg-backup): 12:15 on 25 November, not 15 December.
        {"PG_app.25-November-2026-12-15.dmp", "PG_app.*.dmp", utc(2026, 11, 25, 12, 15)},
        {"PG_app.05-February-2026-02-05.dmp", "PG_app.*.dmp", utc(2026, 2, 5, 2, 5)},
        {"PG_app.1-mar-2026.dmp", "PG_app.*.dmp", utc(2026, 3, 1)},
        // AutoPostgreSQLBackup's HHhMMm.
        {"app_2026-11-25_03h05m.Wednesday.sql.gz", "app_*.Wednesday.sql.gz",
         utc(2026, 11, 25, 3, 5)},
        {"app_week.48.2026-11-28_03h05m.sql.gz", "app_week.48.*.sql.gz", utc(2026, 11, 28, 3, 5)},
        // No stamp: the name is its own series.
        {"app-30-February-2026.dump", "app-30-February-2026.dump", std::nullopt},
        {"app-25-Novembre-2026.dump", "app-25-Novembre-2026.dump", std::nullopt},
        {"app.dump", "app.dump", std::nullopt},
        {"app-20261399.dump", "app-20261399.dump", std::nullopt},
        {"app-2026-02-30.dump", "app-2026-02-30.dump", std::nullopt},
        {"app-2023-02-29.dump", "app-2023-02-29.dump", std::nullopt},
        {"app-1969-12-31.dump", "app-1969-12-31.dump", std::nullopt},
        {"app-2026-6-17.dump", "app-2026-6-17.dump", std::nullopt},
        {"app-12345678901.dump", "app-12345678901.dump", std::nullopt},
        {"app-0123456789.dump", "app-0123456789.dump", std::nullopt},
        {"app-4102444800.dump", "app-4102444800.dump", std::nullopt},
        {"app-12026-06-17.dump", "app-12026-06-17.dump", std::nullopt},
        {"", "", std::nullopt},
    };
    return rows;
}

} // namespace

TEST_CASE("series key and stamp of every name in the table") {
    ScopedTz tz("UTC0");
    REQUIRE(table().size() >= 30);
    for (const Row& row : table()) {
        INFO("name: " << row.name);
        CHECK(pds::series::series_of(row.name) == row.series);
        const auto stamp = pds::series::stamp_of(row.name);
        CHECK(stamp.has_value() == row.time.has_value());
        if (stamp && row.time)
            CHECK(*stamp == *row.time);
        const auto found = pds::series::find_stamp(row.name);
        CHECK(found.has_value() == row.time.has_value());
    }
}

TEST_CASE("the key is the name with exactly the stamp's bytes replaced") {
    ScopedTz tz("UTC0");
    for (const Row& row : table()) {
        const std::string name = row.name;
        const auto st = pds::series::find_stamp(name);
        if (!st)
            continue;
        INFO("name: " << name);
        REQUIRE(st->pos + st->length <= name.size());
        CHECK(name.substr(0, st->pos) + "*" + name.substr(st->pos + st->length) ==
              pds::series::series_of(name));
    }
}

TEST_CASE("stamps without a zone are local time, zoned stamps are not") {
    {
        ScopedTz tz("EST5"); // UTC-5, no daylight saving
        CHECK(pds::series::stamp_of("app-2026-06-17_0300.dump") == utc(2026, 6, 17, 8));
        CHECK(pds::series::stamp_of("app-2026-06-17.dump") == utc(2026, 6, 17, 5));
        CHECK(pds::series::stamp_of("app_20260617T030000Z.sql.gz") == utc(2026, 6, 17, 3));
        CHECK(pds::series::stamp_of("app-1781665200.dump") == std::time_t{1781665200});
    }
    {
        ScopedTz tz("CET-1CEST,M3.5.0,M10.5.0/3"); // daylight saving in June, not in January
        CHECK(pds::series::stamp_of("app-2026-06-17_0300.dump") == utc(2026, 6, 17, 1));
        CHECK(pds::series::stamp_of("app-2026-01-17_0300.dump") == utc(2026, 1, 17, 2));
    }
}

TEST_CASE("dumps of one day and of different days share a series - other databases do not") {
    using pds::series::series_of;
    CHECK(series_of("app-2026-06-17.dump") == series_of("app-2026-06-18.dump"));
    CHECK(series_of("app-2026-06-17_0300.dump") == series_of("app-2026-06-17_1500.dump"));
    CHECK(series_of("app-2026-06-17.dump") != series_of("billing-2026-06-17.dump"));
    CHECK(series_of("app-2026-06-17.dump") != series_of("app-2026-06-17.sql"));
    CHECK(series_of("app-2026-06-17.dump") != series_of("app-2026-06-17.dump.partial"));
}

TEST_CASE("glob_matches has fnmatch semantics on the file name") {
    using pds::series::glob_matches;
    CHECK(glob_matches("app-*.dump", "app-2026-06-17.dump"));
    CHECK(glob_matches("app-*.dump", "app-.dump"));
    CHECK_FALSE(glob_matches("app-*.dump", "app-2026-06-17.dump.partial"));
    CHECK_FALSE(glob_matches("app-*.dump", "billing-2026-06-17.dump"));
    CHECK(glob_matches("app-?\?\?\?-?\?-?\?.dump", "app-2026-06-17.dump"));
    CHECK_FALSE(glob_matches("app-?\?\?\?-?\?-?\?.dump", "app-2026-06-1.dump"));
    CHECK(glob_matches("[ab]pp-*", "bpp-1"));
    CHECK_FALSE(glob_matches("[!ab]pp-*", "bpp-1"));
    CHECK(glob_matches("app-\\*.dump", "app-*.dump"));
    CHECK_FALSE(glob_matches("app-\\*.dump", "app-1.dump"));
    CHECK(glob_matches("*", ".hidden")); // plain: no FNM_PERIOD
    CHECK(glob_matches("a*b", "a/b"));   // plain: no FNM_PATHNAME
    // The series key of a stamped name is itself a glob that matches the series.
    CHECK(glob_matches(pds::series::series_of("app_20260617T0300Z.sql.gz"),
                       "app_20260618T0300Z.sql.gz"));
}

TEST_CASE("YYYYMM and YYYYWW are coarse stamps: they name the series but give no time") {
    for (const char* name : {"app-202611.sql.gz", "app-202648.sql.gz"}) {
        INFO(name);
        CHECK(pds::series::series_of(name) == "app-*.sql.gz");
        CHECK_FALSE(pds::series::stamp_of(name).has_value());
        const auto st = pds::series::find_stamp(name);
        REQUIRE(st.has_value());
        CHECK(st->coarse);
    }
    for (const char* name : {"app-202654.dump", "app-202600.dump", "app-123456.dump"}) {
        INFO(name);
        CHECK(pds::series::series_of(name) == name);
    }
    CHECK(pds::series::find_stamp("app-2026-11-25.dump")->date_only);
    CHECK_FALSE(pds::series::find_stamp("app-2026-11-25_0300.dump")->date_only);
}
