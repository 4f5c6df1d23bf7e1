// One run as a flat pipeline (docs/design.md, "Data flow of one run"):
//   parse → locate → check command line → resolve output → lock/partial → dump → verify →
//   publish → hooks → retention → record
// Each step is a function that returns [[nodiscard]] std::optional<Failure>: nullopt goes on,
// a Failure stops the run through the one failure path (report_failure: FAILED line, failure
// record, hook). The steps after publication return an exit status instead (0 goes on): the
// dump is published by then, so they never print FAILED. What a step needs is passed
// explicitly: Invocation (what the command line and environment say), Output (where the
// dump goes), Held (what this run holds on disk) and the report::RunReport every report is
// rendered from.
#include "run.hpp"

#include "cli/pgdump_option_table.hpp"
#include "cli/pgdump_options.hpp"
#include "cli/safe_options.hpp"
#include "exec/child.hpp"
#include "exec/classify.hpp"
#include "exec/locate.hpp"
#include "exec/pg_wrapper.hpp"
#include "failure/failure.hpp"
#include "manifest/step.hpp"
#include "publish/durable.hpp"
#include "publish/output_target.hpp"
#include "publish/partial.hpp"
#include "report/failure_line.hpp"
#include "report/hooks.hpp"
#include "report/run_report.hpp"
#include "retention/execute.hpp"
#include "retention/sweep.hpp"
#include "series/series.hpp"
#include "testing/crash_point.hpp"
#include "verify/verify.hpp"

#include <boost/filesystem/operations.hpp>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <optional>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds {
namespace {

using publish::Shape;
using report::PhaseTimer;
using report::RunReport;
using Step = std::optional<Failure>; // nullopt: go on

void say(const std::string& line) {
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
};

struct Run {
    Invocation inv;
    Output out;
    Held held;
    RunReport report;
    Verified verified;
    manifest::StepResult content; // content manifest, its comparison, the restore drill
};

// The final name as the reports give it.
std::string target_name(const Invocation& inv, const Output& out) {
    if (!out.target.final_path.empty())
        return out.target.final_path.string();
    if (inv.parsed.file && !inv.parsed.file->empty())
        return *inv.parsed.file;
    return "-";
}

exec::ChildResult run_pg_dump(const exec::Tools& tools, const std::vector<std::string>& argv,
                              int stdout_fd) {
    exec::ChildSpec spec;
    spec.program = tools.pg_dump;
    spec.argv = {"pg_dump"};
    spec.argv.insert(spec.argv.end(), argv.begin(), argv.end());
    spec.env = tools.pg_dump_env;
    spec.env.push_back("PG_DUMP_SAFE_DEPTH=1"); // a pg_dump that is really us refuses to recurse
    spec.unset_env = tools.pg_dump_unset_env;
    spec.stdout_fd = stdout_fd;
    spec.die_with_parent = true;
    return exec::run_child(spec);
}

Failure pg_dump_failure(const exec::ChildResult& c) {
    if (!c.started)
        return Failure::as_pg_dump(
            Reason::PgDumpExit,
            c.start_errno == ENOENT ? exit_status::kNotFound : exit_status::kNotExecutable,
            std::string("could not run pg_dump: ") + std::strerror(c.start_errno));
    const Reason reason = exec::classify_pg_dump_failure(c.exited, c.exit_code, c.term_signal,
                                                         c.stderr_tail, exec::interrupted_by());
    std::string detail = exec::key_error_line(c.stderr_tail);
    if (!c.exited && detail.empty())
        detail = std::string("pg_dump killed by signal ") + std::to_string(c.term_signal) + " (" +
                 strsignal(c.term_signal) + ")";
    if (reason == Reason::Interrupted)
        return Failure::interrupted(exec::interrupted_by(), detail);
    return Failure::as_pg_dump(reason, c.status_for_shell(), detail);
}

bool pg_dump_succeeded(const exec::ChildResult& c) {
    return c.started && c.exited && c.exit_code == 0 && !exec::interrupted_by();
}

// ---- the failure path -------------------------------------------------------------------

// What becomes of the partial when the run fails; returns the partial's name for the reports,
// or "none". The partial stays, even empty: beside the final name it is the on-disk evidence
// of the failure (pg_dump-safe-audit lists it, with its .failure.json reason). An untouched
// partial goes when pg_dump rejected its arguments (pg_dump itself leaves no file then) or
// when it lies in $TMPDIR (standard output whose name is unknown). A partial inside the -Fd
// directory goes too: left there, it would make the directory non-empty and every later run
// of pg_dump or pg_dump-safe refuse it.
std::string settle_failed_partial(const Output& out, const Held& held, Reason reason) {
    if (!held.partial_made)
        return "none";
    if (out.target.shape == Shape::DirectoryInside) {
        try {
            publish::remove_tree_nofollow(out.target.partial);
        } catch (const std::exception& e) {
            say(std::string("pg_dump-safe: warning: ") + e.what());
        }
        return "none";
    }
    if ((out.target.final_path.empty() || reason == Reason::Usage) &&
        publish::partial_untouched(out.target.partial)) {
        boost::system::error_code ec;
        boost::filesystem::remove(out.target.partial, ec);
        return "none";
    }
    return out.target.partial.string();
}

// The one failure path: FAILED line, failure record, on-failure hook. Returns the exit status.
// Standard output that is a file (`> f`) stays as the shell left it, even empty: another
// command may still write through the same descriptor (`{ a; b; } > f`, a loop), and its
// bytes would go to a nameless inode if the name were removed.
int report_failure(Run& r, const Failure& f) {
    RunReport& rep = r.report;
    rep.set_failure(f);
    rep.partial = settle_failed_partial(r.out, r.held, f.reason());
    rep.bytes = rep.partial == "none" ? 0 : publish::partial_bytes(r.out.target.partial);
    say(report::failed_line(rep));
    if (rep.partial != "none") {
        const std::string problem =
            report::write_failure_record(rep.partial, report::failed_fields(rep),
                                         publish::file_mode_limit(r.out.target.final_path));
        if (!problem.empty())
            say("pg_dump-safe: warning: no failure record beside the partial: " + problem);
    }
    if (!r.inv.opts.on_failure.empty()) {
        testing::crash_point("before-failure-hook", rep.partial);
        PhaseTimer t(rep.phases.hooks);
        const report::HookResult h =
            report::run_hook("on-failure", r.inv.opts.on_failure, report::hook_env(rep),
                             r.out.on_stdout() ? 2 : -1, r.inv.opts.hook_timeout);
        if (h.status != 0)
            say(report::format_line(
                "HOOK-FAILED", {{"hook", "on-failure"}, {"status", std::to_string(h.status)}}));
    }
    return f.exit_status();
}

// ---- parse, locate, check -----------------------------------------------------------------

// Which option table judged the command line, for every usage error.
std::string table_note(int pg_major) {
    const std::string known = "this build knows pg_dump " + std::to_string(cli::kOldestMajor) +
                              " to " + std::to_string(cli::kLatestMajor);
    const int used = cli::clamp_major(pg_major);
    if (pg_major > cli::kLatestMajor)
        return " (pg_dump " + std::to_string(pg_major) +
               " is newer than the option tables: " + known + "; the pg_dump " +
               std::to_string(used) + " table was used, and options it does not know are refused)";
    if (pg_major < cli::kOldestMajor)
        return " (pg_dump " + std::to_string(pg_major) +
               " is older than the option tables: " + known + "; the pg_dump " +
               std::to_string(used) + " table was used)";
    return " (checked with the option table of pg_dump " + std::to_string(used) + ")";
}

// A command line pg_dump-safe cannot map: status 1, as pg_dump gives for its usage errors,
// without starting pg_dump, and with no file created.
Failure usage_failure(const Invocation& inv, const std::string& what) {
    const std::string message = what + table_note(inv.pg_major);
    say("pg_dump-safe: error: " + message);
    say("pg_dump-safe: hint: Try \"pg_dump-safe --help\" for more information.");
    return Failure::of(Reason::Usage, message);
}

cli::SafeArity arity_with_version(const std::string& name) {
    return name == "safe-version" ? cli::SafeArity::Flag : cli::safe_option_arity(name);
}

// parse: the command line with the newest option table, only to find the --safe-* options
// (they decide which pg_dump runs; locate re-parses with that pg_dump's table), then the
// options from the command line > PG_DUMP_SAFE_* > config file. --safe-version is taken out
// (command line only).
[[nodiscard]] Step parse(const std::vector<std::string>& args, Invocation& inv, RunReport& rep) {
    inv.parsed = cli::parse_pg_dump_args(args, cli::kLatestMajor, arity_with_version);
    rep.target = target_name(inv, Output{}); // names the target in a FAILED line from here on
    std::vector<std::string> safe;
    for (const std::string& a : inv.parsed.safe_args) {
        if (a == "--safe-version")
            inv.safe_version = true;
        else
            safe.push_back(a);
    }
    try {
        if (!inv.parsed.safe_error.empty())
            throw cli::UsageError("pg_dump-safe: " + inv.parsed.safe_error);
        inv.opts = cli::load_safe_options(safe);
    } catch (const cli::UsageError& e) {
        say(e.what());
        return Failure::of(Reason::WrapperUsage, e.what());
    }
    rep.verify = cli::verify_level_name(inv.opts);
    return std::nullopt;
}

// Debian's pg_wrapper picks the version (and the server) from --cluster, PGCLUSTER, the port
// and user_clusters: decide as it does, then run that version's binaries. pg_wrapper's own
// arguments (--cluster V/C) are not pg_dump's: they are taken out of `dump_args` by their
// place among the arguments forwarded to pg_dump.
[[nodiscard]] Step follow_pg_wrapper(const std::vector<std::string>& args, const std::string& entry,
                                     Invocation& inv, std::vector<std::string>& dump_args) {
    const exec::WrapperChoice w =
        exec::resolve_pg_wrapper(inv.parsed.forwarded, exec::WrapperRoots{});
    for (const std::string& warning : w.warnings)
        say(warning);
    if (!w.error.empty()) {
        say("pg_dump-safe: error: " + w.error + " (as Debian's pg_wrapper " + entry + " decides)");
        return Failure::of(Reason::Usage, w.error);
    }
    std::vector<bool> drop(args.size(), false);
    std::vector<bool> is_safe(args.size(), false);
    for (std::size_t i : inv.parsed.safe_indexes)
        is_safe[i] = true;
    std::size_t k = 0;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (is_safe[i])
            continue;
        for (std::size_t removed : w.removed)
            if (removed == k)
                drop[i] = true;
        ++k;
    }
    dump_args.clear();
    for (std::size_t i = 0; i < args.size(); ++i)
        if (!drop[i])
            dump_args.push_back(args[i]);
    inv.tools.pg_dump = w.bindir + "/pg_dump";
    inv.tools.pg_dump_env = w.env;
    inv.tools.pg_dump_unset_env = w.unset_env;
    inv.tools.wrapper_bindir = w.bindir;
    return std::nullopt;
}

// locate: the real pg_dump (skipping ourselves; through pg_wrapper), its version, and the
// command line parsed again with that version's option table.
[[nodiscard]] Step locate(const std::vector<std::string>& args, Invocation& inv, RunReport& rep) {
    const char* path = std::getenv("PATH");
    std::string entry;
    try {
        entry = exec::find_pg_dump(inv.opts.pg_dump, path ? path : "/usr/bin:/bin");
    } catch (const exec::LocateError& e) {
        say(e.what());
        return Failure::as_pg_dump(Reason::PgDumpExit, e.exit_status, e.what());
    }
    inv.tools.pg_dump = entry;
    std::vector<std::string> dump_args = args;
    if (exec::is_pg_wrapper(entry))
        if (Step f = follow_pg_wrapper(args, entry, inv, dump_args))
            return f;
    exec::VersionProbe versions;
    const exec::ProbeResult& v = versions.probe(inv.tools.pg_dump);
    const std::optional<int> major =
        v.exit_status == 0 ? cli::parse_pg_dump_version_major(v.output) : std::nullopt;
    if (!major) {
        // Without its version there is no option table to map the command line with.
        const std::string why =
            v.exit_status == exit_status::kNotFound && !v.started
                ? std::string("could not run it: ") + std::strerror(v.start_errno)
            : v.exit_status != 0
                ? "`" + inv.tools.pg_dump + " --version` exited with status " +
                      std::to_string(v.exit_status)
                : "`" + inv.tools.pg_dump +
                      " --version` did not print a \"pg_dump (PostgreSQL) N\" line";
        const std::string message =
            "cannot tell which pg_dump " + inv.tools.pg_dump + " is: " + why;
        say("pg_dump-safe: error: " + message);
        return Failure::as_pg_dump(Reason::PgDumpExit,
                                   v.exit_status == exit_status::kNotFound
                                       ? exit_status::kNotFound
                                       : exit_status::kPgDumpError,
                                   message);
    }
    inv.pg_major = *major;
    inv.pg_version = v.output;
    const std::vector<std::string> first_safe_args = inv.parsed.safe_args;
    inv.parsed = cli::parse_pg_dump_args(dump_args, inv.pg_major, arity_with_version);
    rep.target = target_name(inv, Output{});
    if (inv.parsed.safe_args != first_safe_args || !inv.parsed.safe_error.empty())
        return usage_failure(inv, "the --safe-* options read differently with this pg_dump's "
                                  "option table than with the newest one; put them first");
    return std::nullopt;
}

// --safe-version and --safe-show-config: pg_dump-safe's own answers.
int print_wrapper_info(const Invocation& inv) {
    if (inv.safe_version)
        std::cout << "pg_dump-safe " << PDS_VERSION << "\n";
    else
        std::cout << cli::describe(inv.opts);
    return exit_status::kOk;
}

// --version and --help: pg_dump's answers.
int print_pg_dump_info(const Invocation& inv) {
    if (inv.parsed.version) {
        // Exactly pg_dump's output, which scripts parse: the probe already ran this very
        // pg_dump with --version (pg_dump-safe's own version is --safe-version, and in --help).
        std::cout << inv.pg_version << std::flush;
        return exit_status::kOk;
    }
    const exec::ChildResult c = run_pg_dump(inv.tools, inv.parsed.forwarded, -1);
    std::cout << cli::safe_help_text() << "\npg_dump-safe " << PDS_VERSION
              << " (--safe-version prints this version alone; --version prints pg_dump's)\n";
    return c.started ? c.status_for_shell() : exit_status::kNotFound;
}

// Fail closed: pg_dump never runs with a command line whose output arguments could not all be
// located (pg_dump may accept what the table rejects, and then write -f itself).
[[nodiscard]] Step check_command_line(const Invocation& inv, RunReport& rep) {
    if (!inv.parsed.ok)
        return usage_failure(inv, inv.parsed.error);
    if (!inv.parsed.format)
        return usage_failure(inv, "invalid output format \"" + inv.parsed.format_arg.value_or("") +
                                      "\" specified");
    rep.format = cli::format_name(inv.format());
    return std::nullopt;
}

// The pg_restore that verifies (--safe-pg-restore, else beside pg_dump).
[[nodiscard]] Step locate_pg_restore(Invocation& inv) {
    try {
        inv.tools.pg_restore = exec::find_pg_restore(inv.opts.pg_restore, inv.tools.pg_dump);
    } catch (const exec::LocateError& e) {
        say(e.what());
        return Failure::as_pg_dump(Reason::Usage, e.exit_status, e.what());
    }
    return std::nullopt;
}

// The output shape (file, directory, standard output, passed through); an output pg_dump
// would refuse is refused the same way, with pg_dump's status.
[[nodiscard]] Step resolve_output(const Invocation& inv, Output& out, RunReport& rep) {
    out.target = publish::resolve_output(inv.parsed, inv.format());
    rep.target = target_name(inv, out);
    if (out.target.error.empty())
        return std::nullopt;
    say("pg_dump-safe: error: " + out.target.error);
    return Failure::as_pg_dump(out.target.error_unwritable ? Reason::PublishFailed : Reason::Usage,
                               exit_status::kPgDumpError, out.target.error);
}

// ---- lock/partial, dump, verify -------------------------------------------------------------

// The final name's directory is not writable, so nothing can be made or renamed beside it,
// but FINAL itself is a writable regular file (root-owned /var/backups with a file given to
// postgres; `> FILE` there). pg_dump would write into FINAL: instead the dump goes to a
// partial in $TMPDIR and, verified, is copied into FINAL (publish_in_place); the lock is an
// flock on FINAL itself. Returns false when this fallback does not apply.
bool use_in_place_fallback(Output& out) {
    publish::OutputTarget& t = out.target;
    if (t.final_path.empty() || t.shape == Shape::Directory ||
        publish::parent_writable(t.final_path))
        return false;
    struct stat st {};
    if (::stat(t.final_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        ::faccessat(AT_FDCWD, t.final_path.c_str(), W_OK, AT_EACCESS) != 0)
        return false;
    const char* tmp = std::getenv("TMPDIR");
    t.partial = boost::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
                ("pg_dump-safe." + std::to_string(::getpid()) + ".partial");
    if (t.shape == Shape::StdoutFile)
        t.shape = Shape::StdoutAppend; // stdout is FINAL at offset 0: write through it
    out.in_place = true;
    return true;
}

// lock/partial: the target's lock, FINAL refused where pg_dump could not open it, a stale
// partial removed or moved aside, and the partial created exclusively.
[[nodiscard]] Step lock_and_create_partial(const Invocation& inv, Output& out, Held& held,
                                           RunReport& rep) {
    publish::OutputTarget& t = out.target;
    // A name near NAME_MAX: FINAL.partial (and FINAL.lock) would be too long; fit_name
    // shortens them the same way for every run.
    t.partial = publish::fit_name(t.partial, publish::kPartialNameReserve);
    const bool in_place = use_in_place_fallback(out);
    try {
        // An existing -Fd directory is locked itself: its parent (the filesystem a volume is
        // mounted on) need not be writable, and nothing is left beside it.
        held.lock =
            std::make_unique<publish::TargetLock>(t.final_path.empty() ? t.partial : t.final_path,
                                                  in_place || t.shape == Shape::DirectoryInside);
        if (!t.final_path.empty() && t.shape != Shape::StdoutAppend && t.shape != Shape::StdoutFile)
            publish::check_final_replaceable(t.final_path);
        const bool is_directory_dump =
            t.shape == Shape::Directory || t.shape == Shape::DirectoryInside;
        const publish::StaleOutcome stale =
            publish::remove_stale_partial(t.partial, is_directory_dump);
        if (!stale.description.empty()) {
            // Silent unless -v (scripts treat any stderr as an error); the journal has it.
            rep.cleanup_note = stale.moved_to.empty()
                                   ? "removed stale partial " + stale.description
                                   : "moved stale partial " + stale.description + " aside to " +
                                         stale.moved_to + " (not removed)";
            if (inv.verbose())
                say("pg_dump-safe: " + rep.cleanup_note);
        }
        publish::create_partial(t.partial, is_directory_dump, t.final_path);
    } catch (const publish::LockedError& e) {
        return Failure::of(Reason::Locked, e.what());
    } catch (const publish::PublishError& e) {
        return Failure::of(Reason::PublishFailed, e.what());
    }
    held.partial_made = true;
    testing::crash_point("after-partial", t.partial.string());
    return std::nullopt;
}

// dump: pg_dump with its output arguments pointed at the partial. With the dump on our
// stdout, pg_dump's own stdout must not reach that file.
[[nodiscard]] Step dump(const Invocation& inv, const Output& out, report::PhaseTimes& phases) {
    const std::vector<std::string> argv =
        cli::rewrite_file_args(inv.parsed, out.target.partial.string());
    exec::ChildResult c;
    {
        PhaseTimer t(phases.dump);
        testing::crash_point("dump-started", out.target.partial.string());
        // Writeback of what pg_dump has written starts while it writes; not for a partial
        // that is only copied and deleted, and never with --no-sync.
        std::optional<publish::WritebackStarter> writeback;
        // PG_DUMP_SAFE_BENCH_NO_WRITEBACK: bench/overhead.sh's A/B switch, nothing else.
        if (inv.sync() && !publish::copies_into_existing(out.target.shape) &&
            !std::getenv("PG_DUMP_SAFE_BENCH_NO_WRITEBACK"))
            writeback.emplace(out.target.partial);
        c = run_pg_dump(inv.tools, argv, out.on_stdout() ? 2 : -1);
    }
    if (!pg_dump_succeeded(c))
        return pg_dump_failure(c);
    testing::crash_point("after-dump", out.target.partial.string());
    return std::nullopt;
}

Failure interrupted_during_verification() {
    return Failure::interrupted(exec::interrupted_by(), "interrupted during verification");
}

// pg_restore -l reads the TOC the way a restore will (not for plain dumps). Its listing is
// kept (in a memfd) for the content manifest, which then needs no second pg_restore -l.
[[nodiscard]] Step list_with_pg_restore(const exec::Tools& tools,
                                        const boost::filesystem::path& partial,
                                        std::string& listing) {
    exec::ChildSpec spec;
    spec.program = tools.pg_restore;
    spec.argv = {"pg_restore", "-l", "--", partial.string()}; // a name may start with -
    int out = ::memfd_create("pg_restore-l", MFD_CLOEXEC);
    if (out < 0)
        out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    spec.stdout_fd = out;
    spec.pass_stderr = false;
    const exec::ChildResult c = exec::run_child(spec);
    if (out >= 0) {
        listing = manifest::read_from_start(out);
        ::close(out);
    }
    if (exec::interrupted_by())
        return interrupted_during_verification();
    if (c.started && c.exited && c.exit_code == 0)
        return std::nullopt;
    std::cerr << c.stderr_tail;
    const std::string why = c.started ? exec::key_error_line(c.stderr_tail)
                                      : std::string("could not run ") + tools.pg_restore + ": " +
                                            std::strerror(c.start_errno);
    return Failure::of(Reason::VerifyFailed, "pg_restore -l: " + why);
}

// verify: non-empty, pg_restore -l, then the native verifier proves the rest of the archive
// is there (at --safe-verify's level).
[[nodiscard]] Step verify_partial(const Invocation& inv, const Output& out,
                                  report::PhaseTimes& phases, Verified& verified) {
    const boost::filesystem::path& partial = out.target.partial;
    {
        PhaseTimer t(phases.verify);
        if (publish::partial_bytes(partial) == 0)
            return Failure::of(Reason::EmptyOutput, "pg_dump exited 0 but wrote no data");
        if (inv.format() != cli::Format::Plain)
            if (Step f = list_with_pg_restore(inv.tools, partial, verified.toc_listing))
                return f;
        testing::crash_point("mid-verify", partial.string());
        const verify::Verdict v =
            verify::verify_path(partial, inv.opts.verify, {inv.opts.verify_jobs});
        if (exec::interrupted_by())
            return interrupted_during_verification();
        if (!v.ok)
            return Failure::of(Reason::VerifyFailed, v.problem);
        verified.info = v.info;
    }
    testing::crash_point("after-verify", partial.string());
    return std::nullopt;
}

// A dump published under a name of its own (-f FILE, -Fd) gets a content manifest beside it;
// not standard output (a later command may append to the same file) nor an append.
bool has_manifest(const Output& out) {
    const Shape s = out.target.shape;
    return (s == Shape::File || s == Shape::Directory || s == Shape::DirectoryInside) &&
           !out.target.final_path.empty();
}

// check content: the content manifest, its comparison with the previous dump of the series
// (WARNING lines; a failure with --safe-shrink=fail) and, with --safe-verify=restore, the
// restore drill of the partial (src/manifest/step.hpp). Counted in the verify phase.
[[nodiscard]] Step check_content(const Invocation& inv, const Output& out, const Verified& verified,
                                 manifest::StepResult& content, RunReport& rep) {
    manifest::StepInput in;
    in.enabled = inv.opts.manifest && has_manifest(out);
    in.verify_restore = inv.opts.verify_restore;
    in.count_rows = inv.opts.verify == verify::Level::Full;
    in.level_name = rep.verify;
    in.partial = out.target.partial.string();
    in.final_path = has_manifest(out) ? out.target.final_path.string() : "";
    in.target_name = rep.target;
    in.series_glob = inv.opts.series;
    in.pg_restore = inv.tools.pg_restore;
    in.info = verified.info;
    in.toc_listing = verified.toc_listing;
    in.max_shrink_percent = inv.opts.max_shrink_percent;
    in.shrink_fail = inv.opts.shrink_fail;
    {
        PhaseTimer t(rep.phases.verify);
        content = manifest::check_content(in);
    }
    rep.content_env = content.hook_env();
    rep.content_json = content.journal_json();
    rep.content_checked = content.compared;
    rep.content_warnings = content.warning_checks();
    if (content.manifest)
        rep.table_data_bytes = content.manifest->data_bytes ? content.manifest->data_bytes
                                                            : content.manifest->stored_data_bytes;
    if (!content.failure)
        return std::nullopt;
    if (content.interrupted)
        return Failure::interrupted(exec::interrupted_by(), *content.failure);
    return Failure::of(Reason::VerifyFailed, *content.failure);
}

// ---- publish ----------------------------------------------------------------------------------

// The target's directory is not writable (see use_in_place_fallback): copy the verified,
// fsynced dump into the existing FINAL, from offset 0, cut it to the dump's length and fsync.
// Only verified bytes reach FINAL, but this last step is not atomic: a crash during the copy
// leaves FINAL part old, part new (pg_dump, which truncates FINAL first, loses the old dump on
// every failure).
void publish_in_place(const Invocation& inv, const publish::OutputTarget& t) {
    int fd = ::open(t.final_path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw publish::PublishError("could not open " + t.final_path.string() +
                                    " for writing: " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw publish::PublishError(t.final_path.string() + " is no longer a regular file");
    const unsigned long long size = publish::partial_bytes(t.partial);
    if (t.shape == Shape::FileAppend) {
        publish::append_file_to_file(t.partial, t.final_path, inv.sync()); // -Fa: at the end
    } else if (t.shape != Shape::StdoutAppend) {
        ::lseek(fd, 0, SEEK_SET);
        publish::append_file_to_fd(t.partial, fd, false);
        if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
            throw publish::PublishError("could not truncate " + t.final_path.string() + ": " +
                                        std::strerror(errno));
        if (inv.sync() && ::fsync(fd) != 0)
            throw publish::PublishError("could not fsync " + t.final_path.string() + ": " +
                                        std::strerror(errno));
    } else {
        publish::append_file_to_fd(t.partial, 1, inv.sync());
    }
    ::unlink(t.partial.c_str());
}

// Puts the verified, fsynced partial in place: rename (file, directory), move of the entries
// (DirectoryInside), or copy into the existing file or descriptor. Sets rep.published from
// the moment FINAL holds the new dump.
void put_in_place(const Invocation& inv, const Output& out, Held& held, RunReport& rep) {
    const publish::OutputTarget& t = out.target;
    if (out.in_place) {
        publish_in_place(inv, t);
    } else if (publish::copies_into_existing(t.shape)) {
        if (t.shape == Shape::FileAppend)
            publish::append_file_to_file(t.partial, t.final_path, inv.sync());
        else
            publish::append_file_to_fd(t.partial, 1, inv.sync());
        testing::crash_point("after-append", t.partial.string());
        ::unlink(t.partial.c_str());
    } else if (t.shape == Shape::DirectoryInside) {
        publish::move_entries_into(t.partial, t.final_path, inv.sync());
    } else {
        // Never the mode or group of a file another user owns (it may have been planted).
        if (t.shape != Shape::Directory && publish::final_owned_by_us(t.final_path))
            publish::carry_over_attributes(t.partial, t.final_path);
        publish::rename_into_place(t.partial, t.final_path, false);
        held.partial_made = false;
        rep.published = true; // FINAL holds the new dump from here on
        if (inv.sync()) {
            try {
                publish::fsync_parent(t.final_path);
            } catch (const publish::PublishError& e) {
                rep.not_durable = e.what(); // PUBLISHED-NOT-DURABLE, exit 8
            }
        }
    }
    held.partial_made = false;
    rep.published = true;
}

// publish: fsync the partial (every file and directory of a -Fd partial), then put it in
// place. Nothing after the rename throws PublishError (the directory fsync's is caught:
// PUBLISHED-NOT-DURABLE), so a PublishError is always a failure before publication.
[[nodiscard]] Step publish_partial(const Invocation& inv, const Output& out, Held& held,
                                   RunReport& rep) {
    const publish::OutputTarget& t = out.target;
    rep.bytes = publish::partial_bytes(t.partial); // for an append: the bytes appended
    rep.output = publish::shape_name(t.shape);
    try {
        // A partial that is copied into an existing file is deleted afterwards: only the
        // copy's destination is fsynced (by append_file_*).
        if (inv.sync() && !publish::copies_into_existing(t.shape)) {
            PhaseTimer timer(rep.phases.sync);
            publish::fsync_tree(t.partial);
        }
        testing::crash_point("after-fsync", t.partial.string());
        if (exec::interrupted_by())
            return Failure::interrupted(exec::interrupted_by(), "interrupted before publication");
        PhaseTimer timer(rep.phases.rename);
        put_in_place(inv, out, held, rep);
    } catch (const publish::PublishError& e) {
        if (rep.published)
            throw; // not reached (see above)
        return Failure::of(Reason::PublishFailed, e.what());
    }
    return std::nullopt;
}

// ---- after publication: report, hooks, retention ----------------------------------------------

// FINAL.manifest.json beside the published dump: the new one, or none (--safe-manifest=off:
// an old one would describe the previous dump). Not beside a FINAL in a directory we may not
// write. A failure is a warning (for -Fd into a mount point, whose parent is often not ours,
// only with -v): the dump is published.
void publish_manifest(const Invocation& inv, const Output& out,
                      const manifest::StepResult& content) {
    if (!has_manifest(out) || out.in_place)
        return;
    const std::string w =
        manifest::publish_manifest(inv.opts.manifest ? content.manifest : std::nullopt,
                                   out.target.final_path.string(), inv.sync());
    if (!w.empty() && (out.target.shape != Shape::DirectoryInside || inv.verbose()))
        say("pg_dump-safe: warning: manifest not written: " + w);
}

void announce_published(const Invocation& inv, const RunReport& rep) {
    if (!rep.not_durable.empty())
        say(report::format_line("PUBLISHED-NOT-DURABLE",
                                {{"target", rep.target}, {"detail", rep.not_durable}}));
    if (inv.verbose() || report::stderr_is_journal())
        say(report::published_line(rep, rep.seconds_so_far()));
}

// The on-success hook; its failure ends the run with status 6 and no retention.
[[nodiscard]] int run_success_hook(const Invocation& inv, const Output& out, RunReport& rep) {
    if (inv.opts.on_success.empty())
        return exit_status::kOk;
    report::HookResult h;
    testing::crash_point("before-success-hook", rep.target);
    {
        PhaseTimer t(rep.phases.hooks);
        h = report::run_hook("on-success", inv.opts.on_success, report::hook_env(rep),
                             out.on_stdout() ? 2 : -1, inv.opts.hook_timeout);
    }
    if (h.status == 0)
        return exit_status::kOk;
    say(report::format_line(
        "HOOK-FAILED",
        {{"hook", "on-success"}, {"status", std::to_string(h.status)}, {"target", rep.target}}));
    if (inv.keep().enabled())
        say("pg_dump-safe: retention skipped: the on-success hook failed");
    return exit_status::kHookFailed;
}

// Until the directory is synced, a crash may bring back the previous directory entry: pruning
// older dumps now could leave no dump at all after a power loss.
[[nodiscard]] int require_durable(const Invocation& inv, const RunReport& rep) {
    if (rep.not_durable.empty())
        return exit_status::kOk;
    if (inv.keep().enabled())
        say("pg_dump-safe: retention skipped: the publication is not known to be durable");
    return exit_status::kNotDurable;
}

// The series' stale partials (failed runs of other dated names) and all but the newest
// failure records go after every publication. Silent unless -v: scripts treat any stderr as
// an error. A partial whose target lock another run holds is in use and stays.
void sweep_series_partials(const Invocation& inv, const publish::OutputTarget& t) {
    std::string spelled = t.final_path.string();
    while (spelled.size() > 1 && spelled.back() == '/')
        spelled.pop_back();
    const boost::filesystem::path published(spelled);
    retention::SweepRequest req;
    req.dir = published.has_parent_path() ? published.parent_path() : ".";
    req.published = published.filename().string();
    req.filter = inv.opts.series.empty() ? retention::SeriesFilter::of_name(req.published)
                                         : retention::SeriesFilter::from_glob(inv.opts.series);
    req.dry_run = inv.opts.dry_run_retention;
    req.lock = [](const boost::filesystem::path& f) -> std::shared_ptr<void> {
        try {
            return std::make_shared<publish::TargetLock>(f);
        } catch (const publish::LockedError&) {
            return nullptr;
        }
    };
    const retention::SweepResult s = retention::sweep_stale_partials(req);
    if (!inv.verbose())
        return;
    for (const std::string& p : s.removed)
        say(std::string(req.dry_run ? "pg_dump-safe: would sweep " : "pg_dump-safe: swept ") +
            "stale " + p);
    for (const std::string& p : s.skipped)
        say("pg_dump-safe: sweep left " + p);
    for (const std::string& e : s.errors)
        say("pg_dump-safe: sweep failed: " + e);
}

// -v (or a terminal, or a dry run): why retention kept or pruned nothing.
void explain_retention(const Invocation& inv, const retention::RetentionRequest& req,
                       const retention::RetentionOutcome& o) {
    for (const auto& c : o.plan.checked)
        if (!c.outcome.good)
            say("pg_dump-safe: retention: " + c.name +
                " is not a restore point: " + c.outcome.reason);
    if (!o.plan.refused.empty())
        say("pg_dump-safe: retention pruned nothing: " + o.plan.refused);
    else if (o.summary.results.empty() && inv.verbose())
        say("pg_dump-safe: retention pruned nothing: series " + o.filter.pattern() + " has " +
            std::to_string(o.scan.candidates.size()) + " dump(s) in " +
            req.published.parent_path().string() + ", all kept by the rules" +
            (o.filter.is_glob() || series::find_stamp(req.published.filename().string())
                 ? std::string()
                 : std::string(" (the name has no date stamp: it is a series of one; "
                               "--safe-series=GLOB names a wider one)")));
    for (const auto& k : o.plan.keep)
        for (const auto& why : k.reasons)
            if (why.rfind("still referred to", 0) == 0 || why.rfind("dated in the future", 0) == 0)
                say("pg_dump-safe: retention kept " + k.dump.name + ": " + why);
}

// retention: prune older dumps of the series (after a publication and a successful on-success
// hook). Never touches the dump just published; an error is reported and gives status 7.
[[nodiscard]] int apply_retention(const Invocation& inv, const Output& out, RunReport& rep) {
    const retention::KeepSettings keep = inv.keep();
    const publish::OutputTarget& t = out.target;
    const bool own_file =
        !(t.shape == Shape::StdoutAppend || t.shape == Shape::FileAppend || t.final_path.empty());
    if (own_file)
        sweep_series_partials(inv, t);
    if (!keep.enabled())
        return exit_status::kOk;
    if (!own_file) {
        if (inv.verbose())
            say("pg_dump-safe: retention skipped: the dump was appended to an existing file, so "
                "it has no file of its own in a series");
        return exit_status::kOk;
    }
    testing::crash_point("before-retention", rep.target);
    PhaseTimer timer(rep.phases.retention);
    const bool show = inv.verbose() || ::isatty(2) || inv.opts.dry_run_retention;
    const verify::Level level = inv.opts.verify;
    const verify::VerifyOptions vopts{inv.opts.verify_jobs};
    retention::RetentionRequest req;
    req.published = t.final_path;
    req.series_glob = inv.opts.series;
    req.settings = keep;
    req.dry_run = inv.opts.dry_run_retention;
    req.verify = [level, vopts](const boost::filesystem::path& p) {
        verify::Verdict v = verify::verify_path(p.string(), level, vopts);
        return retention::VerifyOutcome{v.ok, v.problem, v.info.database};
    };
    // Only dumps of the same database count (the archive header says which; the TOC level
    // reads no data). Plain dumps name none: then nothing is compared.
    req.database = verify::verify_path(t.final_path.string(), verify::Level::Toc).info.database;
    std::vector<std::string> errors;
    const retention::RetentionOutcome o =
        retention::apply_retention(req, [&](const retention::PruneResult& p) {
            report::Fields f = {{"path", p.dump.path.string()},
                                {"age", retention::format_age(p.age_seconds)},
                                {"bytes", std::to_string(p.dump.size)}};
            if (!p.error.empty())
                errors.push_back(p.error);
            else if (p.dry_run)
                say(report::format_line("WOULD-PRUNE", f));
            else if (p.removed && show)
                say(report::format_line("PRUNED", f));
        });
    if (!o.error.empty())
        errors.push_back(o.error);
    if (show && o.error.empty())
        explain_retention(inv, req, o);
    for (const std::string& e : errors)
        say(report::format_line(
            "RETENTION-FAILED",
            {{"target", rep.target}, {"series", o.filter.pattern()}, {"detail", e}}));
    return errors.empty() ? exit_status::kOk : exit_status::kRetention;
}

// Nothing can be protected (pipe, terminal, device): pg_dump writes directly; a failure is
// still reported and hooked.
int pass_through(Run& r) {
    const Invocation& inv = r.inv;
    if (inv.verbose())
        say("pg_dump-safe: output is not protected (" + r.out.target.passthrough_why +
            "); passing it through to pg_dump");
    // Only with -v: AutoPostgreSQLBackup pipes pg_dump into gzip and takes any stderr as an
    // error, every night.
    if (inv.keep().enabled() && inv.verbose())
        say("pg_dump-safe: retention skipped: the output is passed through (" +
            r.out.target.passthrough_why + "), so there is no published dump of a series");
    exec::ChildResult c;
    {
        PhaseTimer t(r.report.phases.dump);
        c = run_pg_dump(inv.tools, inv.parsed.forwarded, -1);
    }
    if (!pg_dump_succeeded(c))
        return report_failure(r, pg_dump_failure(c));
    r.report.published = true; // written straight to its destination: nothing to publish
    return exit_status::kOk;
}

// After the rename the final name holds a verified dump: main()'s FAILED line would tell
// monitoring otherwise, so an exception from then on is reported as an internal error with
// status 70. Before it, the final name was never touched: main() reports it.
template <typename F> int guard_published(const RunReport& rep, F&& steps) {
    try {
        return steps();
    } catch (const std::exception& e) {
        if (!rep.published)
            throw;
        say(std::string("pg_dump-safe: internal error after the dump was published to ") +
            rep.target + ": " + e.what());
        return exit_status::kInternal;
    }
}

int refuse_recursion() {
    say("pg_dump-safe: error: the pg_dump it was told to run is pg_dump-safe itself "
        "(PG_DUMP_SAFE_DEPTH is set); set --safe-pg-dump / PG_DUMP_SAFE_PG_DUMP to the real "
        "pg_dump");
    return exit_status::kNotFound;
}

} // namespace

int run(const std::vector<std::string>& args) {
    exec::SignalForwarding signals;
    if (std::getenv("PG_DUMP_SAFE_DEPTH"))
        return refuse_recursion();
    Run r;
    Invocation& inv = r.inv;
    RunReport& rep = r.report;
    if (Step f = parse(args, inv, rep))
        return report_failure(r, *f);
    if (inv.safe_version || inv.opts.show_config)
        return print_wrapper_info(inv);
    if (Step f = locate(args, inv, rep))
        return report_failure(r, *f);
    if (inv.parsed.version || inv.parsed.help)
        return print_pg_dump_info(inv);
    // Every run from here on is recorded (metrics file, journal).
    const int status = guard_published(rep, [&]() -> int {
        if (Step f = check_command_line(inv, rep))
            return report_failure(r, *f);
        if (Step f = locate_pg_restore(inv))
            return report_failure(r, *f);
        if (Step f = resolve_output(inv, r.out, rep))
            return report_failure(r, *f);
        if (r.out.target.shape == Shape::Passthrough)
            return pass_through(r);
        if (Step f = lock_and_create_partial(inv, r.out, r.held, rep))
            return report_failure(r, *f);
        if (Step f = dump(inv, r.out, rep.phases))
            return report_failure(r, *f);
        if (Step f = verify_partial(inv, r.out, rep.phases, r.verified))
            return report_failure(r, *f);
        if (Step f = check_content(inv, r.out, r.verified, r.content, rep))
            return report_failure(r, *f);
        if (Step f = publish_partial(inv, r.out, r.held, rep))
            return report_failure(r, *f);
        publish_manifest(inv, r.out, r.content);
        announce_published(inv, rep);
        if (const int s = run_success_hook(inv, r.out, rep))
            return s;
        if (const int s = require_durable(inv, rep))
            return s;
        return apply_retention(inv, r.out, rep);
    });
    report::write_run_records(rep, status, inv.opts.metrics_file, inv.opts.journal);
    return status;
}

} // namespace pds
