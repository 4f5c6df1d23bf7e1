// The command line: every bad invocation is a clear error and exit status 3.
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace pds::audit;
using namespace pds::audit::test;

namespace {

void expect_usage_error(const std::vector<std::string>& args, const std::string& words) {
    Run r = audit(args);
    INFO("args: " << Catch::Detail::stringify(args) << "\nstderr: " << r.err);
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(r.err.find("pg_dump-safe-audit: error: ") == 0);
    CHECK(r.err.find(words) != std::string::npos);
}

} // namespace

TEST_CASE("bad options and operands exit 3 with an error naming the problem") {
    TempDir t;
    make_dirs(t / "root");
    write_file(t / "file.dump", "x");
    const std::string root = t / "root";
    expect_usage_error({"--frobnicate", root}, "unrecognised option '--frobnicate'");
    expect_usage_error({"--verify=quick", root}, "unknown level 'quick'");
    expect_usage_error({"--format=xml", root}, "unknown format 'xml'");
    expect_usage_error({"--max-age=3 days", root}, "--max-age: bad duration '3 days'");
    expect_usage_error({"--stale-partial=soon", root}, "--stale-partial: bad duration");
    expect_usage_error({"--min-free=lots", root}, "--min-free: bad size 'lots'");
    expect_usage_error({"--min-free=150%", root}, "--min-free: bad percentage '150%'");
    expect_usage_error({"--margin=0", root}, "--margin: bad factor");
    expect_usage_error({"--recent=0", root}, "--recent: bad count");
    expect_usage_error({"--series=(unclosed", root}, "--series: bad regular expression");
    expect_usage_error({"--cache=/x", "--no-cache", root}, "contradict");
    expect_usage_error({"--now=yesterday", root}, "--now: bad time");
    expect_usage_error({}, "no backup root or dump given");
    expect_usage_error({"--verify", root, t / "file.dump"}, "mix backup roots and dumps");
    expect_usage_error({"--verify=none", t / "file.dump"}, "--verify=none needs backup roots");
    expect_usage_error({"--verify", "--format=prometheus", t / "file.dump"},
                       "--format=prometheus is for audits");
    expect_usage_error({"--max-age"}, "--max-age");
}

TEST_CASE("a root that is missing, a file or a directory dump cannot be audited: exit 3") {
    TempDir t;
    write_file(t / "file.dump", "x");
    make_dirs(t / "dirdump");
    write_file(t / "dirdump/toc.dat", "PGDMP");
    Run missing = audit({"--no-cache", t / "nope"});
    CHECK(missing.status == 3);
    CHECK(missing.err.find("cannot read backup root '" + (t / "nope") +
                           "': No such file or directory") != std::string::npos);
    Run file = audit({"--no-cache", t / "file.dump"});
    CHECK(file.status == 3);
    CHECK(file.err.find("is not a directory") != std::string::npos);
    Run dirdump = audit({"--no-cache", t / "dirdump"});
    CHECK(dirdump.status == 3);
    CHECK(dirdump.err.find("is a directory dump, not a backup root") != std::string::npos);
    // One bad root among good ones still stops the audit: its report would be incomplete.
    make_dirs(t / "good");
    CHECK(audit({"--no-cache", t / "good", t / "nope"}).status == 3);
}

TEST_CASE(
    "option --help describes every option, the modes and the exit statuses - --version works") {
    Run h = audit({"--help"});
    CHECK(h.status == 0);
    for (const char* word : {"--verify[=LEVEL]",
                             "--format=FORMAT",
                             "--output=FILE",
                             "--min-free=SIZE|PCT",
                             "--margin=FACTOR",
                             "--max-age=DURATION",
                             "--stale-partial=DURATION",
                             "--recent=N",
                             "--pattern=GLOB",
                             "--series=REGEX",
                             "--cache=FILE",
                             "--no-cache",
                             "--verbose",
                             "--now=EPOCH",
                             "--help",
                             "--version",
                             "NO_COLOR",
                             "Exit status:",
                             "  0  all good",
                             "  3  the audit could not run",
                             "prometheus",
                             "failure.json",
                             "toc.dat"}) {
        INFO(word);
        CHECK(h.out.find(word) != std::string::npos);
    }
    for (std::size_t b = 0, e; b < h.out.size(); b = e + 1) {
        e = h.out.find('\n', b);
        INFO(h.out.substr(b, e - b));
        CHECK(e - b <= 92); // fits a terminal
    }
    Run v = audit({"--version"});
    CHECK(v.status == 0);
    CHECK(v.out.rfind("pg_dump-safe-audit ", 0) == 0);
}

TEST_CASE(
    "option --verify takes its level only as --verify=LEVEL: a following word is an operand") {
    TempDir t;
    make_dirs(t / "root");
    // "--verify full" would audit the roots "full" and ROOT: "full" does not exist.
    Run r = audit({"--no-cache", "--verify", t / "root"});
    CHECK(r.status == 1); // audited: an empty root is a warning (no-dumps)
    Run r2 = audit({"--no-cache", "--verify", "full", t / "root"});
    CHECK(r2.status != 0);
}
