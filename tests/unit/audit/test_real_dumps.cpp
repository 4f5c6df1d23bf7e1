// Real dumps of the seeded database "app" written by pg_dump 15, good, truncated and
// damaged, checked by the real verifier.
#include "support.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <unistd.h>

using namespace pds::audit;
using namespace pds::audit::test;

namespace {

// One good dump of every format in dir, named <base>.<ext>.
void dump_all_formats(const std::string& dir, const std::string& base) {
    make_dirs(dir);
    pg_dump("c", dir + "/" + base + ".dump");
    pg_dump("t", dir + "/" + base + ".tar");
    pg_dump("d", dir + "/" + base + ".dir");
    pg_dump("p", dir + "/" + base + ".sql");
    REQUIRE(shell("gzip -c " + shell_quote(dir + "/" + base + ".sql") + " > " +
                  shell_quote(dir + "/" + base + ".sql.gz"))
                .status == 0);
}

JsonValue audit_json(const std::vector<std::string>& args, int expected) {
    std::vector<std::string> all{"--no-cache", "--format=json"};
    all.insert(all.end(), args.begin(), args.end());
    Run r = audit(all);
    INFO(r.err << r.out);
    REQUIRE(r.status == expected);
    return strict_json(r.out);
}

const JsonValue& final_of(const JsonValue& doc, const std::string& path) {
    for (const auto& f : doc.at("finals").items)
        if (f.at("path").text == path)
            return f;
    FAIL("no final " << path);
    throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("every format written by pg_dump 15 is a good restore point", "[pg15]") {
    TempDir t;
    const std::string root = t / "root";
    dump_all_formats(root + "/app", "app-2026-11-25");
    for (const std::string level : {"--verify=structure", "--verify=full", "--verify=toc"}) {
        INFO(level);
        // The toc level reads no data, so it does not know how many bytes of data a dump
        // holds: data_bytes is null there (see render_json.cpp), a measured number above it.
        const bool measured = level != "--verify=toc";
        JsonValue doc = audit_json({level, root}, 0);
        REQUIRE(doc.at("finals").items.size() == 5);
        const std::map<std::string, std::string> formats{{".dump", "custom"},
                                                         {".tar", "tar"},
                                                         {".dir", "directory"},
                                                         {".sql", "plain"},
                                                         {".sql.gz", "plain"}};
        for (const auto& [ext, format] : formats) {
            const JsonValue& f = final_of(doc, root + "/app/app-2026-11-25" + ext);
            INFO(ext << ": " << f.at("problem").text);
            CHECK(f.at("verdict").text == "ok");
            CHECK(f.at("format").text == format);
            if (format != "plain") {
                CHECK(f.at("database").text == "app");
                CHECK(f.at("pg_dump_version").text.rfind("15.", 0) == 0);
                CHECK(f.at("archive_version").text.rfind("1.", 0) == 0);
                CHECK(f.at("entries").as_int() > 10);
                if (measured)
                    CHECK(f.at("data_bytes").as_int() > 1000);
                else
                    CHECK(f.at("data_bytes").is_null());
                CHECK_FALSE(f.at("created").text.empty());
            }
        }
        for (const auto& s : doc.at("series").items)
            CHECK(s.at("status").text == "ok");
    }
}

TEST_CASE("truncated and damaged dumps are found - the newest decides the severity", "[pg15]") {
    TempDir t;
    const std::string dir = t / "root/app";
    dump_all_formats(dir, "app-2026-11-24");
    // Newest custom dump cut in half: the series' newest is unrestorable (critical) while
    // yesterday's dump stays its newest good restore point.
    copy_dump(dir + "/app-2026-11-24.dump", dir + "/app-2026-11-25.dump");
    truncate_file(dir + "/app-2026-11-25.dump", file_size(dir + "/app-2026-11-25.dump") / 2);
    // Older damaged dumps are warnings: tar without its end, plain without pg_dump's
    // trailer, directory dump missing a data file.
    copy_dump(dir + "/app-2026-11-24.tar", dir + "/app-2026-11-23.tar");
    truncate_file(dir + "/app-2026-11-23.tar", file_size(dir + "/app-2026-11-23.tar") - 3000);
    copy_dump(dir + "/app-2026-11-24.sql", dir + "/app-2026-11-23.sql");
    truncate_file(dir + "/app-2026-11-23.sql", file_size(dir + "/app-2026-11-23.sql") - 200);
    copy_dump(dir + "/app-2026-11-24.dir", dir + "/app-2026-11-23.dir");
    REQUIRE(shell("ls -S " + shell_quote(dir + "/app-2026-11-23.dir") +
                  "/*.dat.gz | head -1 | xargs rm -f")
                .status == 0);

    JsonValue doc = audit_json({t / "root"}, 2);
    CHECK(doc.at("status").text == "critical");
    const JsonValue& cut = final_of(doc, dir + "/app-2026-11-25.dump");
    CHECK(cut.at("verdict").text == "failed");
    CHECK_FALSE(cut.at("problem").text.empty());
    for (const char* ext : {".tar", ".sql", ".dir"}) {
        const JsonValue& f = final_of(doc, dir + "/app-2026-11-23" + ext);
        INFO(ext);
        CHECK(f.at("verdict").text == "failed");
        CHECK_FALSE(f.at("problem").text.empty());
    }
    std::map<std::string, std::string> code_of;
    for (const auto& f : doc.at("findings").items)
        code_of[f.at("path").text] = f.at("code").text;
    CHECK(code_of[dir + "/app-2026-11-25.dump"] == "newest-unrestorable");
    CHECK(code_of[dir + "/app-2026-11-23.tar"] == "verify-failed");
    CHECK(code_of[dir + "/app-2026-11-23.sql"] == "verify-failed");
    CHECK(code_of[dir + "/app-2026-11-23.dir"] == "verify-failed");
    for (const auto& s : doc.at("series").items) {
        INFO(s.at("series").text);
        CHECK(s.at("newest_good").text.find("app-2026-11-24") != std::string::npos);
    }
    CHECK(doc.at("roots")[0].at("verify_failures").as_int() == 4);
}

TEST_CASE("option --verify DUMP describes each dump and fails on a damaged one", "[pg15]") {
    TempDir t;
    dump_all_formats(t.path(), "app");
    Run r = audit({"--verify", t / "app.dump", t / "app.dir", t / "app.tar", t / "app.sql"});
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    CHECK(r.out.find(t / "app.dump" + "\n  format            custom (archive 1.") !=
          std::string::npos);
    CHECK(r.out.find("  format            directory (archive 1.") != std::string::npos);
    CHECK(r.out.find("  format            tar (archive 1.") != std::string::npos);
    CHECK(r.out.find("  format            plain") != std::string::npos);
    CHECK(r.out.find("  pg_dump version   15.") != std::string::npos);
    CHECK(r.out.find("  database          app\n") != std::string::npos);
    CHECK(r.out.find("  verdict           ok (structure)") != std::string::npos);

    copy_dump(t / "app.dump", t / "cut.dump");
    truncate_file(t / "cut.dump", file_size(t / "cut.dump") - 100);
    Run bad = audit({"--verify=full", t / "app.dump", t / "cut.dump", t / "missing.dump"});
    CHECK(bad.status == 2);
    CHECK(bad.out.find("  verdict           ok (full)") != std::string::npos);
    CHECK(bad.out.find("  verdict           FAILED (full): ") != std::string::npos);
    CHECK(bad.out.find("FAILED (full): cannot stat '" + (t / "missing.dump") +
                       "': No such file or directory") != std::string::npos);

    Run json = audit({"--verify", "--format=json", t / "app.dump", t / "cut.dump"});
    CHECK(json.status == 2);
    JsonValue doc = strict_json(json.out);
    CHECK_FALSE(doc.at("ok").boolean);
    CHECK(doc.at("files")[0].at("ok").boolean);
    CHECK(doc.at("files")[0].at("database").text == "app");
    CHECK(doc.at("files")[0].at("format").text == "custom");
    CHECK_FALSE(doc.at("files")[1].at("ok").boolean);
    CHECK_FALSE(doc.at("files")[1].at("problem").text.empty());
}

TEST_CASE("the installed program: exit statuses, Prometheus file, no colour in a pipe", "[pg15]") {
    TempDir t;
    const std::string root = t / "root";
    dump_all_formats(root, "app-2026-11-25");
    const std::string prom = t / "audit.prom";
    Run good = run_binary({"--no-cache", "--format=prometheus", "--output=" + prom, root});
    INFO(good.err);
    CHECK(good.status == 0);
    CHECK(good.out.empty());
    PromDoc doc = parse_prometheus(read_file(prom));
    CHECK(doc.find("pg_dump_safe_audit_status")[0].value == 0);
    CHECK(doc.find("pg_dump_safe_audit_series_newest_good_timestamp_seconds").size() == 5);

    write_file(root + "/app-2026-11-26.dump", "");
    Run bad = run_binary({"--no-cache", root});
    CHECK(bad.status == 2);
    CHECK(bad.out.find('\033') == std::string::npos);
    CHECK(bad.out.find("zero-byte") != std::string::npos);

    Run usage = run_binary({"--bogus"});
    CHECK(usage.status == 3);
    CHECK(usage.err.find("unrecognised option '--bogus'") != std::string::npos);
}
