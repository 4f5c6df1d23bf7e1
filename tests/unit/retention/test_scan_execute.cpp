// Scan and executor on real files in temporary directories.
#include "policy_util.hpp"
#include "retention/execute.hpp"
#include "retention/scan.hpp"
#include "support/test_util.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace fs = boost::filesystem;
using namespace pds::retention;
using namespace pds::test;

namespace {

// Marks a file immutable (chattr +i) so that even root gets EPERM from unlink: the only way to
// make a real deletion fail when the tests run as root. Undone at the end of the test.
class Immutable {
public:
    explicit Immutable(const fs::path& p) : path_(p) {
        const std::string err = set(true);
        if (!err.empty())
            FAIL(err << " (the test needs a file system with chattr +i, e.g. ext4; point "
                        "TMPDIR at one)");
    }
    ~Immutable() { set(false); }
    Immutable(const Immutable&) = delete;
    Immutable& operator=(const Immutable&) = delete;

private:
    std::string set(bool on) {
        const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return "open " + path_.string() + ": " + std::strerror(errno);
        int flags = 0;
        int rc = ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
        if (rc == 0) {
            flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
            rc = ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
        }
        const int err = errno;
        ::close(fd);
        return rc == 0 ? "" : "chattr " + path_.string() + ": " + std::strerror(err);
    }
    fs::path path_;
};

// Daily custom-format-sized stand-ins; their content is irrelevant to retention, which only
// asks the verifier.
void make_week(const TempDir& dir) {
    for (int d = 1; d <= 4; ++d) {
        const std::string day = "2026-01-0" + std::to_string(d);
        write_file(dir / ("app-" + day + ".dump"), std::string(100 * d, 'x'));
        set_mtime(dir / ("app-" + day + ".dump"), utc(2026, 1, d, 3, 5));
    }
    // Runs of 01-05..01-07 failed: partials, a failure record, a lock file.
    for (int d = 5; d <= 7; ++d)
        write_file(dir / ("app-2026-01-0" + std::to_string(d) + ".dump.partial"), "PGDMP");
    write_file(dir / "app-2026-01-07.dump.partial.failure.json", "{}");
    write_file(dir / "app-2026-01-07.dump.lock", "");
    write_file(dir / "billing-2026-01-01.dump", "other series");
}

const std::time_t kNow = utc(2026, 1, 8, 4); // of the retention requests

} // namespace

TEST_CASE("scan lists the series' final dumps and never partials, locks, records or links") {
    TempDir dir, outside;
    make_week(dir);
    write_file(outside / "precious.dump", "not in the backup directory");
    fs::create_symlink(outside / "precious.dump", dir / "app-2025-12-31.dump");
    fs::create_directory(dir / "app-2025-12-30.dump"); // no toc.dat: not a dump
    fs::create_directory(dir / "app-2025-12-29.dump");
    write_file(dir / "app-2025-12-29.dump" / "toc.dat", "PGDMP");
    write_file(dir / "app-2025-12-29.dump" / "3001.dat.gz", std::string(50, 'z'));
    write_file(dir / "app-*.dump", "literally named like the series key");

    const ScanResult r = scan_series(dir.path(), SeriesFilter::of_name("app-2026-01-08.dump"));
    std::vector<std::string> found;
    for (const Candidate& c : r.candidates)
        found.push_back(c.name);
    std::sort(found.begin(), found.end());
    CHECK(found == std::vector<std::string>{"app-2025-12-29.dump", "app-2026-01-01.dump",
                                            "app-2026-01-02.dump", "app-2026-01-03.dump",
                                            "app-2026-01-04.dump"});
    for (const Candidate& c : r.candidates) {
        CHECK(c.time_from_name);
        CHECK(c.inode != 0);
        CHECK(c.path == dir / c.name);
        if (c.name == "app-2025-12-29.dump") {
            CHECK(c.directory);
            CHECK(c.size == 55);
        }
        if (c.name == "app-2026-01-02.dump")
            CHECK(c.size == 200);
    }
    CHECK(r.skipped.size() == 2); // the symlink and the directory without toc.dat

    // A glob selects by fnmatch; unstamped names then use their mtime.
    const ScanResult g = scan_series(dir.path(), SeriesFilter::from_glob("billing-*"));
    REQUIRE(g.candidates.size() == 1);
    CHECK(g.candidates[0].name == "billing-2026-01-01.dump");

    CHECK_THROWS_WITH(scan_series(dir / "missing", SeriesFilter::of_name("a")),
                      Catch::Contains((dir / "missing").string()) &&
                          Catch::Contains("No such file or directory"));
}

TEST_CASE("after three failed runs, the next publication prunes by the rules, on disk") {
    ScopedTz tz("UTC0");
    TempDir dir, outside;
    make_week(dir);
    write_file(outside / "precious.dump", "target of a link");
    fs::create_symlink(outside / "precious.dump", dir / "app-2025-12-31.dump");
    write_file(dir / "app-2026-01-08.dump", "published today");

    FakeVerifier v;
    std::vector<std::string> reported;
    const RetentionOutcome out = apply_retention(
        request(dir / "app-2026-01-08.dump", last(3), kNow, v.fn()), [&](const PruneResult& r) {
            reported.push_back(r.dump.name + " age=" + format_age(r.age_seconds));
        });
    REQUIRE(out.ok());
    CHECK(out.summary.removed == 2);
    CHECK(out.summary.bytes_freed == 300);
    // Date-only names: the mtime (03:05 on that date) is the dump's time.
    CHECK(reported == std::vector<std::string>{"app-2026-01-02.dump age=6d00h",
                                               "app-2026-01-01.dump age=7d00h"});
    // Only restore points take a "last 3" slot: the two older ones were verified.
    CHECK(v.calls == std::vector<std::string>{"app-2026-01-04.dump", "app-2026-01-03.dump"});
    for (const char* gone : {"app-2026-01-01.dump", "app-2026-01-02.dump"})
        CHECK_FALSE(fs::exists(dir / gone));
    for (const char* kept :
         {"app-2026-01-03.dump", "app-2026-01-04.dump", "app-2026-01-08.dump",
          "app-2026-01-05.dump.partial", "app-2026-01-06.dump.partial",
          "app-2026-01-07.dump.partial", "app-2026-01-07.dump.partial.failure.json",
          "app-2026-01-07.dump.lock", "billing-2026-01-01.dump"})
        CHECK(fs::exists(dir / kept));
    CHECK(fs::is_symlink(dir / "app-2025-12-31.dump"));
    CHECK(read_file(outside / "precious.dump") == "target of a link");
}

TEST_CASE("dry run removes nothing and reports what would go") {
    TempDir dir;
    make_week(dir);
    RetentionRequest r = request(dir / "app-2026-01-04.dump", last(1), kNow);
    r.dry_run = true;
    std::vector<std::string> reported;
    const RetentionOutcome out = apply_retention(r, [&](const PruneResult& p) {
        CHECK(p.dry_run);
        CHECK_FALSE(p.removed);
        reported.push_back(p.dump.name);
    });
    REQUIRE(out.ok());
    CHECK(reported.size() == 3);
    CHECK(out.summary.removed == 0);
    for (int d = 1; d <= 4; ++d)
        CHECK(fs::exists(dir / ("app-2026-01-0" + std::to_string(d) + ".dump")));
}

TEST_CASE("directory dumps are removed as a whole without following links inside") {
    TempDir dir, outside;
    write_file(outside / "keep.me", "outside");
    for (const char* d : {"app-2026-01-01", "app-2026-01-02"}) {
        fs::create_directory(dir / d);
        write_file(dir / d / "toc.dat", "PGDMP");
        write_file(dir / d / "3001.dat.gz", "data");
        fs::create_symlink(outside / "keep.me", dir / d / "link");
    }
    // The published path may be spelled with a trailing slash.
    const RetentionOutcome out =
        apply_retention(request(dir.path().string() + "/app-2026-01-02/", last(1), kNow));
    REQUIRE(out.ok());
    CHECK(out.summary.removed == 1);
    CHECK_FALSE(fs::exists(fs::symlink_status(dir / "app-2026-01-01")));
    CHECK(fs::exists(dir / "app-2026-01-02" / "toc.dat"));
    CHECK(read_file(outside / "keep.me") == "outside");
}

TEST_CASE("a deletion that fails is collected and the rest still goes") {
    TempDir dir;
    make_week(dir);
    std::vector<PruneResult> reported;
    RetentionOutcome out;
    {
        Immutable lock_in(dir / "app-2026-01-02.dump");
        out = apply_retention(request(dir / "app-2026-01-04.dump", last(1), kNow),
                              [&](const PruneResult& r) { reported.push_back(r); });
    }
    CHECK_FALSE(out.ok());
    CHECK(out.summary.failed == 1);
    CHECK(out.summary.removed == 2);
    REQUIRE(reported.size() == 3);
    const PruneResult& bad = reported[1];
    CHECK(bad.dump.name == "app-2026-01-02.dump");
    CHECK_FALSE(bad.removed);
    CHECK_THAT(bad.error, Catch::Contains((dir / "app-2026-01-02.dump").string()) &&
                              Catch::Contains("Operation not permitted"));
    CHECK(fs::exists(dir / "app-2026-01-02.dump"));
    CHECK_FALSE(fs::exists(dir / "app-2026-01-01.dump"));
    CHECK_FALSE(fs::exists(dir / "app-2026-01-03.dump"));
}

TEST_CASE("a directory dump that cannot be fully removed is reported") {
    TempDir dir;
    for (const char* d : {"app-2026-01-01", "app-2026-01-02"}) {
        fs::create_directory(dir / d);
        write_file(dir / d / "toc.dat", "PGDMP");
    }
    RetentionOutcome out;
    {
        Immutable pin(dir / "app-2026-01-01" / "toc.dat");
        out = apply_retention(request(dir / "app-2026-01-02", last(1), kNow));
    }
    CHECK_FALSE(out.ok());
    REQUIRE(out.summary.results.size() == 1);
    CHECK_THAT(out.summary.results[0].error, Catch::Contains((dir / "app-2026-01-01").string()) &&
                                                 Catch::Contains("Operation not permitted"));
}

TEST_CASE("a dump replaced between scan and deletion is left in place") {
    TempDir dir;
    make_week(dir);
    const ScanResult scan = scan_series(dir.path(), SeriesFilter::of_name("app-2026-01-04.dump"));
    const Plan plan = plan_retention(
        plan_input(scan.candidates, "app-2026-01-04.dump", last(1), utc(2026, 1, 5), {}));
    REQUIRE(plan.prune.size() == 3);
    // Another process writes a new file under one of the names (new inode).
    fs::remove(dir / "app-2026-01-03.dump");
    write_file(dir / "app-2026-01-03.dump", "a new file with the old name");
    fs::remove(dir / "app-2026-01-01.dump"); // and another removes one first

    const PruneSummary sum = execute_plan(plan, false);
    CHECK(sum.failed == 1);
    CHECK(sum.removed == 1);
    REQUIRE(sum.results.size() == 3);
    CHECK_THAT(sum.results[0].error, Catch::Contains("changed since it was scanned"));
    CHECK(read_file(dir / "app-2026-01-03.dump") == "a new file with the old name");
    CHECK(sum.results[2].note == "already gone");
    CHECK(sum.results[2].error.empty());
}

TEST_CASE("retention off, unstamped names and an unreadable directory") {
    TempDir dir;
    make_week(dir);
    SECTION("no rule: nothing scanned, nothing removed") {
        const RetentionOutcome out = apply_retention(request(dir / "missing/x.dump", {}, kNow));
        CHECK(out.ok());
        CHECK_FALSE(out.plan.enabled);
    }
    SECTION("an unstamped published name is its own series: nothing else is touched") {
        write_file(dir / "app.dump", "unstamped");
        const RetentionOutcome out = apply_retention(request(dir / "app.dump", last(1), kNow));
        CHECK(out.ok());
        CHECK(out.plan.prune.empty());
        CHECK(fs::exists(dir / "app-2026-01-01.dump"));
    }
    SECTION("a glob that does not match the published dump prunes nothing") {
        write_file(dir / "app-2026-01-08.dump", "x");
        RetentionRequest r = request(dir / "app-2026-01-08.dump", last(1), kNow);
        r.series_glob = "billing-*";
        const RetentionOutcome out = apply_retention(r);
        CHECK(out.ok());
        CHECK_FALSE(out.plan.refused.empty());
        CHECK(fs::exists(dir / "billing-2026-01-01.dump"));
    }
    SECTION("a missing directory is an error naming it, not an exception") {
        const RetentionOutcome out =
            apply_retention(request(dir / "missing/x.dump", last(1), kNow));
        CHECK_FALSE(out.ok());
        CHECK_THAT(out.error, Catch::Contains((dir / "missing").string()));
    }
    SECTION("a glob over unstamped names uses mtimes") {
        for (int d = 1; d <= 3; ++d) {
            write_file(dir / ("nightly" + std::to_string(d) + ".sql"), "x");
            set_mtime(dir / ("nightly" + std::to_string(d) + ".sql"), utc(2026, 1, d));
        }
        RetentionRequest r = request(dir / "nightly3.sql", last(1), kNow);
        r.series_glob = "nightly*.sql";
        const RetentionOutcome out = apply_retention(r);
        CHECK(out.ok());
        CHECK(out.summary.removed == 2);
        CHECK(fs::exists(dir / "nightly3.sql"));
        CHECK_FALSE(fs::exists(dir / "nightly1.sql"));
    }
}
