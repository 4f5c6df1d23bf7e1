// Command lines on which the differential test (tests/differential) found pg_dump-safe and the
// real pg_dump 15 disagreeing, pinned at the level of the argv model. In both the model was
// right and the disagreement came from how its answer was used (see each case), so these
// cases keep the facts the run and publish steps rely on.
#include "cli/pgdump_options.hpp"

#include <catch2/catch.hpp>

using namespace pds::cli;

namespace {

ParsedArgs parse(std::vector<std::string> argv) {
    return parse_pg_dump_args(argv, 15, nullptr, false);
}

} // namespace

// Seed 20261125, 31 cases of 2000 (e.g. index 1577 `pg_dump --file=- --no-publications
// --format=D -- difftiny`, index 252 `pg_dump --format=C --file - -BsO -- difftiny`): pg_dump
// exits 0 and writes a directory or file named "-"; pg_dump-safe wrote "-.partial" and then
// ran `pg_restore -l -.partial`, which pg_restore reads as options (exit 3, verify-failed).
// The same for any file name starting with "-" ("-Fc -f -v": "-v.partial", seen with a fresh
// seed). The model says: a file or directory (not stdout) named "-"; the rewrite keeps it.
TEST_CASE("differential: -f - with a non-plain format names a file or directory '-'") {
    const ParsedArgs d =
        parse({"--use-set-session-authorization", "-f", "-", "-F", "directory", "--", "difftiny"});
    REQUIRE(d.ok);
    CHECK(d.file == std::optional<std::string>("-"));
    CHECK(d.format == Format::Directory);
    CHECK_FALSE(file_is_stdout(d));
    CHECK(rewrite_file_args(d, "-.partial") ==
          std::vector<std::string>{"--use-set-session-authorization", "-f", "-.partial", "-F",
                                   "directory", "--", "difftiny"});

    for (const char* fmt : {"-Fc", "-FTAR", "--format=Custom"}) {
        INFO(fmt);
        const ParsedArgs p = parse({fmt, "--file", "-", "difftiny"});
        REQUIRE(p.ok);
        CHECK(p.file == std::optional<std::string>("-"));
        CHECK_FALSE(file_is_stdout(p));
        // The partial keeps its leading "-" through the rewrite, attached or separate.
        CHECK(rewrite_file_args(p, "-.partial")[2] == "-.partial");
    }
    const ParsedArgs v = parse({"-Fc", "-f", "-v"});
    REQUIRE(v.ok);
    CHECK(v.file == std::optional<std::string>("-v"));
    CHECK_FALSE(v.verbose);
    CHECK_FALSE(file_is_stdout(v));
    const ParsedArgs attached = parse({"-f-", "-Fd"});
    REQUIRE(attached.ok);
    CHECK(rewrite_file_args(attached, "-.partial") ==
          std::vector<std::string>{"-f-.partial", "-Fd"});
}

// Seed 20261125, indexes 1768, 1864, 1909 (-f '' last, plain or -Fa): `pg_dump dbname=difftiny
// -f out.tar ... --file sub/x.sql -f '' >> stdout.out` exits 1 ("could not open output file "": No
// such file or directory", after dumping); pg_dump-safe took the plain format's empty -f for
// standard output, published the dump to stdout.out and exited 0. The model says: the last -f is
// "", plain, and that is not standard output (only for custom and tar is it).
TEST_CASE("differential: plain -f '' is not standard output (pg_dump fails)") {
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"dbname=difftiny", "-f", "out.tar", "-Noth*", "--no-comment", "--extra-float-digits",
              "3", "--file", "sub/x.sql", "-f", ""},
             {"--file=", "-f", "", "-ddbname=difftiny", "-c"},
             {"-fout.dump", "--no-table-access-method", "--file=", "-C", "--format=a",
              "--dbnam=difftiny"}}) {
        const ParsedArgs p = parse(argv);
        REQUIRE(p.ok);
        CHECK(p.file == std::optional<std::string>(""));
        CHECK(p.format == Format::Plain);
        CHECK_FALSE(file_is_stdout(p));
    }
    // The same empty -f with custom or tar is standard output.
    CHECK(file_is_stdout(parse({"-Fc", "--file="})));
    CHECK(file_is_stdout(parse({"-f", "", "-Ft"})));
}
