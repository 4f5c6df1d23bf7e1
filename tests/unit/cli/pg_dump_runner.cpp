#include "pg_dump_runner.hpp"

#include "support/process.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace fs = std::filesystem;

namespace pds::cli::testing {
namespace {

bool contains(const std::string& s, const char* needle) {
    return s.find(needle) != std::string::npos;
}

// getopt's own complaint, printed before pg_dump's "Try ... --help" hint.
ArgError usage_kind(const std::string& err) {
    if (contains(err, "invalid option -- "))
        return ArgError::InvalidOption;
    if (contains(err, "unrecognized option"))
        return ArgError::UnrecognizedOption;
    if (contains(err, "is ambiguous"))
        return ArgError::AmbiguousOption;
    if (contains(err, "requires an argument"))
        return ArgError::MissingArgument;
    if (contains(err, "doesn't allow an argument"))
        return ArgError::UnexpectedArgument;
    if (contains(err, "too many command-line arguments"))
        return ArgError::TooManyArguments;
    return ArgError::UnhandledOption; // only pg_dump's hint: getopt said nothing
}

// pg_dump's own complaint about an option's value, also followed by the hint
// ("unrecognized section name"): the command line itself was accepted.
bool value_error(const std::string& err) {
    return contains(err, "pg_dump: error: ") && !contains(err, "too many command-line arguments");
}

} // namespace

const char* outcome_name(Outcome o) {
    switch (o) {
    case Outcome::Help:
        return "help";
    case Outcome::Version:
        return "version";
    case Outcome::Usage:
        return "usage error";
    case Outcome::BadFormat:
        return "invalid output format";
    case Outcome::NoDirectory:
        return "no output directory";
    case Outcome::BadOptionValue:
        return "bad option value";
    case Outcome::ReachedConnection:
        return "reached connection";
    case Outcome::Unknown:
        return "unknown";
    }
    return "unknown";
}

Prediction predict(const ParsedArgs& p) {
    if (p.help)
        return {Outcome::Help, ArgError::None};
    if (p.version)
        return {Outcome::Version, ArgError::None};
    if (!p.ok)
        return {Outcome::Usage, p.error_kind};
    if (!p.format)
        return {Outcome::BadFormat, ArgError::None};
    if (*p.format == Format::Directory && (!p.file || p.file->empty()))
        return {Outcome::NoDirectory, ArgError::None};
    return {Outcome::ReachedConnection, ArgError::None};
}

std::string pg_dump_path() {
    return std::string(PDS_PG_BINDIR) + "/pg_dump";
}

PgDumpSandbox::PgDumpSandbox() {
    std::string tmpl = (fs::temp_directory_path() / "pds-cli-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
        throw std::runtime_error("mkdtemp " + tmpl + ": " + std::strerror(errno));
    root_ = tmpl;
    work_ = root_ + "/work";
    fs::create_directory(work_);
}

PgDumpSandbox::~PgDumpSandbox() {
    std::error_code ec;
    if (!keep_)
        fs::remove_all(root_, ec);
}

PgDumpReaction PgDumpSandbox::run(const std::vector<std::string>& args, bool posixly_correct) {
    for (const fs::directory_entry& e : fs::directory_iterator(work_))
        fs::remove_all(e.path());
    std::vector<std::string> argv = {pg_dump_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    pds::test::RunOptions o;
    o.unset = {"PG*", "LC_*", "LANG*", "POSIXLY_CORRECT"};
    o.env = {{"LC_ALL", "C"}, {"PGHOST", "/nonexistent"}, {"PGCONNECT_TIMEOUT", "1"}};
    if (posixly_correct)
        o.env["POSIXLY_CORRECT"] = "1";
    o.cwd = work_;
    // No controlling terminal: a password prompt (-W) reads /dev/null instead of blocking.
    o.detach = pds::test::RunOptions::Detach::Session;
    const pds::test::RunResult run = pds::test::run(argv, o);
    if (!run.error.empty())
        throw std::runtime_error(run.error);

    PgDumpReaction r;
    r.exit_status = run.status;
    r.out = run.out;
    r.err = run.err;
    if (r.exit_status == 0 && contains(r.out, "Usage:"))
        r.outcome = Outcome::Help;
    else if (r.exit_status == 0 && r.out.rfind("pg_dump (PostgreSQL) ", 0) == 0)
        r.outcome = Outcome::Version;
    else if (contains(r.err, "connection to server"))
        r.outcome = Outcome::ReachedConnection;
    else if (contains(r.err, "invalid output format"))
        r.outcome = Outcome::BadFormat;
    else if (contains(r.err, "no output directory specified"))
        r.outcome = Outcome::NoDirectory;
    else if (contains(r.err, "Try \"pg_dump --help\" for more information") && value_error(r.err))
        r.outcome = Outcome::BadOptionValue;
    else if (contains(r.err, "Try \"pg_dump --help\" for more information")) {
        r.outcome = Outcome::Usage;
        r.usage = usage_kind(r.err);
    }
    return r;
}

std::vector<std::string> PgDumpSandbox::work_entries() const {
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(work_))
        names.push_back(e.path().filename().string() + (e.is_directory() ? "/" : ""));
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace pds::cli::testing
