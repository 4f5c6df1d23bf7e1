// Runs the real pg_dump 15 with a given argv where no server can be reached, and sorts its
// reaction into the outcomes the argv model predicts. pg_dump checks its command line (and
// opens custom/tar/directory output) before connecting, so a connection error proves it
// accepted the command line.
#pragma once

#include "cli/pgdump_options.hpp"

#include <string>
#include <vector>

namespace pds::cli::testing {

enum class Outcome {
    Help,              // exit 0, usage text on stdout
    Version,           // exit 0, "pg_dump (PostgreSQL) ..." on stdout
    Usage,             // rejected with "Try \"pg_dump --help\"" (kind in PgDumpReaction::usage)
    BadFormat,         // "invalid output format"
    NoDirectory,       // -Fd without a file name: "no output directory specified"
    BadOptionValue,    // pg_dump's own check of a value, e.g. "unrecognized section name"
    ReachedConnection, // everything accepted; failed connecting to the nonexistent socket
    Unknown,           // none of the above: the test must look at the output
};

const char* outcome_name(Outcome o);

struct PgDumpReaction {
    Outcome outcome = Outcome::Unknown;
    ArgError usage = ArgError::None; // for Outcome::Usage, which getopt complaint it printed
    int exit_status = -1;
    std::string out;
    std::string err;
};

// What the model says pg_dump will do with this argv.
struct Prediction {
    Outcome outcome;
    ArgError usage;
};
Prediction predict(const ParsedArgs& p);

// A scratch directory used as pg_dump's working directory (emptied before every run) plus a
// place for the captured output. Removed on destruction unless keep() was called.
class PgDumpSandbox {
public:
    PgDumpSandbox();
    ~PgDumpSandbox();
    PgDumpSandbox(const PgDumpSandbox&) = delete;
    PgDumpSandbox& operator=(const PgDumpSandbox&) = delete;

    // Runs PDS_PG_BINDIR/pg_dump with args (argv[0] excluded) in an emptied work directory,
    // stdin from /dev/null, no controlling terminal, LC_ALL=C, no PG* variables from the
    // caller, PGHOST=/nonexistent, PGCONNECT_TIMEOUT=1, and POSIXLY_CORRECT when asked.
    PgDumpReaction run(const std::vector<std::string>& args, bool posixly_correct);

    // Names in the work directory after the last run, sorted; directories end with '/'.
    std::vector<std::string> work_entries() const;

    const std::string& root() const { return root_; }
    void keep() { keep_ = true; }

private:
    std::string root_;
    std::string work_;
    bool keep_ = false;
};

std::string pg_dump_path();

} // namespace pds::cli::testing
