// The steps of one run and the state they pass along (docs/design.md, "Data flow of one run").
// Each step returns [[nodiscard]] Step (std::optional<Failure>): nullopt goes on, a Failure
// stops the run through the one failure path (report_failure: FAILED line, failure record,
// hook). The steps after publication return an exit status instead (0 goes on): the dump is
// published by then, so they never print FAILED. What a step needs is passed explicitly:
// Invocation (what the command line and environment say), Output (where the dump goes), Held
// (what this run holds on disk) and the report::RunReport every report is rendered from.
// Internal to src/run: only pipeline.cpp (run()) knows the order of the steps.
#pragma once

#include "cli/pgdump_option_table.hpp"
#include "cli/pgdump_options.hpp"
#include "cli/safe_options.hpp"
#include "exec/child.hpp"
#include "exec/locate.hpp"
#include "failure/failure.hpp"
#include "manifest/step.hpp"
#include "publish/output_target.hpp"
#include "publish/partial.hpp"
#include "report/run_report.hpp"
#include "retention/execute.hpp"
#include "verify/follow.hpp"
#include "verify/verify.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pds::steps {

using publish::Shape;
using report::PhaseTimer;
using report::RunReport;
using Step = std::optional<Failure>; // nullopt: go on

inline void say(const std::string& line) {
    std::cerr << line << std::endl;
}

// parse → locate: what the command line, the environment and the config file say, and the
// pg_dump that runs.
struct Invocation {
    cli::ParsedArgs parsed; // with the newest table until locate re-parses with pg_dump's own
    cli::SafeOptions opts;
    exec::Tools tools;
    int pg_major = cli::kLatestMajor; // of the pg_dump that runs (may be newer than the tables)
    std::string pg_version;           // its --version output
    bool safe_version = false;        // --safe-version

    bool sync() const { return !parsed.no_sync; }
    bool verbose() const { return parsed.verbose; }
    cli::Format format() const { return *parsed.format; } // after check_command_line
    retention::KeepSettings keep() const {
        retention::KeepSettings k;
        k.keep_last = opts.keep_last;
        k.keep_days = opts.keep_days;
        k.keep_weekly = opts.keep_weekly;
        k.keep_monthly = opts.keep_monthly;
        return k;
    }
};

// resolve output → publish: where the dump goes.
struct Output {
    publish::OutputTarget target;
    // The target's directory is not writable: the partial lies in $TMPDIR and the verified
    // dump is copied into the existing FINAL (see use_in_place_fallback).
    bool in_place = false;

    bool on_stdout() const {
        return target.shape == Shape::StdoutFile || target.shape == Shape::StdoutAppend ||
               target.shape == Shape::Passthrough;
    }
};

// lock/partial → publish: what this run holds on disk until it returns.
struct Held {
    std::unique_ptr<publish::TargetLock> lock;
    bool partial_made = false; // the partial exists and is ours (until it is published)
};

// verify → check content: what verification learnt about the partial.
struct Verified {
    verify::ArchiveInfo info; // the verifier's ok verdict
    std::string toc_listing;  // pg_restore -l's output (archives), reused by the manifest
    // dump → verify: at `full`, a custom archive's streams decompressed while pg_dump writes
    // (--safe-verify-follow; src/verify/follow.hpp).
    std::unique_ptr<verify::Follower> follower;
};

struct Run {
    Invocation inv;
    Output out;
    Held held;
    RunReport report;
    Verified verified;
    manifest::StepResult content; // content manifest, its comparison, the restore drill
};

// ---- invocation.cpp: parse, locate, check ------------------------------------------------------

// parse: the --safe-* options (command line > PG_DUMP_SAFE_* > config file); --safe-version.
[[nodiscard]] Step parse(const std::vector<std::string>& args, Invocation& inv, RunReport& rep);
// locate: the real pg_dump, its version, the command line parsed again with its table.
[[nodiscard]] Step locate(const std::vector<std::string>& args, Invocation& inv, RunReport& rep);
// --safe-version and --safe-show-config: pg_dump-safe's own answers (status 0).
int print_wrapper_info(const Invocation& inv);
// --version and --help: pg_dump's answers.
int print_pg_dump_info(const Invocation& inv);
// Fail closed on a command line the option table cannot map, or an unknown -F.
[[nodiscard]] Step check_command_line(const Invocation& inv, RunReport& rep);
// The pg_restore that verifies (--safe-pg-restore, else beside pg_dump).
[[nodiscard]] Step locate_pg_restore(Invocation& inv);

// ---- output.cpp: resolve output, lock/partial
// ----------------------------------------------------

// The final name as the reports give it.
std::string target_name(const Invocation& inv, const Output& out);
// A dump published under a name of its own (-f FILE, -Fd) gets a content manifest beside it.
bool has_manifest(const Output& out);
// The output shape; an output pg_dump would refuse is refused the same way.
[[nodiscard]] Step resolve_output(const Invocation& inv, Output& out, RunReport& rep);
// The target's lock, FINAL checked, a stale partial handled, the partial created exclusively.
[[nodiscard]] Step lock_and_create_partial(const Invocation& inv, Output& out, Held& held,
                                           RunReport& rep);

// ---- dump.cpp: pg_dump
// ----------------------------------------------------------------------------

// pg_dump (the located one, with its environment) with `argv` after argv[0].
exec::ChildResult run_pg_dump(const exec::Tools& tools, const std::vector<std::string>& argv,
                              int stdout_fd);
bool pg_dump_succeeded(const exec::ChildResult& c);
// A pg_dump that did not succeed, as a Failure (its reason classified from its stderr).
Failure pg_dump_failure(const exec::ChildResult& c);
// dump: pg_dump with its output arguments pointed at the partial.
[[nodiscard]] Step dump(const Invocation& inv, const Output& out, report::PhaseTimes& phases,
                        Verified& verified);

// ---- verify.cpp: verify, check content
// ------------------------------------------------------------

// verify: non-empty, pg_restore -l, the native verifier at --safe-verify's level.
[[nodiscard]] Step verify_partial(const Invocation& inv, const Output& out,
                                  report::PhaseTimes& phases, Verified& verified);
// check content: content manifest, comparison with the previous dump, restore drill.
[[nodiscard]] Step check_content(const Invocation& inv, const Output& out, const Verified& verified,
                                 manifest::StepResult& content, RunReport& rep);

// ---- publish.cpp: publish, manifest, announce, hooks, durability gate --------------------------

// publish: fsync the partial, then put it in place (sets rep.published from then on).
[[nodiscard]] Step publish_partial(const Invocation& inv, const Output& out, Held& held,
                                   RunReport& rep);
// FINAL.manifest.json beside the published dump (a failure is a warning).
void publish_manifest(const Invocation& inv, const Output& out,
                      const manifest::StepResult& content);
// PUBLISHED-NOT-DURABLE, and the PUBLISHED line with -v (or journald).
void announce_published(const Invocation& inv, const RunReport& rep);
// The on-success hook: 0, or exit status 6 (retention skipped).
[[nodiscard]] int run_success_hook(const Invocation& inv, const Output& out, RunReport& rep);
// Not durable: exit status 8 (retention skipped); else 0.
[[nodiscard]] int require_durable(const Invocation& inv, const RunReport& rep);

// ---- retention.cpp: retention
// ----------------------------------------------------------------------

// Sweep of the series' stale partials, then the keep rules: 0, or exit status 7.
[[nodiscard]] int apply_retention(const Invocation& inv, const Output& out, RunReport& rep);

// ---- report_failure.cpp: the one failure path ---------------------------------------------------

// FAILED line, failure record beside the partial, on-failure hook. Returns the exit status.
int report_failure(Run& r, const Failure& f);

} // namespace pds::steps
