// Issue 14: the records kept beside a dump (FINAL.restore-test.json of a restore drill,
// FINAL.manifest.json) never count as dumps and are removed together with their dump.
#include "policy_util.hpp"
#include "retention/execute.hpp"
#include "retention/scan.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>

namespace fs = boost::filesystem;
using namespace pds::retention;
using namespace pds::test;

namespace {

// Retention after publishing `published`, keeping the last n, every dump good.
RetentionRequest keep_last(const fs::path& published, unsigned n) {
    return request(published, last(n), utc(2026, 1, 10, 4), all_good());
}

// app-2026-01-0D.dump (D = 1..4) and a directory dump app-2026-01-05.dump, each with its drill
// record and manifest; mtimes fixed at 03:05 on each date.
void make_series(const TempDir& dir) {
    for (int d = 1; d <= 4; ++d) {
        const fs::path dump = dir / ("app-2026-01-0" + std::to_string(d) + ".dump");
        write_file(dump, std::string(100, 'x'));
        write_file(dump.string() + ".restore-test.json", "{\"outcome\":\"pass\"}\n");
        write_file(dump.string() + ".manifest.json", "{}\n");
        set_mtime(dump, utc(2026, 1, d, 3, 5));
    }
    const fs::path d5 = dir / "app-2026-01-05.dump";
    fs::create_directory(d5);
    write_file(d5 / "toc.dat", "PGDMP");
    write_file(d5.string() + ".restore-test.json", "{\"outcome\":\"pass\"}\n");
    set_mtime(d5 / "toc.dat", utc(2026, 1, 5, 3, 5));
    set_mtime(d5, utc(2026, 1, 5, 3, 5));
}

} // namespace

TEST_CASE("drill records and manifests are never counted and go with their dump",
          "[retention][restore-test]") {
    TempDir dir;
    make_series(dir);
    // Records of dumps that are gone, named like the series: still not dumps.
    write_file(dir / "app-2025-12-31.dump.restore-test.json", "{}\n");
    const ScanResult scan = scan_series(dir.path(), SeriesFilter::of_name("app-2026-01-08.dump"));
    CHECK(scan.candidates.size() == 5);
    for (const Candidate& c : scan.candidates)
        CHECK(c.name.find(".json") == std::string::npos);

    write_file(dir / "app-2026-01-08.dump", "published");
    const RetentionOutcome out = apply_retention(keep_last(dir / "app-2026-01-08.dump", 2));
    REQUIRE(out.ok());
    CHECK(out.summary.removed == 4); // 01-08 and 01-05 stay
    for (int d = 1; d <= 4; ++d) {
        const std::string dump = (dir / ("app-2026-01-0" + std::to_string(d) + ".dump")).string();
        CHECK_FALSE(fs::exists(dump));
        CHECK_FALSE(fs::exists(dump + ".restore-test.json"));
        CHECK_FALSE(fs::exists(dump + ".manifest.json"));
    }
    CHECK(fs::exists(dir / "app-2026-01-05.dump" / "toc.dat"));
    CHECK(fs::exists(dir / "app-2026-01-05.dump.restore-test.json"));
    CHECK(fs::exists(dir / "app-2025-12-31.dump.restore-test.json")); // no dump of its own pruned

    // The directory dump's record goes with it too.
    write_file(dir / "app-2026-01-09.dump", "published");
    const RetentionOutcome out2 = apply_retention(keep_last(dir / "app-2026-01-09.dump", 2));
    REQUIRE(out2.ok());
    CHECK(out2.summary.removed == 1);
    CHECK_FALSE(fs::exists(dir / "app-2026-01-05.dump"));
    CHECK_FALSE(fs::exists(dir / "app-2026-01-05.dump.restore-test.json"));
}

TEST_CASE("a drill record that cannot be removed keeps its dump and is an error - a dry run "
          "keeps both",
          "[retention][restore-test]") {
    TempDir dir;
    make_series(dir);
    write_file(dir / "app-2026-01-08.dump", "published");
    {
        RetentionRequest dry = keep_last(dir / "app-2026-01-08.dump", 5);
        dry.dry_run = true;
        const RetentionOutcome out = apply_retention(dry);
        REQUIRE(out.ok());
        CHECK(out.summary.results.size() == 1);
        CHECK(fs::exists(dir / "app-2026-01-01.dump.restore-test.json"));
        CHECK(fs::exists(dir / "app-2026-01-01.dump"));
    }
    // A non-empty directory planted at the record's name: unlink fails (EISDIR).
    fs::remove(dir / "app-2026-01-01.dump.restore-test.json");
    fs::create_directory(dir / "app-2026-01-01.dump.restore-test.json");
    write_file(dir / "app-2026-01-01.dump.restore-test.json" / "x", "x");
    const RetentionOutcome out = apply_retention(keep_last(dir / "app-2026-01-08.dump", 5));
    CHECK_FALSE(out.ok());
    REQUIRE(out.summary.results.size() == 1);
    CHECK_THAT(out.summary.results[0].error,
               Catch::Contains("app-2026-01-01.dump.restore-test.json: Is a directory") &&
                   Catch::Contains("left in place"));
    CHECK(fs::exists(dir / "app-2026-01-01.dump"));
}
