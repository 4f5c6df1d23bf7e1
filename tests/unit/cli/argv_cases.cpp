#include "argv_cases.hpp"

#include <sstream>

namespace pds::cli::testing {
namespace {

using E = ArgError;
const std::optional<std::string> none;
const std::vector<std::string> S = {"="};
const std::vector<std::string> nothing = {};

// clang-format off
const std::vector<ArgvCase> kCases = {
    // name, major, flags, argv, ok, error, file, format, forwarded, rewritten[, safe_args, safe_error]

    // --- where the file name is, in every spelling
    {"no arguments", 15, 0, {}, true, E::None, none, "plain", S, {"--file=NEW"}},
    {"database name only", 15, 0, {"app"}, true, E::None, none, "plain", S, {"--file=NEW", "app"}},
    {"-f separate", 15, 0, {"-f", "out.sql", "app"}, true, E::None, "out.sql", "plain", S, {"-f", "NEW", "app"}},
    {"-f attached", 15, 0, {"-fout.sql", "app"}, true, E::None, "out.sql", "plain", S, {"-fNEW", "app"}},
    {"--file=value", 15, 0, {"--file=out.sql", "app"}, true, E::None, "out.sql", "plain", S, {"--file=NEW", "app"}},
    {"--file value", 15, 0, {"--file", "out.sql", "app"}, true, E::None, "out.sql", "plain", S, {"--file", "NEW", "app"}},
    {"--fi= abbreviation", 15, 0, {"--fi=out.dump", "-Fc"}, true, E::None, "out.dump", "custom", S, {"--fi=NEW", "-Fc"}},
    {"--fil abbreviation, separate value", 15, 0, {"--fil", "out.dump", "--format=c"}, true, E::None, "out.dump", "custom", S, {"--fil", "NEW", "--format=c"}},
    {"value with '=' inside", 15, 0, {"--file=a=b.dump", "-Fc"}, true, E::None, "a=b.dump", "custom", S, {"--file=NEW", "-Fc"}},
    {"cluster -vFc then -f", 15, kVerbose, {"-vFc", "-f", "out.dump", "app"}, true, E::None, "out.dump", "custom", S, {"-vFc", "-f", "NEW", "app"}},
    {"cluster -vf value", 15, kVerbose, {"-vf", "out.sql"}, true, E::None, "out.sql", "plain", S, {"-vf", "NEW"}},
    {"cluster -vfX", 15, kVerbose, {"-vfout.sql"}, true, E::None, "out.sql", "plain", S, {"-vfNEW"}},
    {"cluster -vxOfX", 15, kVerbose, {"-vxOfout.dump", "-Fc"}, true, E::None, "out.dump", "custom", S, {"-vxOfNEW", "-Fc"}},
    {"cluster -Fcf: F takes the rest", 15, 0, {"-Fcf", "x"}, true, E::None, none, nullptr, S, {"--file=NEW", "-Fcf", "x"}},
    {"last -f wins", 15, 0, {"-f", "a.dump", "-Fc", "--file=b.dump"}, true, E::None, "b.dump", "custom", S, {"-f", "NEW", "-Fc", "--file=NEW"}},
    {"options after the database name", 15, 0, {"app", "-Fc", "-f", "out.dump"}, true, E::None, "out.dump", "custom", S, {"app", "-Fc", "-f", "NEW"}},
    {"options around the database name", 15, kVerbose, {"-Ft", "app", "-v", "-fout.tar"}, true, E::None, "out.tar", "tar", S, {"-Ft", "app", "-v", "-fNEW"}},
    {"-f value that looks like an option", 15, 0, {"-f", "-v", "-Fc"}, true, E::None, "-v", "custom", S, {"-f", "NEW", "-Fc"}},
    {"-f value --", 15, 0, {"-f", "--", "-Fc", "app"}, true, E::None, "--", "custom", S, {"-f", "NEW", "-Fc", "app"}},
    {"-vf value --", 15, kVerbose, {"-vf", "--", "app"}, true, E::None, "--", "plain", S, {"-vf", "NEW", "app"}},
    {"--file value --help", 15, 0, {"--file", "--help", "-Fc"}, true, E::None, "--help", "custom", S, {"--file", "NEW", "-Fc"}},
    {"-f - plain is stdout", 15, 0, {"-f", "-"}, true, E::None, "-", "plain", S, {"-f", "NEW"}},
    {"-f - custom is a file named -", 15, 0, {"-Fc", "-f", "-"}, true, E::None, "-", "custom", S, {"-Fc", "-f", "NEW"}},
    {"-f '' custom is stdout", 15, 0, {"-Fc", "-f", ""}, true, E::None, "", "custom", S, {"-Fc", "-f", "NEW"}},
    {"--file= empty, tar", 15, 0, {"--file=", "-Ft"}, true, E::None, "", "tar", S, {"--file=NEW", "-Ft"}},

    // --- positionals, "--", "-", POSIXLY_CORRECT
    {"-- ends options", 15, 0, {"-f", "out.sql", "--", "app"}, true, E::None, "out.sql", "plain", S, {"-f", "NEW", "--", "app"}},
    {"-- alone", 15, 0, {"--"}, true, E::None, none, "plain", S, {"--file=NEW", "--"}},
    {"after --, -v is a database name", 15, 0, {"--", "-v"}, true, E::None, none, "plain", S, {"--file=NEW", "--", "-v"}},
    {"two names after --", 15, 0, {"--", "a", "b"}, false, E::TooManyArguments, none, "plain", S, {}},
    {"lone - is a database name", 15, 0, {"-"}, true, E::None, none, "plain", S, {"--file=NEW", "-"}},
    {"empty argument is a database name", 15, 0, {"", "-Fp"}, true, E::None, none, "plain", S, {"--file=NEW", "", "-Fp"}},
    {"two database names", 15, 0, {"a", "b"}, false, E::TooManyArguments, none, "plain", S, {}},
    {"-d and a database name", 15, 0, {"-d", "app", "other"}, false, E::TooManyArguments, none, "plain", S, {}},
    {"-d alone", 15, 0, {"-d", "app"}, true, E::None, none, "plain", S, {"--file=NEW", "-d", "app"}},
    {"--dbname=", 15, 0, {"--dbname=app", "-f", "o.sql"}, true, E::None, "o.sql", "plain", S, {"--dbname=app", "-f", "NEW"}},
    {"POSIXLY_CORRECT stops at the database name", 15, kPosix, {"app", "-Fc", "-f", "out.dump"}, false, E::TooManyArguments, none, "plain", S, {}},
    {"POSIXLY_CORRECT with options first", 15, kPosix, {"-Fc", "-f", "out.dump", "app"}, true, E::None, "out.dump", "custom", S, {"-Fc", "-f", "NEW", "app"}},
    {"POSIXLY_CORRECT, -- first", 15, kPosix, {"--", "app"}, true, E::None, none, "plain", S, {"--file=NEW", "--", "app"}},

    // --- formats
    {"--format=custom", 15, 0, {"--format=custom", "-f", "o.dump"}, true, E::None, "o.dump", "custom", S, {"--format=custom", "-f", "NEW"}},
    {"-F TAR upper case", 15, 0, {"-F", "TAR", "-f", "o.tar"}, true, E::None, "o.tar", "tar", S, {"-F", "TAR", "-f", "NEW"}},
    {"--format Directory", 15, 0, {"--format", "Directory", "-f", "o.dir"}, true, E::None, "o.dir", "directory", S, {"--format", "Directory", "-f", "NEW"}},
    {"-Fd -fX", 15, 0, {"-Fd", "-fo.dir"}, true, E::None, "o.dir", "directory", S, {"-Fd", "-fNEW"}},
    {"-FD upper-case letter", 15, 0, {"-FD", "-f", "o.dir"}, true, E::None, "o.dir", "directory", S, {"-FD", "-f", "NEW"}},
    {"-Fd -j4", 15, 0, {"-Fd", "-j4", "-f", "o.dir"}, true, E::None, "o.dir", "directory", S, {"-Fd", "-j4", "-f", "NEW"}},
    {"-Fd without -f", 15, 0, {"-Fd"}, true, E::None, none, "directory", S, {"--file=NEW", "-Fd"}},
    {"-Fp", 15, 0, {"-Fp"}, true, E::None, none, "plain", S, {"--file=NEW", "-Fp"}},
    {"-Fa append", 15, kAppend, {"-Fa", "-f", "o.sql"}, true, E::None, "o.sql", "plain", S, {"-Fa", "-f", "NEW"}},
    {"--format=APPEND", 15, kAppend, {"--format=APPEND"}, true, E::None, none, "plain", S, {"--file=NEW", "--format=APPEND"}},
    {"--fo=c abbreviation", 15, 0, {"--fo=c", "-f", "o.dump"}, true, E::None, "o.dump", "custom", S, {"--fo=c", "-f", "NEW"}},
    {"-Fx invalid", 15, 0, {"-Fx", "-f", "o"}, true, E::None, "o", nullptr, S, {"-Fx", "-f", "NEW"}},
    {"--format=cust invalid", 15, 0, {"--format=cust"}, true, E::None, none, nullptr, S, {"--file=NEW", "--format=cust"}},
    {"-F '' invalid", 15, 0, {"-F", ""}, true, E::None, none, nullptr, S, {"--file=NEW", "-F", ""}},
    {"last -F wins", 15, 0, {"-Fc", "-Fp", "-f", "o.sql"}, true, E::None, "o.sql", "plain", S, {"-Fc", "-Fp", "-f", "NEW"}},
    {"-Z with custom", 15, 0, {"-Fc", "-Z", "5", "-f", "o.dump"}, true, E::None, "o.dump", "custom", S, {"-Fc", "-Z", "5", "-f", "NEW"}},

    // --- flags and abbreviations
    {"--no-sync", 15, kNoSync, {"--no-sync", "-f", "o.sql"}, true, E::None, "o.sql", "plain", S, {"--no-sync", "-f", "NEW"}},
    {"--no-sy is --no-sync on 15", 15, kNoSync, {"--no-sy"}, true, E::None, none, "plain", S, {"--file=NEW", "--no-sy"}},
    {"--no-sy is ambiguous on 14", 14, 0, {"--no-sy"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"--no-s ambiguous", 15, 0, {"--no-s"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"--no-sync=1", 15, 0, {"--no-sync=1"}, false, E::UnexpectedArgument, none, "plain", S, {}},
    {"--verbose", 15, kVerbose, {"--verbose"}, true, E::None, none, "plain", S, {"--file=NEW", "--verbose"}},
    {"--verb abbreviation", 15, kVerbose, {"--verb"}, true, E::None, none, "plain", S, {"--file=NEW", "--verb"}},
    {"--ver ambiguous", 15, 0, {"--ver"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"--verbose=yes", 15, 0, {"--verbose=yes"}, false, E::UnexpectedArgument, none, "plain", S, {}},
    {"exact --schema beats --schema-only", 15, 0, {"--schema", "public", "-f", "o.sql"}, true, E::None, "o.sql", "plain", S, {"--schema", "public", "-f", "NEW"}},
    {"--sch ambiguous", 15, 0, {"--sch=x"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"--no-a is --no-acl", 15, 0, {"--no-a"}, true, E::None, none, "plain", S, {"--file=NEW", "--no-a"}},
    {"--no-tab ambiguous on 15", 15, 0, {"--no-tab"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"--no-tab is --no-tablespaces on 14", 14, 0, {"--no-tab"}, true, E::None, none, "plain", S, {"--file=NEW", "--no-tab"}},
    {"--=x ambiguous", 15, 0, {"--=x"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"several valid options", 15, kVerbose, {"-xOv", "--inserts", "--rows-per-insert", "5", "-n", "public", "app"}, true, E::None, none, "plain", S, {"--file=NEW", "-xOv", "--inserts", "--rows-per-insert", "5", "-n", "public", "app"}},
    {"--restrict-key", 15, 0, {"--restrict-key=abc", "-f", "o.sql"}, true, E::None, "o.sql", "plain", S, {"--restrict-key=abc", "-f", "NEW"}},

    // --- help and version
    {"--help first", 15, kHelp, {"--help"}, true, E::None, none, "plain", S, {}},
    {"-? first", 15, kHelp, {"-?"}, true, E::None, none, "plain", S, {}},
    {"--version first", 15, kVersion, {"--version"}, true, E::None, none, "plain", S, {}},
    {"-V first", 15, kVersion, {"-V"}, true, E::None, none, "plain", S, {}},
    {"--help first, garbage after", 15, kHelp, {"--help", "--bogus", "-k"}, true, E::None, none, "plain", S, {}},
    {"--help not first", 15, kVerbose, {"-v", "--help"}, false, E::UnhandledOption, none, "plain", S, {}},
    {"--version not first", 15, 0, {"app", "--version"}, false, E::UnhandledOption, none, "plain", S, {}},
    {"-V not first", 15, kVerbose, {"-v", "-V"}, false, E::InvalidOption, none, "plain", S, {}},
    {"-? not first", 15, kVerbose, {"-v", "-?"}, false, E::InvalidOption, none, "plain", S, {}},
    {"--he is not --help", 15, 0, {"--he"}, false, E::UnhandledOption, none, "plain", S, {}},
    {"-vV cluster", 15, kVerbose, {"-vV"}, false, E::InvalidOption, none, "plain", S, {}},

    // --- malformed
    {"unknown short option", 15, 0, {"-k"}, false, E::InvalidOption, none, "plain", S, {}},
    {"unknown letter in a cluster", 15, kVerbose, {"-vk", "-f", "o"}, false, E::InvalidOption, "o", "plain", S, {}},
    {"unknown long option", 15, 0, {"--bogus"}, false, E::UnrecognizedOption, none, "plain", S, {}},
    {"unknown long option with value", 15, 0, {"--bogus=1", "app"}, false, E::UnrecognizedOption, none, "plain", S, {}},
    {"-f without value", 15, 0, {"-f"}, false, E::MissingArgument, none, "plain", S, {}},
    {"--file without value", 15, 0, {"app", "--file"}, false, E::MissingArgument, none, "plain", S, {}},
    {"--fi without value", 15, 0, {"--fi"}, false, E::MissingArgument, none, "plain", S, {}},
    {"-vf without value", 15, kVerbose, {"-vf"}, false, E::MissingArgument, none, "plain", S, {}},
    {"--format without value", 15, 0, {"--format"}, false, E::MissingArgument, none, "plain", S, {}},
    {"first error wins", 15, 0, {"-k", "--bogus"}, false, E::InvalidOption, none, "plain", S, {}},

    // --- wrapper options
    {"--safe-x=V", 15, 0, {"--safe-verify=full", "-f", "o.dump", "-Fc"}, true, E::None, "o.dump", "custom", {"-f", "o.dump", "-Fc"}, {"-f", "NEW", "-Fc"}, {"--safe-verify=full"}},
    {"--safe-x V", 15, 0, {"-Fc", "--safe-verify", "full", "-f", "o.dump"}, true, E::None, "o.dump", "custom", {"-Fc", "-f", "o.dump"}, {"-Fc", "-f", "NEW"}, {"--safe-verify=full"}},
    {"--safe flag", 15, 0, {"--safe-show-config", "app"}, true, E::None, none, "plain", {"app"}, {"--file=NEW", "app"}, {"--safe-show-config"}},
    {"--safe-x as the value of -f", 15, 0, {"-f", "--safe-verify", "-Fc"}, true, E::None, "--safe-verify", "custom", S, {"-f", "NEW", "-Fc"}},
    {"--safe-x after --", 15, 0, {"--", "--safe-show-config"}, true, E::None, none, "plain", S, {"--file=NEW", "--", "--safe-show-config"}},
    {"--safe-x value looks like an option", 15, 0, {"--safe-on-failure", "-v", "-Fc"}, true, E::None, none, "custom", {"-Fc"}, {"--file=NEW", "-Fc"}, {"--safe-on-failure=-v"}},
    {"--safe-x between cluster and database", 15, kVerbose, {"-vf", "o.sql", "--safe-pg-dump=/usr/bin/pg_dump", "app"}, true, E::None, "o.sql", "plain", {"-vf", "o.sql", "app"}, {"-vf", "NEW", "app"}, {"--safe-pg-dump=/usr/bin/pg_dump"}},
    {"--safe-x before --help", 15, kHelp, {"--safe-verify=toc", "--help"}, true, E::None, none, "plain", {"--help"}, {}, {"--safe-verify=toc"}},
    {"unknown --safe-x", 15, 0, {"--safe-bogus", "-f", "o"}, true, E::None, "o", "plain", {"-f", "o"}, {"-f", "NEW"}, {}, true},
    {"--safe-x missing value", 15, 0, {"-f", "o", "--safe-verify"}, true, E::None, "o", "plain", {"-f", "o"}, {"-f", "NEW"}, {}, true},
    {"--safe-flag=value", 15, 0, {"--safe-show-config=1"}, true, E::None, none, "plain", nothing, {"--file=NEW"}, {}, true},
    {"--safe-x abbreviated", 15, 0, {"--safe-verif=full"}, true, E::None, none, "plain", nothing, {"--file=NEW"}, {}, true},
    {"--safe-x after the database, POSIXLY_CORRECT", 15, kPosix, {"app", "--safe-verify=full"}, false, E::TooManyArguments, none, "plain", S, {}},

    // --- other versions
    {"--fi ambiguous on 17 (--filter)", 17, 0, {"--fi=x"}, false, E::AmbiguousOption, none, "plain", S, {}},
    {"--file exact on 17", 17, 0, {"--file=x", "-Fc"}, true, E::None, "x", "custom", S, {"--file=NEW", "-Fc"}},
    {"-X rejected by pg_dump 18", 18, 0, {"-X"}, false, E::UnhandledOption, none, "plain", S, {}},
    {"-X invalid before 18", 17, 0, {"-X"}, false, E::InvalidOption, none, "plain", S, {}},
    {"--statistics on 18", 18, 0, {"--statistics", "-f", "o"}, true, E::None, "o", "plain", S, {"--statistics", "-f", "NEW"}},
    {"--statistics unknown on 15", 15, 0, {"--statistics"}, false, E::UnrecognizedOption, none, "plain", S, {}},
    {"--with-statistics unknown on 18", 18, 0, {"--with-statistics"}, false, E::UnrecognizedOption, none, "plain", S, {}},
    {"-e invalid on 13", 13, 0, {"-e", "x"}, false, E::InvalidOption, none, "plain", S, {}},
    {"-e on 14", 14, 0, {"-e", "x"}, true, E::None, none, "plain", S, {"--file=NEW", "-e", "x"}},
    {"--include-foreign-data unknown on 12", 12, 0, {"--include-foreign-data=s"}, false, E::UnrecognizedOption, none, "plain", S, {}},
    {"--table- is --table-and-children on 16", 16, 0, {"--table-=t1"}, true, E::None, none, "plain", S, {"--file=NEW", "--table-=t1"}},
    {"major above 18 uses the 18 table", 19, 0, {"--no-policies"}, true, E::None, none, "plain", S, {"--file=NEW", "--no-policies"}},
    {"major below 12 uses the 12 table", 9, 0, {"--no-synchronized-snapshots"}, true, E::None, none, "plain", S, {"--file=NEW", "--no-synchronized-snapshots"}},
};
// clang-format on

} // namespace

const std::vector<ArgvCase>& argv_cases() {
    return kCases;
}

SafeArity test_safe_arity(const std::string& name) {
    if (name == "safe-verify" || name == "safe-on-failure" || name == "safe-pg-dump")
        return SafeArity::Value;
    if (name == "safe-show-config")
        return SafeArity::Flag;
    return SafeArity::Unknown;
}

const std::vector<std::string>& forwarded_of(const ArgvCase& c) {
    return c.forwarded == S ? c.argv : c.forwarded;
}

std::string show(const std::vector<std::string>& v) {
    std::ostringstream out;
    out << "{";
    for (std::size_t i = 0; i < v.size(); ++i)
        out << (i ? ", " : "") << '"' << v[i] << '"';
    out << "}";
    return out.str();
}

} // namespace pds::cli::testing
