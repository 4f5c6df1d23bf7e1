// The three output formats and --output: stable JSON fields, a strictly valid Prometheus
// exposition, an aligned table; hostile names survive all of them.
#include "audit/text.hpp"
#include "series/series.hpp"
#include "support.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <set>
#include <sys/stat.h>
#include <sys/statvfs.h>

using namespace pds::audit;
using namespace pds::audit::test;

namespace {

const std::string kBody = "PGDMP" + std::string(2000, 'x');
const std::time_t kNow = 1795651200; // 2026-11-26 00:00:00 UTC

// A root with hostile directory names, a good series, an empty final, a failed partial.
struct HostileRoot {
    TempDir t;
    std::string root = t / "root";
    std::string quote_dir = root + "/q\"uo\\te";
    std::string newline_dir = root + "/line\nbreak";
    std::string latin1_dir = root + "/caf\xe9 db";
    HostileRoot() {
        for (const auto& d : {quote_dir, newline_dir, latin1_dir})
            make_dirs(d);
        write_file(quote_dir + "/app-2026-11-24.dump", kBody);
        write_file(quote_dir + "/app-2026-11-25.dump", kBody + kBody);
        write_file(newline_dir + "/crm-2026-11-25.dump", "");
        write_file(latin1_dir + "/hr-2026-11-25.sql", kBody);
        write_file(latin1_dir + "/hr-2026-11-26.sql.partial", "--");
        write_file(latin1_dir + "/hr-2026-11-26.sql.partial.failure.json",
                   R"({"reason":"connection","exit":1,"detail":"could not connect"})");
    }
    std::vector<std::string> args(const std::string& format) const {
        return {"--no-cache", "--verify=none", "--now=" + std::to_string(kNow),
                "--format=" + format, root};
    }
};

std::set<std::string> keys(const JsonValue& o) {
    std::set<std::string> k;
    for (const auto& m : o.members)
        k.insert(m.first);
    return k;
}

std::size_t column_of(const std::string& line, const std::string& needle) {
    return display_width(line.substr(0, line.find(needle)));
}

} // namespace

TEST_CASE("JSON: one strict document with exactly the documented fields") {
    HostileRoot h;
    Run r = audit(h.args("json"));
    REQUIRE(r.status == 2);
    JsonValue doc = strict_json(r.out);
    CHECK(keys(doc) == std::set<std::string>{"tool", "version", "schema", "time", "time_unix",
                                             "status", "exit_status", "verify_level",
                                             "max_age_seconds", "verified", "from_cache", "roots",
                                             "series", "finals", "partials", "unreadable",
                                             "findings"});
    CHECK(doc.at("tool").text == "pg_dump-safe-audit");
    CHECK(doc.at("schema").as_int() == 1);
    CHECK(doc.at("time").text == "2026-11-26T00:00:00Z");
    CHECK(doc.at("time_unix").as_int() == kNow);
    CHECK(doc.at("status").text == "critical");
    CHECK(doc.at("max_age_seconds").is_null());

    const JsonValue& root = doc.at("roots")[0];
    CHECK(keys(root) == std::set<std::string>{"path", "fs_size_bytes", "free_bytes", "free_percent",
                                              "need_bytes", "required_free_bytes", "low_headroom",
                                              "finals", "partials", "stale_partials",
                                              "zero_byte_finals", "tiny_finals", "verify_failures",
                                              "unreadable"});
    CHECK(root.at("path").text == h.root);
    // The next run writes one dump per series: app (4010 B) + hr (2005 B); crm is empty.
    CHECK(root.at("need_bytes").as_int() == 3 * static_cast<long long>(kBody.size()));
    CHECK(root.at("zero_byte_finals").as_int() == 1);

    CHECK(doc.at("series").items.size() == 3);
    for (const auto& s : doc.at("series").items)
        CHECK(keys(s) == std::set<std::string>{"root", "dir", "series", "finals", "newest",
                                               "newest_good", "newest_good_time",
                                               "newest_good_time_unix", "newest_good_age_seconds",
                                               "newest_unrestorable", "too_old", "status"});
    for (const auto& f : doc.at("finals").items)
        CHECK(keys(f) == std::set<std::string>{"path",
                                               "root",
                                               "dir",
                                               "series",
                                               "kind",
                                               "size_bytes",
                                               "mtime",
                                               "mtime_unix",
                                               "time",
                                               "time_unix",
                                               "verdict",
                                               "problem",
                                               "cached",
                                               "zero_byte",
                                               "tiny",
                                               "format",
                                               "archive_version",
                                               "pg_dump_version",
                                               "server_version",
                                               "database",
                                               "created",
                                               "compression",
                                               "entries",
                                               "data_entries",
                                               "data_bytes"});
    const JsonValue& p = doc.at("partials")[0];
    CHECK(keys(p) == std::set<std::string>{"path", "root", "kind", "size_bytes", "mtime",
                                           "mtime_unix", "age_seconds", "stale", "failure"});
    CHECK(keys(p.at("failure")) == std::set<std::string>{"record", "reason", "exit", "bytes",
                                                         "format", "detail", "time", "target",
                                                         "error"});
    CHECK(p.at("path").text == h.root + "/caf\\xe9 db/hr-2026-11-26.sql.partial");
    for (const auto& f : doc.at("findings").items)
        CHECK(keys(f) == std::set<std::string>{"severity", "code", "path", "message"});

    // Hostile names come back exactly (quotes, backslashes, newlines) or, for bytes that
    // are not UTF-8, as the visible \xHH.
    std::set<std::string> dirs;
    for (const auto& s : doc.at("series").items)
        dirs.insert(s.at("dir").text);
    CHECK(dirs == std::set<std::string>{h.quote_dir, h.newline_dir, h.root + "/caf\\xe9 db"});
}

TEST_CASE("Prometheus: a strictly valid exposition with escaped labels and the right values") {
    HostileRoot h;
    Run r = audit(h.args("prometheus"));
    REQUIRE(r.status == 2);
    PromDoc doc;
    try {
        doc = parse_prometheus(r.out);
    } catch (const std::exception& e) {
        FAIL(e.what() << "\n" << r.out);
    }
    for (const auto& [name, family] : doc.families) {
        INFO(name);
        CHECK(name.rfind("pg_dump_safe_audit_", 0) == 0);
        CHECK(family.type == "gauge");
        CHECK_FALSE(family.help.empty());
    }
    const std::map<std::string, std::string> root{{"root", h.root}};
    REQUIRE(doc.find("pg_dump_safe_audit_status").size() == 1);
    CHECK(doc.find("pg_dump_safe_audit_status")[0].value == 2);
    CHECK(doc.find("pg_dump_safe_audit_last_run_timestamp_seconds")[0].value == kNow);
    CHECK(doc.find("pg_dump_safe_audit_partials", root)[0].value == 1);
    CHECK(doc.find("pg_dump_safe_audit_stale_partials", root)[0].value == 1);
    CHECK(doc.find("pg_dump_safe_audit_zero_byte_finals", root)[0].value == 1);
    CHECK(doc.find("pg_dump_safe_audit_finals", root)[0].value == 4);
    CHECK(doc.find("pg_dump_safe_audit_verify_failures", root)[0].value == 1);
    struct statvfs vfs;
    REQUIRE(::statvfs(h.root.c_str(), &vfs) == 0);
    CHECK(doc.find("pg_dump_safe_audit_root_size_bytes", root)[0].value ==
          static_cast<double>(vfs.f_blocks) * vfs.f_frsize);
    CHECK(doc.find("pg_dump_safe_audit_root_free_bytes", root)[0].value > 0);

    // The label values, unescaped by the parser, are the directory names.
    auto good = doc.find("pg_dump_safe_audit_series_newest_good_timestamp_seconds",
                         {{"dir", h.quote_dir}, {"series", "app-*.dump"}});
    REQUIRE(good.size() == 1);
    CHECK(good[0].value == *pds::series::stamp_of("app-2026-11-25.dump"));
    CHECK(doc.find("pg_dump_safe_audit_series_newest_restorable", {{"dir", h.newline_dir}})[0]
              .value == 0);
    CHECK(doc.find("pg_dump_safe_audit_series_finals", {{"dir", h.root + "/caf\\xe9 db"}}).size() ==
          1);
    // No good restore point: no timestamp sample rather than a fake one.
    CHECK(doc.find("pg_dump_safe_audit_series_newest_good_timestamp_seconds",
                   {{"dir", h.newline_dir}})
              .empty());
}

TEST_CASE("the strict exposition parser used above does reject invalid expositions") {
    const char* good = "# HELP m_x help\n# TYPE m_x gauge\nm_x{a=\"1\"} 2\n";
    CHECK_NOTHROW(parse_prometheus(good));
    for (const char* bad : {"m_x 1\n",                                            // no TYPE
                            "# TYPE m_x gauge\nm_x{a=\"\\t\"} 1\n",               // bad escape
                            "# TYPE m_x gauge\nm_x{a=\"1\"} 1\nm_x{a=\"1\"} 2\n", // duplicate
                            "# TYPE m_x gauge\nm_x{a=\"x\nm_x 1\n",               // raw newline
                            "# TYPE m_x gauge\nm_x 1",                            // no final \n
                            "# TYPE m_x gauge\nm_x one\n",                        // bad value
                            "# TYPE m_x gauge\nm_x{1a=\"x\"} 1\n",                // label name
                            "# TYPE m_x gauge\n# TYPE m_y gauge\nm_y 1\nm_x 1\n", // split
                            "# TYPE m_x gauge\nm_x{a=\"\xff\"} 1\n"}) {           // not UTF-8
        INFO(bad);
        CHECK_THROWS(parse_prometheus(bad));
    }
}

TEST_CASE("table: aligned columns, visible escapes, colour only on a terminal without NO_COLOR") {
    HostileRoot h;
    Run r = audit(h.args("table"));
    REQUIRE(r.status == 2);
    INFO(r.out);
    CHECK(r.out.find('\033') == std::string::npos);
    CHECK(r.out.rfind("pg_dump-safe-audit: CRITICAL (", 0) == 0);
    CHECK(r.out.find(h.root + "/line\\nbreak/crm-*.dump") != std::string::npos);
    CHECK(r.out.find(h.root + "/caf\\xe9 db/hr-2026-11-26.sql.partial") != std::string::npos);
    CHECK(r.out.find(h.root + "/q\"uo\\\\te/app-*.dump") != std::string::npos);
    CHECK(r.out.find("connection") != std::string::npos); // the partial's failure reason

    // In the SERIES section every series name starts in the column of the heading.
    std::vector<std::string> lines;
    for (std::size_t b = 0, e; b < r.out.size(); b = e + 1)
        lines.push_back(r.out.substr(b, (e = r.out.find('\n', b)) - b));
    auto sec = std::find(lines.begin(), lines.end(), "SERIES");
    REQUIRE(sec != lines.end());
    const std::size_t col = column_of(sec[1], "SERIES");
    for (int i = 2; i <= 4; ++i)
        CHECK(column_of(sec[i], h.root) == col);
    CHECK(sec[5].empty());

    Run tty = audit(h.args("table"), true);
    CHECK(tty.out.find("\033[1;31mCRITICAL\033[0m") != std::string::npos);
    ::setenv("NO_COLOR", "1", 1);
    Run no_color = audit(h.args("table"), true);
    ::unsetenv("NO_COLOR");
    CHECK(no_color.out.find('\033') == std::string::npos);
    CHECK(no_color.out == r.out);

    auto args = h.args("table");
    args.insert(args.begin(), "--verbose");
    Run verbose = audit(args);
    CHECK(verbose.out.find("FINAL DUMPS") != std::string::npos);
    CHECK(verbose.out.find("app-2026-11-24.dump") != std::string::npos);
}

TEST_CASE("option --output replaces the file atomically - an unwritable output is exit 3") {
    HostileRoot h;
    const std::string out = h.t / "metrics/audit.prom";
    make_dirs(h.t / "metrics");
    write_file(out, "old content\n");
    ::umask(022);
    auto args = h.args("prometheus");
    args.push_back("--output=" + out);
    Run r = audit(args);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK_NOTHROW(parse_prometheus(read_file(out)));
    std::vector<std::string> names;
    for (const auto& e : boost::filesystem::directory_iterator(h.t / "metrics"))
        names.push_back(e.path().filename().string());
    CHECK(names == std::vector<std::string>{"audit.prom"}); // no temporary left behind
    struct stat st;
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~0022)); // readable by node_exporter

    auto missing = h.args("json");
    missing.push_back("--output=" + (h.t / "nodir/audit.json"));
    Run m = audit(missing);
    CHECK(m.status == 3);
    CHECK(m.err.find("nodir") != std::string::npos); // names the path (the directory)
    CHECK(m.err.find("No such file or directory") != std::string::npos);

    make_dirs(h.t / "metrics/isdir.prom");
    auto onto_dir = h.args("prometheus");
    onto_dir.push_back("--output=" + (h.t / "metrics/isdir.prom"));
    Run d = audit(onto_dir);
    CHECK(d.status == 3);
    CHECK(d.err.find("Is a directory") != std::string::npos);
    CHECK(read_file(out).find("pg_dump_safe_audit_status 2") != std::string::npos);
    names.clear();
    for (const auto& e : boost::filesystem::directory_iterator(h.t / "metrics"))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"audit.prom", "isdir.prom"});
}
