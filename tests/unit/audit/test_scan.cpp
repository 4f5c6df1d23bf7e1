// What the audit finds in a backup root, with --verify=none (metadata only) so that these
// tests need neither the server nor the verifier.
#include "audit/scan.hpp"
#include "series/series.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace pds::audit;
using namespace pds::audit::test;

namespace {

const std::string kBody = "PGDMP" + std::string(2000, 'x'); // looks big enough, unverified
const std::time_t kNow = 1795651200;                        // 2026-11-26 00:00:00 UTC

JsonValue audit_json(const std::vector<std::string>& extra, int expected_status) {
    std::vector<std::string> args{"--format=json", "--no-cache", "--now=" + std::to_string(kNow)};
    args.insert(args.end(), extra.begin(), extra.end());
    Run r = audit(args);
    INFO("stderr: " << r.err << "\nstdout: " << r.out);
    REQUIRE(r.status == expected_status);
    JsonValue v = strict_json(r.out);
    REQUIRE(v.at("exit_status").as_int() == expected_status);
    return v;
}

const JsonValue* item(const JsonValue& array, const std::string& key, const std::string& value) {
    for (const auto& x : array.items)
        if (x.at(key).text == value)
            return &x;
    return nullptr;
}

std::set<std::string> codes_of(const JsonValue& doc, const std::string& path) {
    std::set<std::string> codes;
    for (const auto& f : doc.at("findings").items)
        if (f.at("path").text == path)
            codes.insert(f.at("code").text);
    return codes;
}

} // namespace

TEST_CASE("file names are classified: finals, partials, failure records, others") {
    const std::vector<std::string> none, extra{"*.backup", "db_*.sql.zst"};
    CHECK(classify_name("app-2026-11-20.dump", none) == NameKind::Final);
    CHECK(classify_name("app.sql", none) == NameKind::Final);
    CHECK(classify_name("app.sql.gz", none) == NameKind::Final);
    CHECK(classify_name("app.tar", none) == NameKind::Final);
    CHECK(classify_name("app.dump.partial", none) == NameKind::Partial);
    CHECK(classify_name("app.dump.partial.failure.json", none) == NameKind::FailureRecord);
    CHECK(classify_name("app.json", none) == NameKind::Other);
    CHECK(classify_name("app.dump.gz", none) == NameKind::Other);
    CHECK(classify_name("app.backup", none) == NameKind::Other);
    CHECK(classify_name("app.backup", extra) == NameKind::Final);
    CHECK(classify_name("db_1.sql.zst", extra) == NameKind::Final);
    CHECK(classify_name("app.backup.partial", extra) == NameKind::Partial);
    CHECK(minimum_valid_size("x.tar", false) == 2048);
    CHECK(minimum_valid_size("x.dump", false) == 64);
}

TEST_CASE("a mixed root: finals, nested and directory dumps, partials with failure records") {
    TempDir t;
    const std::string root = t / "backups";
    make_dirs(root + "/app/old");
    make_dirs(root + "/crm/nested/deeper");
    make_dirs(root + "/app/app-2026-11-19.dir");
    make_dirs(root + "/app/app-2026-11-23.dir.partial");
    write_file(root + "/app/app-2026-11-20.dump", kBody);
    write_file(root + "/app/app-2026-11-21.dump", kBody + kBody);
    write_file(root + "/app/app-2026-11-19.dir/toc.dat", kBody);
    write_file(root + "/app/app-2026-11-19.dir/3001.dat.gz", kBody);
    write_file(root + "/app/app-2026-11-22.dump.partial", "PGDMP truncated");
    write_file(root + "/app/app-2026-11-22.dump.partial.failure.json",
               R"({"target":"/b/app-2026-11-22.dump","partial":"/b/app-2026-11-22.dump.partial",)"
               R"("reason":"disk-full","exit":1,"bytes":15,"format":"custom",)"
               R"("detail":"pg_dump: error: could not write: No space left on device",)"
               R"("time":"2026-11-22T03:00:12Z"})");
    write_file(root + "/app/app-2026-11-23.dir.partial/toc.dat", "PGDMP");
    write_file(root + "/app/old/app-2026-10-01.dump", kBody);
    write_file(root + "/crm/nested/deeper/crm_20261121T0300Z.sql", "-- PostgreSQL" + kBody);
    write_file(root + "/crm/nested/deeper/crm_20261121T0300Z.sql.partial.failure.json",
               R"({"reason":"connection"})"); // orphan record: neither dump nor partial
    write_file(root + "/app/README.txt", "not a dump");
    write_file(root + "/app/notes.json", "{}");
    const std::string spaced = root + "/app/app copy 2026-11-21.dump";
    const std::string newline = root + "/app/line\nbreak-2026-11-21.dump";
    const std::string latin1 = root + "/app/caf\xe9-2026-11-21.dump";
    for (const auto& p : {spaced, newline, latin1})
        write_file(p, kBody);
    set_tree_mtime(root, kNow - 3 * 3600);
    set_mtime(root + "/app/app-2026-11-22.dump.partial", kNow - 86400);
    set_tree_mtime(root + "/app/app-2026-11-23.dir.partial", kNow - 7200);

    JsonValue doc = audit_json({"--verify=none", root}, 1);

    std::set<std::string> finals;
    for (const auto& f : doc.at("finals").items)
        finals.insert(f.at("path").text);
    const std::set<std::string> expected_finals{root + "/app/app-2026-11-20.dump",
                                                root + "/app/app-2026-11-21.dump",
                                                root + "/app/app-2026-11-19.dir",
                                                root + "/app/old/app-2026-10-01.dump",
                                                root + "/crm/nested/deeper/crm_20261121T0300Z.sql",
                                                spaced,
                                                newline,
                                                root + "/app/caf\\xe9-2026-11-21.dump"};
    CHECK(finals == expected_finals);
    CHECK(doc.at("verify_level").text == "none");

    const JsonValue* dirdump = item(doc.at("finals"), "path", root + "/app/app-2026-11-19.dir");
    REQUIRE(dirdump);
    CHECK(dirdump->at("kind").text == "directory");
    CHECK(dirdump->at("size_bytes").as_int() == 2 * static_cast<long long>(kBody.size()));
    CHECK(dirdump->at("verdict").text == "unverified");

    const JsonValue& partials = doc.at("partials");
    REQUIRE(partials.items.size() == 2);
    const JsonValue* failed = item(partials, "path", root + "/app/app-2026-11-22.dump.partial");
    REQUIRE(failed);
    CHECK(failed->at("kind").text == "file");
    CHECK(failed->at("size_bytes").as_int() == 15);
    CHECK(failed->at("age_seconds").as_int() == 86400);
    CHECK(failed->at("stale").boolean);
    CHECK(failed->at("failure").at("reason").text == "disk-full");
    CHECK(failed->at("failure").at("exit").text == "1");
    CHECK(failed->at("failure").at("detail").text.find("No space left") != std::string::npos);
    const JsonValue* dirpartial = item(partials, "path", root + "/app/app-2026-11-23.dir.partial");
    REQUIRE(dirpartial);
    CHECK(dirpartial->at("kind").text == "directory");
    CHECK(dirpartial->at("stale").boolean); // 2h old, no record: abandoned
    CHECK(dirpartial->at("failure").is_null());

    // The series' newest good restore point is the newest final, never a partial.
    const JsonValue* app = item(doc.at("series"), "series", "app-*.dump");
    REQUIRE(app);
    CHECK(app->at("dir").text == root + "/app");
    CHECK(app->at("newest_good").text == root + "/app/app-2026-11-21.dump");
    CHECK(app->at("newest_good_time_unix").as_int() ==
          *pds::series::stamp_of("app-2026-11-21.dump"));
    CHECK(app->at("status").text == "ok");
    // A series per directory: the old/ copy is not part of app/'s series.
    CHECK(app->at("finals").as_int() == 2);

    const JsonValue& roots = doc.at("roots");
    REQUIRE(roots.items.size() == 1);
    CHECK(roots[0].at("finals").as_int() == 8);
    CHECK(roots[0].at("partials").as_int() == 2);
    CHECK(roots[0].at("stale_partials").as_int() == 2);
    CHECK(codes_of(doc, root + "/app/app-2026-11-22.dump.partial") ==
          std::set<std::string>{"stale-partial"});
    CHECK(doc.at("status").text == "warning");
}

TEST_CASE("zero-byte and tiny finals are critical, wherever they are in their series") {
    TempDir t;
    const std::string root = t.path();
    write_file(root + "/app-2026-11-20.dump", "");
    write_file(root + "/app-2026-11-21.dump", "PGDMP\x01\x0e");
    write_file(root + "/app-2026-11-22.dump", kBody);
    write_file(root + "/db-2026-11-22.tar", std::string(1500, '\0'));
    make_dirs(root + "/empty-2026-11-22.dir");
    write_file(root + "/empty-2026-11-22.dir/toc.dat", "");
    JsonValue doc = audit_json({"--verify=none", root}, 2);
    CHECK(codes_of(doc, root + "/app-2026-11-20.dump") == std::set<std::string>{"zero-byte"});
    CHECK(codes_of(doc, root + "/app-2026-11-21.dump") == std::set<std::string>{"tiny"});
    CHECK(codes_of(doc, root + "/app-2026-11-22.dump").empty());
    CHECK(codes_of(doc, root + "/db-2026-11-22.tar").count("tiny"));
    CHECK(codes_of(doc, root + "/empty-2026-11-22.dir").count("zero-byte"));
    const JsonValue* zero = item(doc.at("finals"), "path", root + "/app-2026-11-20.dump");
    REQUIRE(zero);
    CHECK(zero->at("zero_byte").boolean);
    CHECK(zero->at("verdict").text == "failed");
    CHECK(doc.at("roots")[0].at("zero_byte_finals").as_int() == 2);
    CHECK(doc.at("roots")[0].at("tiny_finals").as_int() == 2);
    // The good newest dump still is the series' restore point.
    const JsonValue* app = item(doc.at("series"), "series", "app-*.dump");
    REQUIRE(app);
    CHECK(app->at("newest_good").text == root + "/app-2026-11-22.dump");
    // A series made only of an empty dump has no restore point at all.
    CHECK(codes_of(doc, root + "/db-*.tar").count("no-restore-point"));
}

TEST_CASE("partials: a fresh one is in progress, a failed or abandoned one is stale") {
    TempDir t;
    const std::string root = t.path();
    write_file(root + "/app-2026-11-25.dump.partial", kBody);
    set_mtime(root + "/app-2026-11-25.dump.partial", kNow - 60);
    Run fresh = audit({"--no-cache", "--verify=none", "--now=" + std::to_string(kNow), root});
    INFO(fresh.out);
    CHECK(fresh.status == 1); // a warning: the root holds no final dump yet (no-dumps)
    CHECK(fresh.out.find("no-dumps") != std::string::npos);
    CHECK(fresh.out.find("stale-partial") == std::string::npos);
    CHECK(fresh.out.find("in progress") != std::string::npos);

    // Stale, and no final dump beside it: no good dump was ever made here (critical).
    Run stale = audit({"--no-cache", "--verify=none", "--stale-partial=30s",
                       "--now=" + std::to_string(kNow), root});
    CHECK(stale.status == 2);
    CHECK(stale.out.find("never-good") != std::string::npos);

    write_file(root + "/app-2026-11-25.dump.partial.failure.json", "{\"reason\": \"signal\",");
    JsonValue doc = audit_json({"--verify=none", root}, 2);
    const JsonValue& p = doc.at("partials")[0];
    CHECK(p.at("stale").boolean);
    CHECK(p.at("failure").at("error").text.find("cannot parse") != std::string::npos);
    write_file(root + "/app-2026-11-25.dump.partial.failure.json", "{\"reason\": \"signal\"}");
    doc = audit_json({"--verify=none", root}, 2);
    CHECK(doc.at("partials")[0].at("failure").at("reason").text == "signal");
    CHECK(codes_of(doc, root).count("never-good"));
    bool said = false;
    for (const auto& f : doc.at("findings").items)
        said = said || f.at("message").text == "failed: reason=signal";
    CHECK(said);
    CHECK(doc.at("series").items.empty()); // a partial alone makes no series
}

TEST_CASE("series: newest restore point, --max-age, --series REGEX, unrestorable newest") {
    TempDir t;
    const std::string root = t.path();
    write_file(root + "/app-2026-11-24.dump", kBody);
    write_file(root + "/app-2026-11-25.dump", kBody);
    const std::time_t stamp25 = *pds::series::stamp_of("app-2026-11-25.dump");

    JsonValue ok = audit_json({"--verify=none", "--max-age=26h", root}, 0);
    const JsonValue& s = ok.at("series")[0];
    CHECK(s.at("newest_good_age_seconds").as_int() == kNow - stamp25);
    CHECK_FALSE(s.at("too_old").boolean);

    JsonValue old = audit_json({"--verify=none", "--max-age=90m", root}, 2);
    CHECK(old.at("series")[0].at("too_old").boolean);
    CHECK(codes_of(old, root + "/app-2026-11-25.dump") == std::set<std::string>{"too-old"});

    // The newest final is a dangling link: the series' newest is unrestorable (critical)
    // although an older good restore point exists.
    REQUIRE(::symlink("/nonexistent/app.dump", (root + "/app-2026-11-26.dump").c_str()) == 0);
    JsonValue bad = audit_json({"--verify=none", root}, 2);
    CHECK(bad.at("series")[0].at("newest_unrestorable").boolean);
    CHECK(bad.at("series")[0].at("newest_good").text == root + "/app-2026-11-25.dump");
    CHECK(codes_of(bad, root + "/app-2026-11-26.dump") ==
          std::set<std::string>{"newest-unrestorable"});
    const JsonValue* link = item(bad.at("finals"), "path", root + "/app-2026-11-26.dump");
    REQUIRE(link);
    CHECK(link->at("problem").text == "dangling symbolic link: No such file or directory");
    ::unlink((root + "/app-2026-11-26.dump").c_str());

    // --series: hourly files "host1_app_<n>.dump" grouped by the captured database name.
    write_file(root + "/host1_app_001.dump", kBody);
    write_file(root + "/host1_app_002.dump", kBody);
    write_file(root + "/host1_crm_001.dump", kBody);
    JsonValue re = audit_json({"--verify=none", "--series=^host1_([a-z]+)_", root}, 0);
    std::set<std::string> names;
    for (const auto& x : re.at("series").items)
        names.insert(x.at("series").text);
    CHECK(names == std::set<std::string>{"app", "crm", "app-*.dump"});
    CHECK(item(re.at("series"), "series", "app")->at("finals").as_int() == 2);
}

TEST_CASE("unreadable things never hang or abort the audit and are reported") {
    TempDir t;
    const std::string root = t / "root";
    make_dirs(root + "/locked");
    write_file(root + "/app-2026-11-24.dump", kBody);
    write_file(root + "/app-2026-11-25.dump", kBody);
    write_file(root + "/locked/secret-2026-11-25.dump", kBody);
    REQUIRE(::mkfifo((root + "/pipe-2026-11-25.dump").c_str(), 0644) == 0);
    REQUIRE(::chmod((root + "/locked").c_str(), 0) == 0);
    REQUIRE(::chmod((root + "/app-2026-11-24.dump").c_str(), 0) == 0);

    // As root the modes do not bite; as nobody they do (CAP_DAC_OVERRIDE is gone).
    Run r = audit_as_nobody({"--no-cache", "--format=json", "--now=" + std::to_string(kNow), root});
    INFO(r.err << r.out);
    REQUIRE(r.status == 2); // the FIFO is the newest final of its series
    JsonValue doc = strict_json(r.out);
    const JsonValue* fifo = item(doc.at("finals"), "path", root + "/pipe-2026-11-25.dump");
    REQUIRE(fifo);
    CHECK(fifo->at("problem").text == "not a regular file: a FIFO");
    const JsonValue* locked = item(doc.at("unreadable"), "path", root + "/locked");
    REQUIRE(locked);
    CHECK(locked->at("error").text == "Permission denied");
    CHECK(codes_of(doc, root + "/locked") == std::set<std::string>{"unreadable"});
    const JsonValue* unreadable = item(doc.at("finals"), "path", root + "/app-2026-11-24.dump");
    REQUIRE(unreadable);
    CHECK(unreadable->at("verdict").text == "failed");
    CHECK(unreadable->at("problem").text ==
          "cannot open '" + root + "/app-2026-11-24.dump': Permission denied");
    CHECK(codes_of(doc, root + "/app-2026-11-24.dump") == std::set<std::string>{"verify-failed"});

    // A root nobody may read: the audit cannot run.
    REQUIRE(::chmod(root.c_str(), 0700) == 0);
    Run denied = audit_as_nobody({"--no-cache", root});
    CHECK(denied.status == 3);
    CHECK(denied.err.find("cannot read backup root '" + root + "': Permission denied") !=
          std::string::npos);
}
