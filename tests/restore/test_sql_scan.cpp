// The scanner that reads what a dump holds from its SQL text (restore/sql_scan.hpp).
#include "restore/sql_scan.hpp"

#include <catch2/catch.hpp>

using pds::restore::DumpContent;
using pds::restore::qualified_name_length;
using pds::restore::ScanError;
using pds::restore::SqlScanner;

namespace {

const char* const kText = "--\n-- PostgreSQL database dump\n--\n\n"
                          "SET client_encoding = 'LATIN1';\n"
                          "ALTER TABLE public.t OWNER TO app_owner;\n"
                          "GRANT SELECT ON TABLE public.t TO \"Reader\";\n"
                          "REVOKE ALL ON SCHEMA public FROM PUBLIC;\n"
                          "SELECT pg_catalog.lo_create('16400');\n"
                          "--\n-- Data for Name: t\n--\n\n"
                          "COPY public.t (id, v) FROM stdin;\n"
                          "1\ta\n2\tb\\nstill row 2\n3\t\\\\.\n"
                          "\\.\n\n\n"
                          "--\n-- Data for Name: e\n--\n\n"
                          "COPY public.\"Empty \"\"t\"\"\" (x) FROM stdin;\n"
                          "\\.\n\n\n"
                          "--\n-- Data for Name: BLOBS\n--\n\n"
                          "BEGIN;\n\nSELECT pg_catalog.lo_open('16400', 131072);\n"
                          "SELECT pg_catalog.lowrite(0, '\\x6162');\n"
                          "SELECT pg_catalog.lo_close(0);\n"
                          "SELECT pg_catalog.lo_open('16401', 131072);\n"
                          "SELECT pg_catalog.lo_close(0);\n\nCOMMIT;\n\n"
                          "--\n-- Name: s\n--\n\n"
                          "SELECT pg_catalog.setval('public.s', 42, true);\n"
                          "SELECT pg_catalog.setval('public.\"Odd''s\"', 1, false);\n"
                          "--\n-- PostgreSQL database dump complete\n--\n\n";

DumpContent scan_in_pieces(const std::string& text, std::size_t piece) {
    SqlScanner s;
    for (std::size_t i = 0; i < text.size(); i += piece)
        s.feed(text.data() + i, std::min(piece, text.size() - i));
    s.finish();
    return s.content();
}

} // namespace

TEST_CASE("scanner: rows, large objects, sequences, encoding and roles", "[restore][scan]") {
    // Whole, and cut into pieces of every small size: lines split across feeds count alike.
    for (std::size_t piece :
         {std::size_t{100000}, std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
        const DumpContent c = scan_in_pieces(kText, piece);
        REQUIRE(c.tables.size() == 2);
        CHECK(c.tables[0].name == "public.t");
        CHECK(c.tables[0].rows == 3); // "\\." escaped in a value is data, not the end
        CHECK(c.tables[1].name == "public.\"Empty \"\"t\"\"\"");
        CHECK(c.tables[1].rows == 0);
        CHECK(c.large_objects == std::set<std::uint32_t>{16400, 16401});
        REQUIRE(c.sequences.size() == 2);
        CHECK(c.sequences[0].name == "public.s");
        CHECK(c.sequences[0].value == "42");
        CHECK(c.sequences[0].is_called);
        CHECK(c.sequences[1].name == "public.\"Odd's\"");
        CHECK_FALSE(c.sequences[1].is_called);
        CHECK(c.client_encoding == "LATIN1");
        CHECK(c.roles == std::set<std::string>{"app_owner", "\"Reader\""});
        CHECK_FALSE(c.creates_database);
    }
}

TEST_CASE("scanner: rows behind a premature end-of-data marker are the dump's rows",
          "[restore][scan]") {
    const std::string text = "COPY public.t (id) FROM stdin;\n1\n2\n\\.\n3\n4\n\\.\n\n\n"
                             "--\n-- next\n--\nSELECT pg_catalog.setval('public.s', 4, true);\n";
    const DumpContent c = scan_in_pieces(text, 3);
    REQUIRE(c.tables.size() == 1);
    CHECK(c.tables[0].rows == 4);
    CHECK(c.tables[0].rows_after_marker == 2);
    CHECK(c.sequences.size() == 1);
}

TEST_CASE("scanner: text that ends inside COPY data fails", "[restore][scan]") {
    SqlScanner s;
    const std::string text = "COPY public.t (id) FROM stdin;\n1\n2\n";
    s.feed(text.data(), text.size());
    CHECK_THROWS_AS(s.finish(), ScanError);
}

TEST_CASE("scanner: only pg_dump's name syntax reaches a query", "[restore][scan]") {
    CHECK(qualified_name_length("public.t") == 8);
    CHECK(qualified_name_length("\"a\"\"b\".\"c d\"") == 12);
    CHECK(qualified_name_length("t1_$x") == 5);
    CHECK(qualified_name_length("public.t; DROP TABLE x") == 8); // stops at the name
    CHECK(qualified_name_length("Public.t") == 0);               // unquoted upper case
    CHECK(qualified_name_length("\"unterminated") == 0);
    CHECK(qualified_name_length("\"\"") == 0);
    CHECK(qualified_name_length("public.") == 0);
    SqlScanner s;
    const std::string bad = "COPY public.t; DROP TABLE x; (a) FROM stdin;\n";
    CHECK_THROWS_AS(s.feed(bad.data(), bad.size()), ScanError);
    const std::string bad2 = "SELECT pg_catalog.setval('public.s; DROP TABLE x', 1, true);\n";
    SqlScanner s2;
    CHECK_THROWS_AS(s2.feed(bad2.data(), bad2.size()), ScanError);
}

// --max-restore-age in the audit: the record beside the newest good dump of each series.
#include "harness.hpp"

namespace {

const char* const kPlain = "--\n-- PostgreSQL database dump\n--\n\n"
                           "-- Dumped from database version 15.20\n"
                           "-- Dumped by pg_dump version 15.20\n\n"
                           "SET statement_timeout = 0;\n\n"
                           "--\n-- PostgreSQL database dump complete\n--\n\n";

std::string record(const char* result, long long finished) {
    return std::string("{\"record\": \"pg_dump-safe restore test\", \"result\": \"") + result +
           "\", \"problem\": " + (std::string(result) == "pass" ? "null" : "\"it broke\"") +
           ", \"finished_epoch\": " + std::to_string(finished) + "}\n";
}

} // namespace

TEST_CASE("audit --max-restore-age: missing, failed and old drills are warnings, critical with "
          "--strict",
          "[restore][audit]") {
    using namespace pdstest;
    const std::string dir = workdir("restore-age");
    const long long now = 1796300000; // fixed clock: 2026-12-03
    write_file(dir + "/app-2026-12-01.sql", kPlain);
    write_file(dir + "/app-2026-12-02.sql", kPlain);
    const std::string newest = dir + "/app-2026-12-02.sql";
    auto audit = [&](const std::string& extra) {
        return sh(q(PDS_AUDIT_BINARY) + " --no-cache --format=json --now=" + std::to_string(now) +
                  " --max-restore-age=7d " + extra + " " + q(dir));
    };
    Result r = audit("");
    CHECK(r.status == 1);
    CHECK(r.out.find("\"no-restore-test\"") != std::string::npos);
    CHECK(audit("--strict").status == 2);
    // A drill of an older dump does not count: the newest good one needs its own.
    write_file(dir + "/app-2026-12-01.sql.restore-test.json", record("pass", now - 60));
    CHECK(audit("").status == 1);
    write_file(newest + ".restore-test.json", record("pass", now - 6 * 86400));
    r = audit("--strict");
    INFO(r.out << r.err);
    CHECK(r.status == 0);
    write_file(newest + ".restore-test.json", record("pass", now - 8 * 86400));
    r = audit("");
    CHECK(r.status == 1);
    CHECK(r.out.find("\"restore-test-too-old\"") != std::string::npos);
    write_file(newest + ".restore-test.json", record("fail", now - 60));
    r = audit("--strict");
    CHECK(r.status == 2);
    CHECK(r.out.find("\"restore-test-failed\"") != std::string::npos);
    // Without --max-restore-age the records are not looked at.
    CHECK(sh(q(PDS_AUDIT_BINARY) + " --no-cache --now=" + std::to_string(now) + " " + q(dir))
              .status == 0);
}

TEST_CASE("scanner: a wide table's long COPY line is read whole", "[restore][scan]") {
    // 1,600 columns of quoted 63-byte names: a COPY line of about 105 KB. Before, only its
    // first 4,096 bytes were kept, the table was not seen and its rows not counted.
    std::string cols;
    for (int i = 0; i < 1600; ++i)
        cols += (i ? ", " : "") + std::string("\"") + std::to_string(100000 + i) +
                std::string(57, 'c') + "\"";
    const std::string text = "--\n-- Data for Name: wide\n--\n\nCOPY public.wide (" + cols +
                             ") FROM stdin;\n1\t2\n3\t4\n\\.\n\n\n--\n-- end\n--\n";
    REQUIRE(text.size() > 100000);
    for (std::size_t piece : {std::size_t{1}, std::size_t{4095}, std::size_t{1000000}}) {
        const DumpContent c = scan_in_pieces(text, piece);
        REQUIRE(c.tables.size() == 1);
        CHECK(c.tables[0].name == "public.wide");
        CHECK(c.tables[0].rows == 2);
    }
}
