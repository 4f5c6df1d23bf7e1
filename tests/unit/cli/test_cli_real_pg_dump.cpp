// The argv model against the real pg_dump 15 (PDS_PG_BINDIR), without a server: pg_dump
// judges its command line and opens custom/tar/directory output before it connects, so its
// reaction with PGHOST=/nonexistent shows whether it accepted the argv, which getopt complaint
// it printed, and which file it created.
#include "argv_cases.hpp"
#include "cli/pgdump_option_table.hpp"
#include "pg_dump_runner.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace pds::cli;
using namespace pds::cli::testing;

namespace {

void require_pg_dump() {
    INFO("the real pg_dump 15 is needed at " << pg_dump_path()
                                             << " (package postgresql-15; set PDS_PG_BINDIR)");
    REQUIRE(::access(pg_dump_path().c_str(), X_OK) == 0);
}

// Work-directory entries pg_dump must have left: custom/tar/directory output is created before
// connecting, plain output only after, so nothing else may appear.
std::vector<std::string> expected_entries(const ParsedArgs& p) {
    if (predict(p).outcome != Outcome::ReachedConnection || *p.format == Format::Plain ||
        file_is_stdout(p))
        return {};
    return {*p.file + (*p.format == Format::Directory ? "/" : "")};
}

// Runs args through pg_dump and the model; false (with a CHECK failure) when they disagree.
bool agree(PgDumpSandbox& sandbox, const std::vector<std::string>& args, bool posix,
           const std::string& label, bool check_files = true) {
    const ParsedArgs p = parse_pg_dump_args(args, 15, nullptr, posix);
    const Prediction want = predict(p);
    const PgDumpReaction got = sandbox.run(args, posix);
    const bool same_outcome = got.outcome == want.outcome && got.usage == want.usage;
    const bool same_files = !check_files || sandbox.work_entries() == expected_entries(p);
    if (same_outcome && same_files)
        return true;
    sandbox.keep();
    INFO(label << ": " << show(args) << (posix ? " with POSIXLY_CORRECT" : ""));
    INFO("model: " << outcome_name(want.outcome) << " kind " << static_cast<int>(want.usage) << " ("
                   << p.error << "), files " << show(expected_entries(p)));
    INFO("pg_dump: " << outcome_name(got.outcome) << " kind " << static_cast<int>(got.usage)
                     << ", exit " << got.exit_status << ", files " << show(sandbox.work_entries())
                     << "\nstderr: " << got.err);
    INFO("sandbox kept at " << sandbox.root());
    CHECK(same_outcome);
    CHECK(same_files);
    return false;
}

// Only whether pg_dump's command-line parsing rejected it, and with which complaint: used
// where an accepted argv may still hit one of pg_dump's later option checks.
bool agree_on_usage(PgDumpSandbox& sandbox, const std::vector<std::string>& args) {
    const ParsedArgs p = parse_pg_dump_args(args, 15, nullptr, false);
    const PgDumpReaction got = sandbox.run(args, false);
    const ArgError model = p.ok ? ArgError::None : p.error_kind;
    const ArgError real = got.outcome == Outcome::Usage ? got.usage : ArgError::None;
    // An accepted argv may still fail one of pg_dump's later checks of what the options say
    // ("--if-exists requires -c", "unrecognized section name"): the command line was parsed.
    const bool understood = got.outcome != Outcome::Unknown ||
                            (got.exit_status == 1 && got.err.rfind("pg_dump: error: ", 0) == 0);
    if (model == real && understood)
        return true;
    sandbox.keep();
    INFO(show(args) << ": model kind " << static_cast<int>(model) << " (" << p.error
                    << "), pg_dump kind " << static_cast<int>(real) << ", stderr: " << got.err);
    CHECK(model == real);
    return false;
}

} // namespace

TEST_CASE("real pg_dump 15 agrees with every pg_dump 15 row of the argv table") {
    require_pg_dump();
    PgDumpSandbox sandbox;
    int rows = 0;
    int rewrites = 0;
    for (const ArgvCase& c : argv_cases()) {
        if (c.major != 15)
            continue;
        ++rows;
        const bool posix = (c.flags & kPosix) != 0;
        agree(sandbox, forwarded_of(c), posix, c.name);
        // The expected values in the row must be what the model produced for pg_dump's argv.
        const ParsedArgs p = parse_pg_dump_args(c.argv, 15, test_safe_arity, posix);
        CHECK(p.ok == c.ok);
        if (c.rewritten.empty() || !p.ok || p.help || p.version)
            continue;
        // The rewritten argv must be accepted alike, and write exactly to the new name.
        ++rewrites;
        const std::vector<std::string> rewritten = rewrite_file_args(p, kNewFile);
        const ParsedArgs q = parse_pg_dump_args(rewritten, 15, nullptr, posix);
        CHECK(q.file == kNewFile);
        agree(sandbox, rewritten, posix, std::string(c.name) + " (rewritten)");
    }
    CHECK(rows >= 70);
    CHECK(rewrites >= 40);
}

TEST_CASE("real pg_dump 15 agrees on every long option name and argument kind") {
    require_pg_dump();
    PgDumpSandbox sandbox;
    for (const PgDumpLongOption& o : all_long_options()) {
        // "-v" first keeps --help/--version away from pg_dump's argv[1] check.
        agree_on_usage(sandbox, {"-v", std::string("--") + o.name});
        agree_on_usage(sandbox, {"-v", std::string("--") + o.name + "=1"});
    }
}

TEST_CASE("real pg_dump 15 agrees on every unique and ambiguous abbreviation") {
    require_pg_dump();
    PgDumpSandbox sandbox;
    std::set<std::string> prefixes;
    for (const PgDumpLongOption* o : long_options_for(15)) {
        const std::string name = o->name;
        for (std::size_t n = 1; n < name.size(); ++n)
            prefixes.insert(name.substr(0, n));
    }
    int checked = 0;
    for (const std::string& prefix : prefixes) {
        agree_on_usage(sandbox, {"-v", "--" + prefix + "=1"});
        ++checked;
    }
    CHECK(checked > 500);
}

TEST_CASE("real pg_dump 15 agrees on every short option letter") {
    require_pg_dump();
    PgDumpSandbox sandbox;
    for (int c = 0x21; c < 0x7f; ++c) {
        if (c == '-')
            continue; // "--" is the end of options, tested elsewhere
        agree_on_usage(sandbox, {std::string("-v") + static_cast<char>(c)});
    }
    agree_on_usage(sandbox, {"-v\xc3\xa9"});
}

TEST_CASE("real pg_dump 15 agrees on random command lines") {
    require_pg_dump();
    PgDumpSandbox sandbox;
    // Pieces that pg_dump accepts or rejects on the command line alone: no option whose value
    // or combination pg_dump checks later (-a with -s, -j, -Z, --if-exists, -W, ...).
    const std::vector<std::string> names = {"out", "a.dump", "-", "", "--", "-v", "--help", "o.d"};
    const std::vector<std::string> formats = {"c",   "p", "t", "d", "C",        "custom",
                                              "Tar", "x", "",  "a", "Directory"};
    const std::vector<std::vector<std::string>> fixed = {
        {"-v"},        {"-x"},         {"-O"},           {"-b"},          {"-B"},
        {"-w"},        {"-R"},         {"-C"},           {"-c"},          {"-vxO"},
        {"--no-sync"}, {"--verbose"},  {"--no-acl"},     {"--no-own"},    {"--inserts"},
        {"--no-sy"},   {"--verb"},     {"-n", "public"}, {"-t", "t1"},    {"-U", "u"},
        {"--role=r"},  {"-E", "UTF8"}, {"app"},          {"db2"},         {"-"},
        {"--"},        {"-k"},         {"--bogus"},      {"--verbose=1"}, {"--no-"},
        {"--sch"},     {"-f"},         {"--file"},       {"-V"},          {"-?"},
        {"--help"},    {"--version"},  {"--he"},         {"--ver"},       {"--=x"},
        {"-vV"},       {"-F"},         {"--safe-verify"}};
    std::mt19937 rng(20240611); // fixed: a failure must be reproducible
    auto pick = [&rng](std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
    };
    std::map<Outcome, int> seen;
    for (int i = 0; i < 300; ++i) {
        std::vector<std::string> args;
        const std::size_t pieces = pick(7);
        for (std::size_t k = 0; k < pieces; ++k) {
            const std::string name = names[pick(names.size())];
            const std::string fmt = formats[pick(formats.size())];
            switch (pick(10)) {
            case 0:
                args.insert(args.end(), {"-f", name});
                break;
            case 1:
                args.push_back("-f" + name);
                break;
            case 2:
                args.push_back("--file=" + name);
                break;
            case 3:
                args.insert(args.end(), {"--fi", name});
                break;
            case 4:
                args.insert(args.end(), {"-vf", name});
                break;
            case 5:
                args.insert(args.end(), {"-F", fmt});
                break;
            case 6:
                args.push_back("-F" + fmt);
                break;
            case 7:
                args.push_back("--format=" + fmt);
                break;
            default: {
                const auto& f = fixed[pick(fixed.size())];
                args.insert(args.end(), f.begin(), f.end());
            }
            }
        }
        const bool posix = pick(4) == 0;
        // The wrapper's split must not change how pg_dump reads the remaining arguments.
        const ParsedArgs whole = parse_pg_dump_args(args, 15, test_safe_arity, posix);
        const ParsedArgs forwarded = parse_pg_dump_args(whole.forwarded, 15, nullptr, posix);
        CHECK(forwarded.ok == whole.ok);
        CHECK(forwarded.error == whole.error);
        CHECK(forwarded.file == whole.file);
        CHECK(forwarded.format == whole.format);
        CHECK(forwarded.positionals == whole.positionals);
        agree(sandbox, whole.forwarded, posix, "random #" + std::to_string(i));
        ++seen[predict(forwarded).outcome];
    }
    // The sample must exercise both sides, not only one kind of rejection.
    std::ostringstream tally;
    for (const auto& [outcome, n] : seen)
        tally << outcome_name(outcome) << ": " << n << "; ";
    INFO(tally.str());
    CHECK(seen[Outcome::ReachedConnection] >= 100);
    CHECK(seen[Outcome::Usage] >= 40);
    CHECK(seen[Outcome::BadFormat] + seen[Outcome::NoDirectory] + seen[Outcome::Help] +
              seen[Outcome::Version] >=
          20);
}

TEST_CASE("the real pg_dump 15 --version line gives major 15") {
    require_pg_dump();
    PgDumpSandbox sandbox;
    const PgDumpReaction r = sandbox.run({"--version"}, false);
    INFO(r.out);
    CHECK(parse_pg_dump_version_major(r.out) == 15);
}
