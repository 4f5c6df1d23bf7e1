// Every row of argv_cases through the model: what pg_dump would make of the command line, what
// the wrapper forwards to it, and the argv with -f pointed at the partial file.
#include "argv_cases.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

using namespace pds::cli;
using namespace pds::cli::testing;

namespace {

ParsedArgs parse_case(const ArgvCase& c) {
    return parse_pg_dump_args(c.argv, c.major, test_safe_arity, (c.flags & kPosix) != 0);
}

} // namespace

TEST_CASE("the argv table covers every form at least once") {
    const auto& cases = argv_cases();
    CHECK(cases.size() >= 70);
    std::set<std::string> names;
    std::set<ArgError> kinds;
    for (const ArgvCase& c : cases) {
        CHECK(names.insert(c.name).second); // names identify rows in failure messages
        kinds.insert(c.error);
    }
    CHECK(kinds.size() == 8); // every ArgError, None included
}

TEST_CASE("each command line parses as pg_dump would see it") {
    for (const ArgvCase& c : argv_cases()) {
        INFO("case '" << c.name << "' (pg_dump " << c.major << "): " << show(c.argv));
        const ParsedArgs p = parse_case(c);
        INFO("error: " << p.error << "; safe_error: " << p.safe_error);
        CHECK(p.ok == c.ok);
        CHECK(p.error_kind == c.error);
        CHECK(p.error.empty() == c.ok);
        CHECK(p.file == c.file);
        if (c.format == nullptr) {
            CHECK_FALSE(p.format.has_value());
        } else {
            REQUIRE(p.format.has_value());
            CHECK(std::string(format_name(*p.format)) == c.format);
        }
        CHECK(p.verbose == ((c.flags & kVerbose) != 0));
        CHECK(p.no_sync == ((c.flags & kNoSync) != 0));
        CHECK(p.help == ((c.flags & kHelp) != 0));
        CHECK(p.version == ((c.flags & kVersion) != 0));
        CHECK(p.append == ((c.flags & kAppend) != 0));
        CHECK(show(p.forwarded) == show(forwarded_of(c)));
        CHECK(show(p.safe_args) == show(c.safe_args));
        CHECK(p.safe_error.empty() == !c.safe_error);
        CHECK(p.safe_indexes.size() == c.argv.size() - forwarded_of(c).size());
        if (!c.rewritten.empty())
            CHECK(show(rewrite_file_args(p, kNewFile)) == show(c.rewritten));
    }
}

TEST_CASE("file slots point at the value inside the forwarded token") {
    const ParsedArgs p =
        parse_pg_dump_args({"--safe-verify", "toc", "-vfa.sql", "--file=b.sql", "--fi", "c.sql"},
                           15, test_safe_arity, false);
    REQUIRE(p.ok);
    REQUIRE(p.file_slots.size() == 3);
    CHECK(p.file_slots[0].index == 0);
    CHECK(p.file_slots[0].offset == 3);
    CHECK(p.file_slots[1].index == 1);
    CHECK(p.file_slots[1].offset == 7);
    CHECK(p.file_slots[2].index == 3);
    CHECK(p.file_slots[2].offset == 0);
    CHECK(p.safe_indexes == std::vector<std::size_t>{0, 1});
    CHECK(*p.file == "c.sql");
}

TEST_CASE("error messages use glibc's wording") {
    auto error_of = [](std::vector<std::string> argv, int major = 15) {
        return parse_pg_dump_args(argv, major, test_safe_arity, false).error;
    };
    CHECK(error_of({"-k"}) == "invalid option -- 'k'");
    CHECK(error_of({"--bogus=1"}) == "unrecognized option '--bogus=1'");
    CHECK(error_of({"--verb=1"}) == "option '--verbose' doesn't allow an argument");
    CHECK(error_of({"--fil"}) == "option '--file' requires an argument");
    CHECK(error_of({"-f"}) == "option requires an argument -- 'f'");
    CHECK(error_of({"--ver"}) ==
          "option '--ver' is ambiguous; possibilities: '--verbose' '--version'");
    CHECK(error_of({"a", "b", "c"}) == "too many command-line arguments (first is \"b\")");
    CHECK(error_of({"-d", "a", "b"}) == "too many command-line arguments (first is \"b\")");
}

TEST_CASE("POSIXLY_CORRECT is read from the environment") {
    const std::vector<std::string> argv = {"app", "-f", "x"};
    ::unsetenv("POSIXLY_CORRECT");
    CHECK(parse_pg_dump_args(argv, 15, test_safe_arity).ok);
    ::setenv("POSIXLY_CORRECT", "", 1); // glibc only asks whether it exists
    const ParsedArgs p = parse_pg_dump_args(argv, 15, test_safe_arity);
    ::unsetenv("POSIXLY_CORRECT");
    CHECK_FALSE(p.ok);
    CHECK(p.error_kind == ArgError::TooManyArguments);
    CHECK(p.positionals == argv);
}

TEST_CASE("without a wrapper option table every --safe-* is a wrapper error") {
    const ParsedArgs p = parse_pg_dump_args({"--safe-verify=full", "app"}, 15, nullptr, false);
    CHECK(p.ok);
    CHECK_FALSE(p.safe_error.empty());
    CHECK(p.forwarded == std::vector<std::string>{"app"});
}

TEST_CASE("rewrite refuses what it cannot do safely") {
    const ParsedArgs bad = parse_pg_dump_args({"-k"}, 15, test_safe_arity, false);
    CHECK_THROWS_AS(rewrite_file_args(bad, "x"), std::invalid_argument);
    const ParsedArgs good = parse_pg_dump_args({"-fX"}, 15, test_safe_arity, false);
    CHECK_THROWS_AS(rewrite_file_args(good, ""), std::invalid_argument);
}
