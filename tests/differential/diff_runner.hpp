// Running one generated case both ways (the real pg_dump 15 and the built pg_dump-safe) and
// judging whether they agree. No Catch2 here: this runs on worker threads.
#pragma once

#include "diff_generator.hpp"

#include <map>
#include <string>
#include <vector>

namespace pdsdiff {

struct Config {
    std::string pg_dump;                           // the real pg_dump 15
    std::string pg_restore;                        // the real pg_restore 15, for TOC listings
    std::string wrapper;                           // the built pg_dump-safe
    std::string empty_config;                      // an empty file for PG_DUMP_SAFE_CONFIG
    std::map<std::string, std::string> server_env; // PGHOST, PGPORT, PGUSER
    int timeout_seconds = 60;
};

struct SideResult {
    int status = -1; // exit code, or 128 + signal
    bool timed_out = false;
    std::string err;                      // its stderr
    std::map<std::string, char> cwd_tree; // relative path -> 'f' file, 'd' dir, 'l' other
    std::map<std::string, char> out_tree; // the stdout directory (stdout.out and whatever)
    double seconds = 0;
};

struct Outcome {
    bool agree = true;
    std::vector<std::string> problems; // why not
    std::vector<std::string> notes;    // worth reporting, not a disagreement
    std::string category;        // "rejected", "both-failed", "dumped", "help-version", "disagree"
    bool status_differs = false; // both failed, with different statuses (not a rejection)
    SideResult pg, safe;
    double seconds = 0;
};

// Runs `c` in `dir` (created fresh: dir/pg/{cwd,stdout}, dir/safe/{cwd,stdout}) and compares.
Outcome run_case(const Case& c, const Config& cfg, const std::string& dir);

// The plain-format SQL with the lines that differ between two dumps of the same database
// removed: "-- Started on", "-- Completed on", and pg_dump 15.14+'s random \restrict keys.
std::string normalize_sql(const std::string& sql);
// A pg_restore -l listing without its "Archive created at" line.
std::string normalize_listing(const std::string& listing);

std::string read_file(const std::string& path);

} // namespace pdsdiff
