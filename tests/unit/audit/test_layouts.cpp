// The audit and retention on the backup layouts of common tools (issue 18). Each layout is
// generated here from the tool's naming and rotation rules (not by running the tool), with
// real pg_dump/pg_dumpall output of the test server and a fixed clock for every file.
#include "retention/execute.hpp"
#include "retention/sweep.hpp"
#include "support.hpp"
#include "support/test_util.hpp"
#include "verify/verify.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <unistd.h>

using namespace pds::audit;
using namespace pds::audit::test;
namespace fs = boost::filesystem;
namespace ret = pds::retention;

namespace {

const std::time_t kNow = 1795651200; // Thursday 2026-11-26 00:00:00 UTC

std::time_t at(int year, int mon, int day, int h = 0, int m = 0, int s = 0) {
    return pds::test::utc(year, mon, day, h, m, s);
}

// Names without a zone are local time: the tests run in UTC.
struct UtcZone : pds::test::ScopedTz {
    UtcZone() : ScopedTz("UTC0") {}
};

// Real dumps of the test server's database "app" (and "postgres", another database).
struct Dumps {
    TempDir t;
    std::string custom = t / "app.dump", foreign = t / "postgres.dump", plain = t / "app.sql",
                plain_gz = t / "app.sql.gz", globals = t / "globals.sql",
                globals_gz = t / "globals.sql.gz", dir = t / "app.dir";
    Dumps() {
        pg_dump("c", custom);
        pg_dump("c", foreign, "-d postgres");
        pg_dump("p", plain);
        pg_dump("d", dir);
        pg_dumpall_globals(globals);
        REQUIRE(shell("gzip -n -c " + shell_quote(plain) + " > " + shell_quote(plain_gz)).status ==
                0);
        REQUIRE(
            shell("gzip -n -c " + shell_quote(globals) + " > " + shell_quote(globals_gz)).status ==
            0);
    }
};

// A backup root built file by file; finish() gives every entry a fixed mtime.
class Tree {
public:
    explicit Tree(std::string root) : root_(std::move(root)) { make_dirs(root_); }
    const std::string& root() const { return root_; }
    std::string operator()(const std::string& rel) const { return root_ + "/" + rel; }
    std::string file(const std::string& rel, const std::string& src, std::time_t t) {
        const std::string path = (*this)(rel);
        make_dirs(fs::path(path).parent_path().string());
        copy_dump(src, path);
        times_.emplace_back(path, t);
        return path;
    }
    void hardlink(const std::string& rel, const std::string& existing_rel) {
        const std::string path = (*this)(rel);
        make_dirs(fs::path(path).parent_path().string());
        ::unlink(path.c_str()); // ln -f
        REQUIRE(::link((*this)(existing_rel).c_str(), path.c_str()) == 0);
        for (std::size_t k = 0; k < times_.size(); ++k) // the same inode: the same clock
            if (times_[k].first == (*this)(existing_rel))
                times_.emplace_back(path, times_[k].second);
    }
    void symlink(const std::string& rel, const std::string& target) {
        const std::string path = (*this)(rel);
        ::unlink(path.c_str()); // ln -sf
        REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
    }
    void finish() {
        set_tree_mtime(root_, kNow - 3600); // folders, links: an hour ago
        for (const auto& [path, t] : times_)
            if (fs::exists(fs::symlink_status(path))) // the tool's own cleanup removed some
                set_tree_mtime(path, t);
    }

private:
    std::string root_;
    std::vector<std::pair<std::string, std::time_t>> times_;
};

struct Audit {
    JsonValue doc;
    std::string root;
    std::set<std::string> series() const { // "DIR|SERIES", DIR relative to the root
        std::set<std::string> out;
        for (const auto& s : doc.at("series").items)
            out.insert(s.at("dir").text.substr(std::min(root.size() + 1, s.at("dir").text.size())) +
                       "|" + s.at("series").text);
        return out;
    }
    const JsonValue& one(const std::string& series) const {
        for (const auto& s : doc.at("series").items)
            if (s.at("series").text == series)
                return s;
        FAIL("no series " << series);
        return doc;
    }
    std::multiset<std::string> codes() const {
        std::multiset<std::string> out;
        for (const auto& f : doc.at("findings").items)
            out.insert(f.at("code").text);
        return out;
    }
    long long need() const { return doc.at("roots")[0].at("need_bytes").as_int(); }
};

Audit audit_root(const std::string& root, int expected, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--no-cache", "--format=json", "--now=" + std::to_string(kNow),
                                  "--max-age=26h"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(root);
    Run r = audit(args);
    INFO(r.err << r.out);
    REQUIRE(r.status == expected);
    return {strict_json(r.out), root};
}

ret::RetentionOutcome prune(const std::string& published, unsigned keep_last) {
    ret::RetentionRequest req;
    req.published = published;
    req.settings.keep_last = keep_last;
    req.now = kNow;
    req.database = pds::verify::verify_path(published, pds::verify::Level::Toc).info.database;
    req.verify = [](const fs::path& p) {
        const auto v = pds::verify::verify_path(p.string(), pds::verify::Level::Structure);
        return ret::VerifyOutcome{v.ok, v.problem, v.info.database};
    };
    return ret::apply_retention(req);
}

std::set<std::string> removed(const ret::RetentionOutcome& o) {
    std::set<std::string> out;
    for (const auto& r : o.summary.results)
        if (r.removed)
            out.insert(r.dump.name);
    return out;
}

std::string ymd(std::time_t t, const char* format) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

} // namespace

TEST_CASE("layout docker-postgres-backup-local: last/daily/weekly/monthly hard links and "
          "-latest symlinks are one series",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "backups");
    // backup.sh: pg_dump to last/DB-%Y%m%d-%H%M%S, then ln -f into daily/DB-%Y%m%d,
    // weekly/DB-%G%V, monthly/DB-%Y%m, and ln -sf DB-latest in each; find -mtime prunes
    // last/ after a day and daily/ after 7.
    for (int day = 16; day <= 25; ++day) {
        const std::time_t when = at(2026, 11, day, 3, 15);
        const std::string last = "last/app-" + ymd(when, "%Y%m%d-%H%M%S") + ".sql.gz";
        tree.file(last, d.plain_gz, when);
        tree.hardlink("daily/app-" + ymd(when, "%Y%m%d") + ".sql.gz", last);
        tree.hardlink("weekly/app-" + ymd(when, "%G%V") + ".sql.gz", last);
        tree.hardlink("monthly/app-" + ymd(when, "%Y%m") + ".sql.gz", last);
        tree.symlink("last/app-latest.sql.gz", "app-" + ymd(when, "%Y%m%d-%H%M%S") + ".sql.gz");
        tree.symlink("daily/app-latest.sql.gz", "app-" + ymd(when, "%Y%m%d") + ".sql.gz");
        tree.symlink("weekly/app-latest.sql.gz", "app-" + ymd(when, "%G%V") + ".sql.gz");
        tree.symlink("monthly/app-latest.sql.gz", "app-" + ymd(when, "%Y%m") + ".sql.gz");
        if (day >= 18) // the tool's own cleanup
            ::unlink(
                tree("last/app-" + ymd(at(2026, 11, day - 2, 3, 15), "%Y%m%d-%H%M%S") + ".sql.gz")
                    .c_str());
        if (day >= 23)
            ::unlink(tree("daily/app-" + ymd(at(2026, 11, day - 7, 3, 15), "%Y%m%d") + ".sql.gz")
                         .c_str());
    }
    tree.finish();

    Audit a = audit_root(tree.root(), 0);
    CHECK(a.series() == std::set<std::string>{"*|app-*.sql.gz"});
    const JsonValue& s = a.one("app-*.sql.gz");
    CHECK(s.at("finals").as_int() == 2 + 7 + 2 + 1); // last, daily, weekly, monthly; no links
    CHECK(s.at("newest_good_age_seconds").as_int() == 20 * 3600 + 45 * 60);
    CHECK(a.doc.at("verified").as_int() == 7); // one read per inode
    CHECK(a.need() == static_cast<long long>(file_size(d.plain_gz)));
    CHECK(a.codes().empty());

    // Retention in daily/: files that other names still refer to (hard links from last/ or
    // weekly/, the target of daily/app-latest.sql.gz) stay; the rest goes by the rules.
    const auto o = prune(tree("daily/app-20261125.sql.gz"), 1);
    REQUIRE(o.ok());
    CHECK(removed(o) == std::set<std::string>{"app-20261119.sql.gz", "app-20261120.sql.gz",
                                              "app-20261121.sql.gz", "app-20261123.sql.gz"});
    CHECK(fs::exists(tree("daily/app-20261122.sql.gz"))); // weekly/app-202647 is a link of it
    CHECK(fs::exists(tree("daily/app-20261124.sql.gz"))); // last/ still has it
    CHECK(fs::exists(tree("daily/app-latest.sql.gz")));   // the link's target stays
}

TEST_CASE("retention never removes the target of a symlink beside it, nor a hard-linked file",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "b");
    for (int day = 20; day <= 25; ++day)
        tree.file("app-2026-11-" + std::to_string(day) + ".dump", d.custom, at(2026, 11, day, 3));
    tree.symlink("app-latest.dump", "app-2026-11-21.dump");
    tree.hardlink("copy-of-22.dump", "app-2026-11-22.dump");
    tree.finish();
    const auto o = prune(tree("app-2026-11-25.dump"), 1);
    REQUIRE(o.ok());
    CHECK(removed(o) == std::set<std::string>{"app-2026-11-20.dump", "app-2026-11-23.dump",
                                              "app-2026-11-24.dump"});
    bool symlink_said = false, link_said = false;
    for (const auto& k : o.plan.keep)
        for (const auto& why : k.reasons) {
            symlink_said |=
                k.dump.name == "app-2026-11-21.dump" &&
                why.find("symbolic link " + tree("app-latest.dump")) != std::string::npos;
            link_said |= k.dump.name == "app-2026-11-22.dump" &&
                         why.find("2 hard links") != std::string::npos;
        }
    CHECK(symlink_said);
    CHECK(link_said);
}

TEST_CASE("layout AutoPostgreSQLBackup: daily/weekly/monthly per database and pg_dumpall "
          "globals",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "autopgsql");
    // DATE=%Y-%m-%d_%Hh%Mm; daily/DB/DB_DATE.DOW.sql.gz (rm *.DOW.sql.* first), on DOWEEKLY=6
    // (Saturday) weekly/DB/DB_week.W.DATE.sql.gz instead, on the 1st monthly/DB/DB_DATE.M.DB.
    for (int day = 19; day <= 25; ++day) {
        const std::time_t when = at(2026, 11, day, 3, 5);
        const std::string date = ymd(when, "%Y-%m-%d_%Hh%Mm");
        if (day == 21)
            continue; // Saturday: weekly
        tree.file("daily/app/app_" + date + "." + ymd(when, "%A") + ".sql.gz", d.plain_gz,
                  when + 20);
        tree.file("daily/postgres_globals/postgres_globals_" + date + "." + ymd(when, "%A") +
                      ".sql.gz",
                  d.globals_gz, when + 5);
    }
    for (int day : {7, 14, 21}) {
        const std::time_t when = at(2026, 11, day, 3, 5);
        tree.file("weekly/app/app_week." + ymd(when, "%V") + "." + ymd(when, "%Y-%m-%d_%Hh%Mm") +
                      ".sql.gz",
                  d.plain_gz, when + 20);
    }
    for (int mon : {9, 10, 11}) {
        const std::time_t when = at(2026, mon, 1, 3, 5);
        tree.file("monthly/app/app_" + ymd(when, "%Y-%m-%d_%Hh%Mm") + "." + ymd(when, "%B") +
                      ".app.sql.gz",
                  d.plain_gz, when + 20);
    }
    tree.finish();

    Audit a = audit_root(tree.root(), 0);
    CHECK(a.series() == std::set<std::string>{"*/app|app_*.sql.gz",
                                              "*/postgres_globals|postgres_globals_*.sql.gz"});
    CHECK(a.one("app_*.sql.gz").at("finals").as_int() == 6 + 3 + 3);
    CHECK(a.one("app_*.sql.gz").at("newest_good_age_seconds").as_int() == 20 * 3600 + 55 * 60);
    CHECK(a.one("postgres_globals_*.sql.gz").at("newest_good_age_seconds").as_int() ==
          20 * 3600 + 55 * 60);
    CHECK(a.need() == static_cast<long long>(file_size(d.plain_gz) + file_size(d.globals_gz)));
    CHECK(a.codes().empty());

    // Each name carries its weekday or month: retention sees a series of one and leaves the
    // tool's rotation alone.
    const auto monthly = prune(tree("monthly/app/app_2026-11-01_03h05m.November.app.sql.gz"), 7);
    CHECK(monthly.ok());
    CHECK(monthly.scan.candidates.size() == 1);
    CHECK(removed(monthly).empty());
    const auto daily = prune(tree("daily/app/app_2026-11-25_03h05m.Wednesday.sql.gz"), 1);
    CHECK(removed(daily).empty());
}

TEST_CASE("layout kartoza docker-pg-backup: YEAR/Month/PG_db.DD-Month-YYYY-HH-MM.dmp and "
          "globals.sql",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "kartoza");
    // MYDATE=%d-%B-%Y-%H-%M; ${YEAR}/${MONTH}/PG_${DB}.${MYDATE}.dmp; pg_dumpall -g > globals.sql
    for (std::time_t when = at(2026, 10, 28, 12, 15); when <= at(2026, 11, 25, 12, 15);
         when += 86400) {
        const std::time_t run = ymd(when, "%d") == "05" ? when - 10 * 3600 - 600 : when; // 02:05
        tree.file(ymd(run, "%Y/%B/PG_app.%d-%B-%Y-%H-%M.dmp"), d.custom, run + 30);
    }
    tree.file("globals.sql", d.globals, at(2026, 11, 25, 12, 15, 10));
    tree.finish();

    Audit a = audit_root(tree.root(), 0);
    CHECK(a.series() == std::set<std::string>{"*/*|PG_app.*.dmp", "|globals.sql"});
    CHECK(a.one("PG_app.*.dmp").at("finals").as_int() == 29);
    // 12:15 on 25 November, not 15 December: 11h45m old, not -19 days.
    CHECK(a.one("PG_app.*.dmp").at("newest_good_age_seconds").as_int() == 11 * 3600 + 45 * 60);
    CHECK(a.one("globals.sql").at("newest_good_age_seconds").as_int() == 11 * 3600 + 44 * 60 + 50);
    CHECK(a.need() == static_cast<long long>(file_size(d.custom) + file_size(d.globals)));
    CHECK(a.codes().empty());

    // Retention works within the month folder it publishes into.
    const auto o = prune(tree("2026/November/PG_app.25-November-2026-12-15.dmp"), 3);
    REQUIRE(o.ok());
    CHECK(removed(o).size() == 22); // 1..22 November; 23, 24, 25 kept, October untouched
    CHECK(fs::exists(tree("2026/November/PG_app.23-November-2026-12-15.dmp")));
    CHECK(fs::exists(tree("2026/October/PG_app.28-October-2026-12-15.dmp")));
}

TEST_CASE("layout PostgreSQL wiki pg_backup_rotated.sh: dated -daily/-weekly folders with "
          ".custom and globals",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "wiki");
    // FINAL_BACKUP_DIR=$BACKUP_DIR`date +%Y-%m-%d`$SUFFIX/ with SUFFIX -daily or -weekly
    // (DAY_OF_WEEK_TO_KEEP=7, Sunday); $DATABASE.custom and globals.sql.gz inside.
    for (int day = 15; day <= 25; ++day) {
        const std::time_t when = at(2026, 11, day, 1, 0);
        const std::string folder =
            ymd(when, "%Y-%m-%d") + (ymd(when, "%u") == std::string("7") ? "-weekly" : "-daily");
        tree.file(folder + "/app.custom", d.custom, when + 40);
        tree.file(folder + "/globals.sql.gz", d.globals_gz, when + 2);
    }
    tree.finish();

    Audit a = audit_root(tree.root(), 0);
    CHECK(a.series() == std::set<std::string>{"*|app.custom", "*|globals.sql.gz"});
    CHECK(a.one("app.custom").at("finals").as_int() == 11); // found by content, not name
    CHECK(a.one("app.custom").at("newest_good_age_seconds").as_int() == 23 * 3600 - 40);
    CHECK(a.need() == static_cast<long long>(file_size(d.custom) + file_size(d.globals_gz)));
    CHECK(a.codes().empty());

    // No stamp in the name: retention's series is the one file; nothing to prune.
    const auto o = prune(tree("2026-11-25-daily/app.custom"), 1);
    CHECK(o.ok());
    CHECK(o.scan.candidates.size() == 1);
    CHECK(removed(o).empty());
}

TEST_CASE("layout plain cron app-YYYY-MM-DD.dump: a cut dump, another database and a future "
          "name neither count nor evict",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "cron");
    for (int day = 15; day <= 25; ++day)
        tree.file("app-2026-11-" + std::to_string(day) + ".dump", day == 23 ? d.foreign : d.custom,
                  at(2026, 11, day, 3, 0, 40));
    truncate_file(tree("app-2026-11-24.dump"), file_size(d.custom) / 2);
    tree.file("app-2099-01-01.dump", d.foreign, at(2026, 11, 20, 9));
    tree.finish();

    // The date-only names count from their mtime (03:00:40), not midnight.
    Audit a = audit_root(tree.root(), 1);
    CHECK(a.series() == std::set<std::string>{"|app-*.dump"});
    CHECK(a.one("app-*.dump").at("newest_good_age_seconds").as_int() == 21 * 3600 - 40);
    CHECK(a.codes() == std::multiset<std::string>{"future-stamp", "verify-failed"});
    audit_root(tree.root(), 2, {"--expect-series=2"});

    // keep-last 2: the published 25th and the 22nd are the two restore points of "app"; the
    // cut 24th and the 23rd (database postgres) are kept, not counted; 2099 is kept.
    const auto o = prune(tree("app-2026-11-25.dump"), 2);
    REQUIRE(o.ok());
    CHECK(removed(o) == std::set<std::string>{"app-2026-11-15.dump", "app-2026-11-16.dump",
                                              "app-2026-11-17.dump", "app-2026-11-18.dump",
                                              "app-2026-11-19.dump", "app-2026-11-20.dump",
                                              "app-2026-11-21.dump"});
    for (const char* kept : {"app-2026-11-22.dump", "app-2026-11-23.dump", "app-2026-11-24.dump",
                             "app-2099-01-01.dump"})
        CHECK(fs::exists(tree(kept)));
    std::set<std::string> reasons;
    for (const auto& c : o.plan.checked)
        reasons.insert(c.name + ": " + (c.outcome.good ? "good" : c.outcome.reason.substr(0, 20)));
    CHECK(reasons.count("app-2026-11-23.dump: a dump of database p"));
    CHECK(reasons.count("app-2026-11-22.dump: good"));
}

TEST_CASE("layout -Fd directory dumps: a stray link inside is harmless, an old failed partial "
          "is history",
          "[pg15]") {
    UtcZone utc;
    Dumps d;
    TempDir t;
    Tree tree(t / "fd");
    for (int day = 21; day <= 25; ++day)
        tree.file("app-2026-11-" + std::to_string(day) + ".dir", d.dir, at(2026, 11, day, 3));
    REQUIRE(::symlink("loop", tree("app-2026-11-25.dir/loop").c_str()) == 0);
    tree.file("app-2026-11-20.dir.partial", d.dir, at(2026, 11, 20, 3, 10));
    tree.file("app-2026-11-20.dir.partial.failure.json", d.dir + "/toc.dat", at(2026, 11, 20, 3));
    write_file(tree("app-2026-11-20.dir.partial.failure.json"),
               R"({"reason":"disk-full","exit":1})");
    tree.finish();

    Audit a = audit_root(tree.root(), 0);
    CHECK(a.series() == std::set<std::string>{"|app-*.dir"});
    CHECK(a.one("app-*.dir").at("newest_good_age_seconds").as_int() == 21 * 3600);
    CHECK(a.doc.at("roots")[0].at("partials").as_int() == 1);
    CHECK(a.doc.at("roots")[0].at("stale_partials").as_int() == 0); // history
    CHECK(a.codes().empty());

    const auto o = prune(tree("app-2026-11-25.dir"), 2);
    REQUIRE(o.ok());
    CHECK(removed(o) ==
          std::set<std::string>{"app-2026-11-21.dir", "app-2026-11-22.dir", "app-2026-11-23.dir"});
}

TEST_CASE("an empty root is a warning, critical with --max-age, and a directory dump without "
          "toc.dat given as a root says so") {
    TempDir t;
    make_dirs(t / "empty");
    set_mtime(t / "empty", kNow - 3600);
    Run r = audit({"--no-cache", "--now=" + std::to_string(kNow), t / "empty"});
    CHECK(r.status == 1);
    CHECK(r.out.find("no-dumps") != std::string::npos);
    r = audit({"--no-cache", "--now=" + std::to_string(kNow), "--max-age=26h", t / "empty"});
    CHECK(r.status == 2);

    make_dirs(t / "cut.dir");
    write_file(t / "cut.dir/3001.dat.gz", "x");
    write_file(t / "cut.dir/3002.dat.gz", "x");
    set_tree_mtime(t / "cut.dir", kNow - 3600);
    r = audit({"--no-cache", "--now=" + std::to_string(kNow), "--max-age=26h", t / "cut.dir"});
    CHECK(r.status == 2);
    CHECK(r.out.find("no toc.dat") != std::string::npos);
}

TEST_CASE("a symlinked final pointing outside the root is said, not a restore point") {
    TempDir t;
    make_dirs(t / "root");
    make_dirs(t / "elsewhere");
    write_file(t / "elsewhere/app-2026-11-25.dump", "PGDMP" + std::string(2000, 'x'));
    REQUIRE(::symlink((t / "elsewhere/app-2026-11-25.dump").c_str(),
                      (t / "root/app-2026-11-25.dump").c_str()) == 0);
    set_tree_mtime(t.path(), kNow - 3600);
    Run r = audit({"--no-cache", "--verify=none", "--format=json", "--now=" + std::to_string(kNow),
                   t / "root"});
    INFO(r.out);
    CHECK(r.status == 1);
    const JsonValue doc = strict_json(r.out);
    CHECK(doc.at("series").items.empty());
    bool said = false;
    for (const auto& f : doc.at("findings").items)
        said |= f.at("code").text == "outside-root" &&
                f.at("message").text.find(t / "elsewhere/app-2026-11-25.dump") != std::string::npos;
    CHECK(said);
}

TEST_CASE("an ENCODING entry pg_restore would refuse ('UTG8') fails verification", "[pg15]") {
    TempDir t;
    pg_dump("c", t / "app.dump");
    std::string bytes = read_file(t / "app.dump");
    const std::size_t at_utf8 = bytes.find("SET client_encoding = 'UTF8'");
    REQUIRE(at_utf8 != std::string::npos);
    bytes.replace(at_utf8 + 23, 4, "UTG8");
    write_file(t / "bad.dump", bytes);
    Run r = audit({"--verify=toc", t / "bad.dump"});
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(r.out.find("unrecognized encoding \"UTG8\"") != std::string::npos);
    CHECK(audit({"--verify=toc", t / "app.dump"}).status == 0);
}

TEST_CASE("the sweep removes the series' stale partials and keeps the newest failure records") {
    TempDir t;
    const std::string dir = t.path();
    for (int day = 18; day <= 24; ++day) {
        const std::string final_name = "app-2026-11-" + std::to_string(day) + ".dump";
        write_file(dir + "/" + final_name + ".partial", std::string(100, 'p'));
        write_file(dir + "/" + final_name + ".partial.failure.json", "{}");
        set_mtime(dir + "/" + final_name + ".partial", at(2026, 11, day, 3));
        set_mtime(dir + "/" + final_name + ".partial.failure.json", at(2026, 11, day, 3, 1));
    }
    write_file(dir + "/other-2026-11-20.dump.partial", "not this series");
    set_mtime(dir + "/other-2026-11-20.dump.partial", at(2026, 11, 20, 3));
    set_mtime(dir, kNow - 3600);

    ret::SweepRequest req;
    req.dir = dir;
    req.filter = ret::SeriesFilter::of_name("app-2026-11-25.dump");
    req.published = "app-2026-11-25.dump";
    req.keep_records = 2;
    req.lock = [&](const fs::path& final_path) -> std::shared_ptr<void> {
        if (final_path.filename() == "app-2026-11-22.dump")
            return nullptr; // another run is writing it
        return std::make_shared<int>(0);
    };
    const ret::SweepResult s = ret::sweep_stale_partials(req);
    CHECK(s.errors.empty());
    CHECK(s.bytes == 600);
    for (int day = 18; day <= 24; ++day) {
        const std::string p = dir + "/app-2026-11-" + std::to_string(day) + ".dump.partial";
        INFO(p);
        CHECK(fs::exists(p) == (day == 22));
        // Records: the two newest (24, 23) stay as evidence, and 22's with its partial.
        CHECK(fs::exists(p + ".failure.json") == (day >= 22));
    }
    CHECK(fs::exists(dir + "/other-2026-11-20.dump.partial"));
    CHECK(s.skipped.size() == 1);
}
