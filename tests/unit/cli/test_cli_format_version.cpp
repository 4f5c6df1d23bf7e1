// -F values, where the output goes, and `pg_dump --version` lines.
#include "cli/pgdump_options.hpp"

#include <catch2/catch.hpp>

using namespace pds::cli;

namespace {

ParsedArgs parse(std::vector<std::string> argv) {
    return parse_pg_dump_args(argv, 15, nullptr, false);
}

} // namespace

TEST_CASE("format values (-F) as parseArchiveFormat takes them") {
    for (int major = 12; major <= 18; ++major) {
        INFO("pg_dump " << major);
        CHECK(parse_format("c", major) == Format::Custom);
        CHECK(parse_format("C", major) == Format::Custom);
        CHECK(parse_format("CuStOm", major) == Format::Custom);
        CHECK(parse_format("d", major) == Format::Directory);
        CHECK(parse_format("DIRECTORY", major) == Format::Directory);
        CHECK(parse_format("t", major) == Format::Tar);
        CHECK(parse_format("Tar", major) == Format::Tar);
        CHECK(parse_format("p", major) == Format::Plain);
        CHECK(parse_format("PLAIN", major) == Format::Plain);
        CHECK(parse_format("a", major) == Format::Plain);
        CHECK(parse_format("Append", major) == Format::Plain);
        CHECK_FALSE(parse_format("", major));
        CHECK_FALSE(parse_format("cu", major));
        CHECK_FALSE(parse_format("custom ", major));
        CHECK_FALSE(parse_format("x", major));
        CHECK_FALSE(parse_format("plaintext", major));
    }
    CHECK(is_append_format("A"));
    CHECK(is_append_format("APPEND"));
    CHECK_FALSE(is_append_format("p"));
    CHECK(std::string(format_name(Format::Plain)) == "plain");
    CHECK(std::string(format_name(Format::Custom)) == "custom");
    CHECK(std::string(format_name(Format::Tar)) == "tar");
    CHECK(std::string(format_name(Format::Directory)) == "directory");
}

TEST_CASE("which -f values mean standard output, per format") {
    CHECK(file_is_stdout(parse({})));
    CHECK(file_is_stdout(parse({"-f", "-"})));
    CHECK_FALSE(file_is_stdout(parse({"-f", ""}))); // plain: pg_dump fails to open ""
    CHECK_FALSE(file_is_stdout(parse({"-f", "out.sql"})));
    CHECK(file_is_stdout(parse({"-Fa", "-f", "-"})));

    CHECK(file_is_stdout(parse({"-Fc"})));
    CHECK(file_is_stdout(parse({"-Fc", "-f", ""})));
    CHECK_FALSE(file_is_stdout(parse({"-Fc", "-f", "-"}))); // a file named "-"
    CHECK(file_is_stdout(parse({"-Ft", "--file="})));
    CHECK_FALSE(file_is_stdout(parse({"-Ft", "-f", "-"})));

    CHECK_FALSE(file_is_stdout(parse({"-Fd"})));
    CHECK_FALSE(file_is_stdout(parse({"-Fd", "-f", "-"})));
    CHECK_FALSE(file_is_stdout(parse({"-Fd", "-f", ""})));

    CHECK_FALSE(file_is_stdout(parse({"-Fx"}))); // pg_dump rejects the format
}

TEST_CASE("major version from pg_dump --version") {
    CHECK(parse_pg_dump_version_major("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n") ==
          15);
    CHECK(parse_pg_dump_version_major("pg_dump (PostgreSQL) 17devel") == 17);
    CHECK(parse_pg_dump_version_major("pg_dump (PostgreSQL) 12.22\n") == 12);
    CHECK(parse_pg_dump_version_major("pg_dump (PostgreSQL) 18beta1") == 18);
    CHECK(parse_pg_dump_version_major("pg_dump (PostgreSQL) 16rc1") == 16);
    CHECK(parse_pg_dump_version_major("pg_dump (PostgreSQL) 9.6.24") == 9);
    CHECK(parse_pg_dump_version_major(
              "pg_dump (PostgreSQL) 14.10 (Ubuntu 14.10-0ubuntu0.22.04.1)") == 14);
    CHECK(parse_pg_dump_version_major("pg_dump (EnterpriseDB) 16.2.0") == 16);
    CHECK_FALSE(parse_pg_dump_version_major(""));
    CHECK_FALSE(parse_pg_dump_version_major("pg_dump (PostgreSQL) devel"));
    CHECK_FALSE(parse_pg_dump_version_major("pg_restore (PostgreSQL) 15.18"));
    CHECK_FALSE(parse_pg_dump_version_major("/usr/bin/pg_dump: 2: Syntax error: \"(\" unexpected"));
    CHECK_FALSE(
        parse_pg_dump_version_major("pg_dump: error: something\npg_dump (PostgreSQL) 15.1"));
    CHECK_FALSE(parse_pg_dump_version_major("pg_dump (PostgreSQL) 99999999999999"));
}
