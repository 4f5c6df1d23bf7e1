#include "run.hpp"

#include "cli/pgdump_option_table.hpp"
#include "cli/pgdump_options.hpp"
#include "cli/safe_options.hpp"
#include "exec/child.hpp"
#include "exec/classify.hpp"
#include "exec/locate.hpp"
#include "exec/pg_wrapper.hpp"
#include "publish/durable.hpp"
#include "publish/output_target.hpp"
#include "publish/partial.hpp"
#include "report/failure_line.hpp"
#include "report/hooks.hpp"
#include "report/journal.hpp"
#include "report/metrics.hpp"
#include "retention/execute.hpp"
#include "retention/sweep.hpp"
#include "series/series.hpp"
#include "testing/crash_point.hpp"
#include "verify/verify.hpp"

#include <boost/filesystem/operations.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <memory>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace pds {
namespace {

using exec::Reason;
using publish::Shape;

constexpr int kExitUsage = 2;
constexpr int kExitVerify = 3;
constexpr int kExitPublish = 4;
constexpr int kExitLocked = 5;
constexpr int kExitHook = 6;
constexpr int kExitRetention = 7;
constexpr int kExitNotDurable = 8; // published, but the directory fsync after the rename failed

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v ? v : fallback;
}

void say(const std::string& line) {
    std::cerr << line << std::endl;
}

// Adds the time from construction to destruction to one phase of the run journal.
class PhaseTimer {
public:
    explicit PhaseTimer(std::optional<double>& slot)
        : slot_(slot), begin_(std::chrono::steady_clock::now()) {}
    ~PhaseTimer() {
        slot_ = slot_.value_or(0) +
                std::chrono::duration<double>(std::chrono::steady_clock::now() - begin_).count();
    }
    PhaseTimer(const PhaseTimer&) = delete;
    PhaseTimer& operator=(const PhaseTimer&) = delete;

private:
    std::optional<double>& slot_;
    std::chrono::steady_clock::time_point begin_;
};

struct Failure {
    Reason reason;
    int exit_status;
    std::string detail;
};

// Everything one run knows; the steps below fill it in the order of docs/design.md.
struct Run {
    std::vector<std::string> args;
    cli::SafeOptions opts;
    exec::Tools tools;
    int pg_major = cli::kLatestMajor; // of the pg_dump that runs (may be newer than the tables)
    std::string pg_version;           // its --version output
    bool safe_version = false;        // --safe-version
    exec::VersionProbe versions;
    cli::ParsedArgs parsed;
    cli::Format format = cli::Format::Plain;
    bool format_known = false; // false until the argv was parsed with pg_dump's table
    publish::OutputTarget out;
    bool partial_created = false;
    // The target's directory is not writable: the partial lies in $TMPDIR and the verified
    // dump is copied into the existing FINAL (see run_protected).
    bool in_place = false;
    std::string cleanup_note; // a stale partial removed or moved aside (-v, journal)
    std::string not_durable;  // the directory fsync after the rename failed: why
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::chrono::system_clock::time_point wall_started = std::chrono::system_clock::now();
    // What the metrics file and the journal record about this run.
    report::PhaseTimes phases;
    bool published = false;
    bool reached_dump = false; // false: stopped before pg_dump ran for a dump (usage, help)
    std::string fail_reason, fail_detail;
    unsigned long long bytes = 0;

    bool sync() const { return !parsed.no_sync; }
    bool dump_on_stdout() const {
        return out.shape == Shape::StdoutFile || out.shape == Shape::StdoutAppend ||
               out.shape == Shape::Passthrough;
    }
    std::string target_name() const {
        if (!out.final_path.empty())
            return out.final_path.string();
        if (parsed.file && !parsed.file->empty())
            return *parsed.file;
        return "-";
    }
};

exec::ChildResult run_pg_dump(const Run& r, const std::vector<std::string>& argv, int stdout_fd) {
    exec::ChildSpec spec;
    spec.program = r.tools.pg_dump;
    spec.argv = {"pg_dump"};
    spec.argv.insert(spec.argv.end(), argv.begin(), argv.end());
    spec.env = r.tools.pg_dump_env;
    spec.env.push_back("PG_DUMP_SAFE_DEPTH=1"); // a pg_dump that is really us refuses to recurse
    spec.unset_env = r.tools.pg_dump_unset_env;
    spec.stdout_fd = stdout_fd;
    spec.die_with_parent = true;
    return exec::run_child(spec);
}

// The failure path: FAILED line, failure record, hook. Returns the exit status.
int fail(Run& r, const Failure& f) {
    std::string partial = "none";
    if (r.partial_created) {
        // The partial stays, even empty: beside the final name it is the on-disk evidence
        // of the failure (pg_dump-safe-audit lists it, with its .failure.json reason). An
        // untouched partial goes when pg_dump rejected its arguments (pg_dump itself leaves
        // no file then) or when it lies in $TMPDIR (standard output whose name is unknown).
        // A partial inside the -Fd directory goes too: left there, it would make the
        // directory non-empty and every later run of pg_dump or pg_dump-safe refuse it.
        if (r.out.shape == Shape::DirectoryInside) {
            try {
                publish::remove_tree_nofollow(r.out.partial);
            } catch (const std::exception& e) {
                say(std::string("pg_dump-safe: warning: ") + e.what());
            }
        } else if ((r.out.final_path.empty() || f.reason == Reason::Usage) &&
                   publish::partial_untouched(r.out.partial)) {
            boost::system::error_code ec;
            boost::filesystem::remove(r.out.partial, ec);
        } else {
            partial = r.out.partial.string();
        }
    }
    // Standard output that is a file (`> f`) stays as the shell left it, even empty: another
    // command may still write through the same descriptor (`{ a; b; } > f`, a loop), and
    // its bytes would go to a nameless inode if the name were removed.
    unsigned long long bytes = partial == "none" ? 0 : publish::partial_bytes(r.out.partial);
    r.fail_reason = exec::reason_name(f.reason);
    r.fail_detail = f.detail;
    r.bytes = bytes;
    report::Fields fields = {{"target", r.target_name()},
                             {"partial", partial},
                             {"reason", exec::reason_name(f.reason)},
                             {"exit", std::to_string(f.exit_status)},
                             {"bytes", std::to_string(bytes)},
                             {"format", r.format_known ? cli::format_name(r.format) : "unknown"},
                             {"detail", f.detail}};
    say(report::format_line("FAILED", fields));
    if (partial != "none") {
        std::string problem = report::write_failure_record(
            partial, fields, publish::file_mode_limit(r.out.final_path));
        if (!problem.empty())
            say("pg_dump-safe: warning: no failure record beside the partial: " + problem);
    }
    if (!r.opts.on_failure.empty()) {
        report::Fields env = {
            {"PG_DUMP_SAFE_STATUS", "failed"},
            {"PG_DUMP_SAFE_TARGET", r.target_name()},
            {"PG_DUMP_SAFE_PARTIAL", partial == "none" ? "" : partial},
            {"PG_DUMP_SAFE_REASON", exec::reason_name(f.reason)},
            {"PG_DUMP_SAFE_EXIT_CODE", std::to_string(f.exit_status)},
            {"PG_DUMP_SAFE_BYTES", std::to_string(bytes)},
            {"PG_DUMP_SAFE_FORMAT", r.format_known ? cli::format_name(r.format) : "unknown"},
            {"PG_DUMP_SAFE_DETAIL", f.detail},
            {"PG_DUMP_SAFE_VERIFY", verify::level_name(r.opts.verify)}};
        testing::crash_point("before-failure-hook", partial);
        PhaseTimer t(r.phases.hooks);
        report::HookResult h = report::run_hook("on-failure", r.opts.on_failure, env,
                                                r.dump_on_stdout() ? 2 : -1, r.opts.hook_timeout);
        if (h.status != 0)
            say(report::format_line(
                "HOOK-FAILED", {{"hook", "on-failure"}, {"status", std::to_string(h.status)}}));
    }
    return f.exit_status;
}

Failure pg_dump_failure(const exec::ChildResult& c) {
    if (!c.started)
        return {Reason::PgDumpExit, c.start_errno == ENOENT ? 127 : 126,
                std::string("could not run pg_dump: ") + std::strerror(c.start_errno)};
    Reason reason = exec::classify_pg_dump_failure(c.exited, c.exit_code, c.term_signal,
                                                   c.stderr_tail, exec::interrupted_by());
    std::string detail = exec::key_error_line(c.stderr_tail);
    if (!c.exited && detail.empty())
        detail = std::string("pg_dump killed by signal ") + std::to_string(c.term_signal) + " (" +
                 strsignal(c.term_signal) + ")";
    int status =
        reason == Reason::Interrupted ? 128 + exec::interrupted_by() : c.status_for_shell();
    return {reason, status, detail};
}

// pg_restore -l reads the TOC the way a restore will; the native verifier then proves the
// rest of the archive is there.
std::optional<Failure> verify_output(Run& r) {
    if (publish::partial_bytes(r.out.partial) == 0)
        return Failure{Reason::EmptyOutput, kExitVerify, "pg_dump exited 0 but wrote no data"};
    if (r.format != cli::Format::Plain) {
        exec::ChildSpec spec;
        spec.program = r.tools.pg_restore;
        spec.argv = {"pg_restore", "-l", "--", r.out.partial.string()}; // a name may start with -
        int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        spec.stdout_fd = devnull;
        spec.pass_stderr = false;
        exec::ChildResult c = exec::run_child(spec);
        if (devnull >= 0)
            ::close(devnull);
        if (exec::interrupted_by())
            return Failure{Reason::Interrupted, 128 + exec::interrupted_by(),
                           "interrupted during verification"};
        if (!c.started || !c.exited || c.exit_code != 0) {
            std::cerr << c.stderr_tail;
            std::string why = c.started ? exec::key_error_line(c.stderr_tail)
                                        : std::string("could not run ") + r.tools.pg_restore +
                                              ": " + std::strerror(c.start_errno);
            return Failure{Reason::VerifyFailed, kExitVerify, "pg_restore -l: " + why};
        }
    }
    testing::crash_point("mid-verify", r.out.partial.string());
    verify::Verdict v = verify::verify_path(r.out.partial, r.opts.verify);
    if (exec::interrupted_by())
        return Failure{Reason::Interrupted, 128 + exec::interrupted_by(),
                       "interrupted during verification"};
    if (!v.ok)
        return Failure{Reason::VerifyFailed, kExitVerify, v.problem};
    return std::nullopt;
}

retention::KeepSettings keep_settings(const cli::SafeOptions& o) {
    retention::KeepSettings k;
    k.keep_last = o.keep_last;
    k.keep_days = o.keep_days;
    k.keep_weekly = o.keep_weekly;
    k.keep_monthly = o.keep_monthly;
    return k;
}

// After a publication and a successful on-success hook: prune older dumps of the series.
// Never touches the dump just published; an error is reported and gives exit status 7.
// The series' stale partials (failed runs of other dated names) and all but the newest
// failure records go after every publication. Silent unless -v: scripts treat any stderr
// as an error. A partial whose target lock another run holds is in use and stays.
void sweep_series_partials(const Run& r) {
    std::string spelled = r.out.final_path.string();
    while (spelled.size() > 1 && spelled.back() == '/')
        spelled.pop_back();
    const boost::filesystem::path published(spelled);
    retention::SweepRequest req;
    req.dir = published.has_parent_path() ? published.parent_path() : ".";
    req.published = published.filename().string();
    req.filter = r.opts.series.empty() ? retention::SeriesFilter::of_name(req.published)
                                       : retention::SeriesFilter::from_glob(r.opts.series);
    req.dry_run = r.opts.dry_run_retention;
    req.lock = [](const boost::filesystem::path& f) -> std::shared_ptr<void> {
        try {
            return std::make_shared<publish::TargetLock>(f);
        } catch (const publish::LockedError&) {
            return nullptr;
        }
    };
    const retention::SweepResult s = retention::sweep_stale_partials(req);
    if (!r.parsed.verbose)
        return;
    for (const std::string& p : s.removed)
        say(std::string(req.dry_run ? "pg_dump-safe: would sweep " : "pg_dump-safe: swept ") +
            "stale " + p);
    for (const std::string& p : s.skipped)
        say("pg_dump-safe: sweep left " + p);
    for (const std::string& e : s.errors)
        say("pg_dump-safe: sweep failed: " + e);
}

int apply_retention_step(Run& r) {
    const retention::KeepSettings keep = keep_settings(r.opts);
    const bool own_file = !(r.out.shape == Shape::StdoutAppend ||
                            r.out.shape == Shape::FileAppend || r.out.final_path.empty());
    if (own_file)
        sweep_series_partials(r);
    if (!keep.enabled())
        return 0;
    if (!own_file) {
        if (r.parsed.verbose)
            say("pg_dump-safe: retention skipped: the dump was appended to an existing file, so "
                "it has no file of its own in a series");
        return 0;
    }
    testing::crash_point("before-retention", r.target_name());
    PhaseTimer t(r.phases.retention);
    const bool show = r.parsed.verbose || ::isatty(2) || r.opts.dry_run_retention;
    const verify::Level level = r.opts.verify;
    retention::RetentionRequest req;
    req.published = r.out.final_path;
    req.series_glob = r.opts.series;
    req.settings = keep;
    req.dry_run = r.opts.dry_run_retention;
    req.verify = [level](const boost::filesystem::path& p) {
        verify::Verdict v = verify::verify_path(p.string(), level);
        return retention::VerifyOutcome{v.ok, v.problem, v.info.database};
    };
    // Only dumps of the same database count (the archive header says which; the TOC level
    // reads no data). Plain dumps name none: then nothing is compared.
    req.database = verify::verify_path(r.out.final_path.string(), verify::Level::Toc).info.database;
    std::vector<std::string> errors;
    retention::RetentionOutcome o =
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
    if (show && o.error.empty()) {
        for (const auto& c : o.plan.checked)
            if (!c.outcome.good)
                say("pg_dump-safe: retention: " + c.name +
                    " is not a restore point: " + c.outcome.reason);
        if (!o.plan.refused.empty())
            say("pg_dump-safe: retention pruned nothing: " + o.plan.refused);
        else if (o.summary.results.empty() && r.parsed.verbose)
            say("pg_dump-safe: retention pruned nothing: series " + o.filter.pattern() + " has " +
                std::to_string(o.scan.candidates.size()) + " dump(s) in " +
                req.published.parent_path().string() + ", all kept by the rules" +
                (o.filter.is_glob() || series::find_stamp(req.published.filename().string())
                     ? std::string()
                     : std::string(" (the name has no date stamp: it is a series of one; "
                                   "--safe-series=GLOB names a wider one)")));
        for (const auto& k : o.plan.keep)
            for (const auto& why : k.reasons)
                if (why.rfind("still referred to", 0) == 0 ||
                    why.rfind("dated in the future", 0) == 0)
                    say("pg_dump-safe: retention kept " + k.dump.name + ": " + why);
    }
    for (const std::string& e : errors)
        say(report::format_line(
            "RETENTION-FAILED",
            {{"target", r.target_name()}, {"series", o.filter.pattern()}, {"detail", e}}));
    return errors.empty() ? 0 : kExitRetention;
}

// The target's directory is not writable (see run_protected): copy the verified, fsynced
// dump into the existing FINAL, from offset 0, cut it to the dump's length and fsync. Only
// verified bytes reach FINAL, but this last step is not atomic: a crash during the copy
// leaves FINAL part old, part new (pg_dump, which truncates FINAL first, loses the old dump
// on every failure).
void publish_in_place(Run& r) {
    int fd = ::open(r.out.final_path.c_str(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw publish::PublishError("could not open " + r.out.final_path.string() +
                                    " for writing: " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        throw publish::PublishError(r.out.final_path.string() + " is no longer a regular file");
    const unsigned long long size = publish::partial_bytes(r.out.partial);
    if (r.out.shape == Shape::FileAppend) {
        publish::append_file_to_file(r.out.partial, r.out.final_path, r.sync()); // -Fa: at the end
    } else if (r.out.shape != Shape::StdoutAppend) {
        ::lseek(fd, 0, SEEK_SET);
        publish::append_file_to_fd(r.out.partial, fd, false);
        if (::ftruncate(fd, static_cast<off_t>(size)) != 0)
            throw publish::PublishError("could not truncate " + r.out.final_path.string() + ": " +
                                        std::strerror(errno));
        if (r.sync() && ::fsync(fd) != 0)
            throw publish::PublishError("could not fsync " + r.out.final_path.string() + ": " +
                                        std::strerror(errno));
    } else {
        publish::append_file_to_fd(r.out.partial, 1, r.sync());
    }
    ::unlink(r.out.partial.c_str());
}

int publish_and_report(Run& r) {
    const unsigned long long dump_bytes = publish::partial_bytes(r.out.partial);
    try {
        // A partial that is copied into an existing file is deleted afterwards: only the
        // copy's destination is fsynced (by append_file_*).
        if (r.sync() && !publish::copies_into_existing(r.out.shape)) {
            PhaseTimer t(r.phases.sync);
            publish::fsync_tree(r.out.partial);
        }
        testing::crash_point("after-fsync", r.out.partial.string());
        if (exec::interrupted_by())
            return fail(r, {Reason::Interrupted, 128 + exec::interrupted_by(),
                            "interrupted before publication"});
        PhaseTimer t(r.phases.rename);
        if (r.in_place) {
            publish_in_place(r);
        } else if (publish::copies_into_existing(r.out.shape)) {
            if (r.out.shape == Shape::FileAppend)
                publish::append_file_to_file(r.out.partial, r.out.final_path, r.sync());
            else
                publish::append_file_to_fd(r.out.partial, 1, r.sync());
            testing::crash_point("after-append", r.out.partial.string());
            ::unlink(r.out.partial.c_str());
        } else if (r.out.shape == Shape::DirectoryInside) {
            publish::move_entries_into(r.out.partial, r.out.final_path, r.sync());
        } else {
            // Never the mode or group of a file another user owns (it may have been planted).
            if (r.out.shape != Shape::Directory && publish::final_owned_by_us(r.out.final_path))
                publish::carry_over_attributes(r.out.partial, r.out.final_path);
            publish::rename_into_place(r.out.partial, r.out.final_path, false);
            r.partial_created = false;
            r.published = true; // FINAL holds the new dump from here on
            if (r.sync()) {
                try {
                    publish::fsync_parent(r.out.final_path);
                } catch (const publish::PublishError& e) {
                    r.not_durable = e.what();
                }
            }
        }
    } catch (const publish::PublishError& e) {
        if (r.published)
            throw; // not reached: nothing after the rename above throws PublishError
        return fail(r, {Reason::PublishFailed, kExitPublish, e.what()});
    }
    r.partial_created = false;
    r.published = true;
    if (!r.not_durable.empty())
        say(report::format_line("PUBLISHED-NOT-DURABLE",
                                {{"target", r.target_name()}, {"detail", r.not_durable}}));
    const unsigned long long bytes = dump_bytes; // for an append: the bytes appended
    r.bytes = bytes;
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    if (r.parsed.verbose || report::stderr_is_journal()) {
        char dur[32];
        std::snprintf(dur, sizeof dur, "%.2fs", secs);
        say(report::format_line("PUBLISHED", {{"target", r.target_name()},
                                              {"bytes", std::to_string(bytes)},
                                              {"format", cli::format_name(r.format)},
                                              {"verify", verify::level_name(r.opts.verify)},
                                              {"output", publish::shape_name(r.out.shape)},
                                              {"duration", dur}}));
    }
    if (!r.opts.on_success.empty()) {
        report::Fields env = {{"PG_DUMP_SAFE_STATUS", "published"},
                              {"PG_DUMP_SAFE_TARGET", r.target_name()},
                              {"PG_DUMP_SAFE_PARTIAL", ""},
                              {"PG_DUMP_SAFE_REASON", ""},
                              {"PG_DUMP_SAFE_EXIT_CODE", "0"},
                              {"PG_DUMP_SAFE_BYTES", std::to_string(bytes)},
                              {"PG_DUMP_SAFE_FORMAT", cli::format_name(r.format)},
                              {"PG_DUMP_SAFE_DETAIL", ""},
                              {"PG_DUMP_SAFE_VERIFY", verify::level_name(r.opts.verify)}};
        report::HookResult h;
        testing::crash_point("before-success-hook", r.target_name());
        {
            PhaseTimer t(r.phases.hooks);
            h = report::run_hook("on-success", r.opts.on_success, env, r.dump_on_stdout() ? 2 : -1,
                                 r.opts.hook_timeout);
        }
        if (h.status != 0) {
            say(report::format_line("HOOK-FAILED", {{"hook", "on-success"},
                                                    {"status", std::to_string(h.status)},
                                                    {"target", r.target_name()}}));
            if (keep_settings(r.opts).enabled())
                say("pg_dump-safe: retention skipped: the on-success hook failed");
            return kExitHook;
        }
    }
    if (!r.not_durable.empty()) {
        // Until the directory is synced, a crash may bring back the previous directory
        // entry: pruning older dumps now could leave no dump at all after a power loss.
        if (keep_settings(r.opts).enabled())
            say("pg_dump-safe: retention skipped: the publication is not known to be durable");
        return kExitNotDurable;
    }
    return apply_retention_step(r);
}

// Nothing can be protected (pipe, terminal, device): pg_dump writes directly; a failure is
// still reported and hooked.
int run_passthrough(Run& r) {
    if (r.parsed.verbose)
        say("pg_dump-safe: output is not protected (" + r.out.passthrough_why +
            "); passing it through to pg_dump");
    // Only with -v: AutoPostgreSQLBackup pipes pg_dump into gzip and takes any stderr as an
    // error, every night.
    if (keep_settings(r.opts).enabled() && r.parsed.verbose)
        say("pg_dump-safe: retention skipped: the output is passed through (" +
            r.out.passthrough_why + "), so there is no published dump of a series");
    exec::ChildResult c;
    {
        PhaseTimer t(r.phases.dump);
        c = run_pg_dump(r, r.parsed.forwarded, -1);
    }
    if (c.started && c.exited && c.exit_code == 0 && !exec::interrupted_by()) {
        r.published = true; // written straight to its destination: nothing to publish
        return 0;
    }
    return fail(r, pg_dump_failure(c));
}

// The final name's directory is not writable, so nothing can be made or renamed beside it,
// but FINAL itself is a writable regular file (root-owned /var/backups with a file given to
// postgres; `> FILE` there). pg_dump would write into FINAL: instead the dump goes to a
// partial in $TMPDIR and, verified, is copied into FINAL (publish_in_place); the lock is an
// flock on FINAL itself. Returns false when this fallback does not apply.
bool use_in_place_fallback(Run& r) {
    if (r.out.final_path.empty() || r.out.shape == Shape::Directory ||
        publish::parent_writable(r.out.final_path))
        return false;
    struct stat st {};
    if (::stat(r.out.final_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        ::faccessat(AT_FDCWD, r.out.final_path.c_str(), W_OK, AT_EACCESS) != 0)
        return false;
    const char* tmp = std::getenv("TMPDIR");
    r.out.partial = boost::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
                    ("pg_dump-safe." + std::to_string(::getpid()) + ".partial");
    if (r.out.shape == Shape::StdoutFile)
        r.out.shape = Shape::StdoutAppend; // stdout is FINAL at offset 0: write through it
    r.in_place = true;
    return true;
}

int run_protected(Run& r) {
    std::unique_ptr<publish::TargetLock> lock;
    // A name near NAME_MAX: FINAL.partial (and FINAL.lock) would be too long; fit_name
    // shortens them the same way for every run.
    r.out.partial = publish::fit_name(r.out.partial, publish::kPartialNameReserve);
    const bool in_place = use_in_place_fallback(r);
    try {
        // An existing -Fd directory is locked itself: its parent (the filesystem a volume is
        // mounted on) need not be writable, and nothing is left beside it.
        lock = std::make_unique<publish::TargetLock>(
            r.out.final_path.empty() ? r.out.partial : r.out.final_path,
            in_place || r.out.shape == Shape::DirectoryInside);
    } catch (const publish::LockedError& e) {
        return fail(r, {Reason::Locked, kExitLocked, e.what()});
    } catch (const publish::PublishError& e) {
        return fail(r, {Reason::PublishFailed, kExitPublish, e.what()});
    }
    try {
        if (!r.out.final_path.empty() && r.out.shape != Shape::StdoutAppend &&
            r.out.shape != Shape::StdoutFile)
            publish::check_final_replaceable(r.out.final_path);
        const bool is_directory_dump =
            r.out.shape == Shape::Directory || r.out.shape == Shape::DirectoryInside;
        publish::StaleOutcome stale =
            publish::remove_stale_partial(r.out.partial, is_directory_dump);
        if (!stale.description.empty()) {
            // Silent unless -v (scripts treat any stderr as an error); the journal has it.
            r.cleanup_note = stale.moved_to.empty()
                                 ? "removed stale partial " + stale.description
                                 : "moved stale partial " + stale.description + " aside to " +
                                       stale.moved_to + " (not removed)";
            if (r.parsed.verbose)
                say("pg_dump-safe: " + r.cleanup_note);
        }
        publish::create_partial(r.out.partial, is_directory_dump, r.out.final_path);
        r.partial_created = true;
        testing::crash_point("after-partial", r.out.partial.string());
    } catch (const publish::PublishError& e) {
        return fail(r, {Reason::PublishFailed, kExitPublish, e.what()});
    }
    std::vector<std::string> argv = cli::rewrite_file_args(r.parsed, r.out.partial.string());
    // With the dump on our stdout, pg_dump's own stdout must not reach that file.
    exec::ChildResult c;
    {
        PhaseTimer t(r.phases.dump);
        testing::crash_point("dump-started", r.out.partial.string());
        // Writeback of what pg_dump has written starts while it writes; not for a partial
        // that is only copied and deleted, and never with --no-sync.
        std::optional<publish::WritebackStarter> writeback;
        // PG_DUMP_SAFE_BENCH_NO_WRITEBACK: bench/overhead.sh's A/B switch, nothing else.
        if (r.sync() && !publish::copies_into_existing(r.out.shape) &&
            !std::getenv("PG_DUMP_SAFE_BENCH_NO_WRITEBACK"))
            writeback.emplace(r.out.partial);
        c = run_pg_dump(r, argv, r.dump_on_stdout() ? 2 : -1);
    }
    if (!c.started || !c.exited || c.exit_code != 0 || exec::interrupted_by())
        return fail(r, pg_dump_failure(c));
    testing::crash_point("after-dump", r.out.partial.string());
    std::optional<Failure> bad;
    {
        PhaseTimer t(r.phases.verify);
        bad = verify_output(r);
    }
    if (bad)
        return fail(r, *bad);
    testing::crash_point("after-verify", r.out.partial.string());
    return publish_and_report(r);
}

// The metrics file and the journal, after every run that got as far as knowing its options
// (not --help, --version or --safe-show-config). Their own failures are warnings: they never
// change the exit status or touch the dump.
void record_run(Run& r, int status) {
    if (r.opts.metrics_file.empty() && r.opts.journal.empty())
        return;
    // Absolute, so that jobs writing "app.dump" in different directories stay apart; the
    // series is the directory plus the name's series pattern ("/backups/app-*.dump").
    std::string target = r.target_name();
    std::string series = "-";
    if (target != "-") {
        boost::filesystem::path abs = boost::filesystem::absolute(target);
        std::string spelled = abs.string();
        while (spelled.size() > 1 && spelled.back() == '/')
            spelled.pop_back();
        abs = spelled;
        target = abs.string();
        series = (abs.parent_path() / series::series_of(abs.filename().string())).string();
    }
    const auto end = std::chrono::system_clock::now();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
    if (!r.opts.metrics_file.empty()) {
        report::RunMetrics m;
        m.target = target;
        m.series = series;
        m.success = r.published;
        m.end = end;
        m.duration_seconds = secs;
        m.bytes = r.bytes;
        m.verify_level = verify::level_name(r.opts.verify);
        m.failure_reason = r.published ? "" : r.fail_reason;
        try {
            report::write_metrics(r.opts.metrics_file, m);
        } catch (const std::exception& e) {
            say(std::string("pg_dump-safe: warning: metrics file not written: ") + e.what());
        }
    }
    if (!r.opts.journal.empty()) {
        report::JournalRecord j;
        j.start = r.wall_started;
        j.end = end;
        j.status = r.published ? "published" : "failed";
        j.reason = r.published ? "" : r.fail_reason;
        j.exit_code = status;
        j.target = target;
        j.series = series;
        j.bytes = r.bytes;
        j.verify_level = verify::level_name(r.opts.verify);
        j.phases = r.phases;
        j.detail = !r.published             ? r.fail_detail
                   : !r.not_durable.empty() ? "not durable: " + r.not_durable
                                            : r.cleanup_note;
        try {
            report::append_journal(r.opts.journal, j);
        } catch (const std::exception& e) {
            say(std::string("pg_dump-safe: warning: journal not written: ") + e.what());
        }
    }
}

// Which option table judged the command line, for every usage error.
std::string table_note(const Run& r) {
    const std::string known = "this build knows pg_dump " + std::to_string(cli::kOldestMajor) +
                              " to " + std::to_string(cli::kLatestMajor);
    const int used = cli::clamp_major(r.pg_major);
    if (r.pg_major > cli::kLatestMajor)
        return " (pg_dump " + std::to_string(r.pg_major) +
               " is newer than the option tables: " + known + "; the pg_dump " +
               std::to_string(used) + " table was used, and options it does not know are refused)";
    if (r.pg_major < cli::kOldestMajor)
        return " (pg_dump " + std::to_string(r.pg_major) +
               " is older than the option tables: " + known + "; the pg_dump " +
               std::to_string(used) + " table was used)";
    return " (checked with the option table of pg_dump " + std::to_string(used) + ")";
}

// A command line pg_dump-safe cannot map: status 1, as pg_dump gives for its usage errors,
// without starting pg_dump, and with no file created.
int usage_failure(Run& r, const std::string& what) {
    const std::string message = what + table_note(r);
    say("pg_dump-safe: error: " + message);
    say("pg_dump-safe: hint: Try \"pg_dump-safe --help\" for more information.");
    return fail(r, {Reason::Usage, 1, message});
}

cli::SafeArity arity_with_version(const std::string& name) {
    return name == "safe-version" ? cli::SafeArity::Flag : cli::safe_option_arity(name);
}

// The --safe-* options of one parse, with --safe-version taken out (command line only).
std::optional<int> load_options(Run& r, const cli::ParsedArgs& p) {
    std::vector<std::string> safe;
    for (const std::string& a : p.safe_args) {
        if (a == "--safe-version")
            r.safe_version = true;
        else
            safe.push_back(a);
    }
    try {
        if (!p.safe_error.empty())
            throw cli::UsageError("pg_dump-safe: " + p.safe_error);
        r.opts = cli::load_safe_options(safe);
    } catch (const cli::UsageError& e) {
        say(e.what());
        return fail(r, {Reason::Usage, kExitUsage, e.what()});
    }
    return std::nullopt;
}

// Parse the command line with the table of the pg_dump that will really run, and find that
// pg_dump and its pg_restore. Returns an exit status when the run stops here.
std::optional<int> parse_and_locate(Run& r, const std::vector<std::string>& args) {
    // First pass with the newest table only to find the --safe-* options (they decide which
    // pg_dump runs); the second pass uses the table of that pg_dump.
    const cli::ParsedArgs first =
        cli::parse_pg_dump_args(args, cli::kLatestMajor, arity_with_version);
    r.parsed = first; // names the target in a FAILED line before the final parse
    if (std::optional<int> stop = load_options(r, first))
        return stop;
    if (r.safe_version) {
        std::cout << "pg_dump-safe " << PDS_VERSION << "\n";
        return 0;
    }
    if (r.opts.show_config) {
        std::cout << cli::describe(r.opts);
        return 0;
    }
    std::string entry;
    try {
        entry = exec::find_pg_dump(r.opts.pg_dump, env_or("PATH", "/usr/bin:/bin"));
    } catch (const exec::LocateError& e) {
        say(e.what());
        return fail(r, {Reason::PgDumpExit, e.exit_status, e.what()});
    }
    r.tools.pg_dump = entry;
    std::vector<std::string> dump_args = args;
    if (exec::is_pg_wrapper(entry)) {
        // Debian's pg_wrapper picks the version (and the server) from --cluster, PGCLUSTER,
        // the port and user_clusters: decide as it does, then run that version's binaries.
        exec::WrapperChoice w = exec::resolve_pg_wrapper(first.forwarded, exec::WrapperRoots{});
        for (const std::string& warning : w.warnings)
            say(warning);
        if (!w.error.empty()) {
            say("pg_dump-safe: error: " + w.error + " (as Debian's pg_wrapper " + entry +
                " decides)");
            return fail(r, {Reason::Usage, 1, w.error});
        }
        // pg_wrapper's own arguments (--cluster V/C) are not pg_dump's: take them out of the
        // command line by their place among the arguments forwarded to pg_dump.
        std::vector<bool> drop(args.size(), false);
        std::vector<bool> is_safe(args.size(), false);
        for (std::size_t i : first.safe_indexes)
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
        r.tools.pg_dump = w.bindir + "/pg_dump";
        r.tools.pg_dump_env = w.env;
        r.tools.pg_dump_unset_env = w.unset_env;
        r.tools.wrapper_bindir = w.bindir;
    }
    const exec::ProbeResult& v = r.versions.probe(r.tools.pg_dump);
    std::optional<int> major =
        v.exit_status == 0 ? cli::parse_pg_dump_version_major(v.output) : std::nullopt;
    if (!major) {
        // Without its version there is no option table to map the command line with.
        const std::string why =
            v.exit_status == 127 && !v.started
                ? std::string("could not run it: ") + std::strerror(v.start_errno)
            : v.exit_status != 0
                ? "`" + r.tools.pg_dump + " --version` exited with status " +
                      std::to_string(v.exit_status)
                : "`" + r.tools.pg_dump +
                      " --version` did not print a \"pg_dump (PostgreSQL) N\" line";
        const std::string message = "cannot tell which pg_dump " + r.tools.pg_dump + " is: " + why;
        say("pg_dump-safe: error: " + message);
        return fail(r, {Reason::PgDumpExit, v.exit_status == 127 ? 127 : 1, message});
    }
    r.pg_major = *major;
    r.pg_version = v.output;
    r.parsed = cli::parse_pg_dump_args(dump_args, r.pg_major, arity_with_version);
    if (r.parsed.safe_args != first.safe_args || !r.parsed.safe_error.empty())
        return usage_failure(r, "the --safe-* options read differently with this pg_dump's "
                                "option table than with the newest one; put them first");
    return std::nullopt;
}

int run_steps(Run& r, const std::vector<std::string>& args);

} // namespace

int run(const std::vector<std::string>& args) {
    Run r;
    int status = 0;
    try {
        status = run_steps(r, args);
    } catch (const std::exception& e) {
        // After the rename the final name holds a verified dump: main()'s FAILED line would
        // tell monitoring otherwise. Before it, the final name was never touched.
        if (!r.published)
            throw;
        say(std::string("pg_dump-safe: internal error after the dump was published to ") +
            r.target_name() + ": " + e.what());
        status = 70;
    }
    if (r.reached_dump) {
        try {
            record_run(r, status);
        } catch (const std::exception& e) {
            say(std::string("pg_dump-safe: warning: metrics file or journal not written: ") +
                e.what());
        }
    }
    return status;
}

namespace {

int run_steps(Run& r, const std::vector<std::string>& args) {
    r.args = args;
    exec::SignalForwarding signals;
    if (std::getenv("PG_DUMP_SAFE_DEPTH")) {
        say("pg_dump-safe: error: the pg_dump it was told to run is pg_dump-safe itself "
            "(PG_DUMP_SAFE_DEPTH is set); set --safe-pg-dump / PG_DUMP_SAFE_PG_DUMP to the real "
            "pg_dump");
        return 127;
    }
    if (std::optional<int> stop = parse_and_locate(r, args))
        return *stop;
    r.reached_dump = !(r.parsed.help || r.parsed.version);
    if (r.parsed.version) {
        // Exactly pg_dump's output, which scripts parse: the probe already ran this very
        // pg_dump with --version (pg_dump-safe's own version is --safe-version, and in --help).
        std::cout << r.pg_version << std::flush;
        return 0;
    }
    if (r.parsed.help) {
        exec::ChildResult c = run_pg_dump(r, r.parsed.forwarded, -1);
        std::cout << cli::safe_help_text() << "\npg_dump-safe " << PDS_VERSION
                  << " (--safe-version prints this version alone; --version prints pg_dump's)\n";
        return c.started ? c.status_for_shell() : 127;
    }
    // Fail closed: pg_dump never runs with a command line whose output arguments could not
    // all be located (pg_dump may accept what the table rejects, and then write -f itself).
    if (!r.parsed.ok)
        return usage_failure(r, r.parsed.error);
    if (!r.parsed.format)
        return usage_failure(r, "invalid output format \"" + r.parsed.format_arg.value_or("") +
                                    "\" specified");
    r.format = *r.parsed.format;
    r.format_known = true;
    try {
        r.tools.pg_restore = exec::find_pg_restore(r.opts.pg_restore, r.tools.pg_dump);
    } catch (const exec::LocateError& e) {
        say(e.what());
        return fail(r, {Reason::Usage, e.exit_status, e.what()});
    }
    r.out = publish::resolve_output(r.parsed, r.format);
    if (!r.out.error.empty()) {
        say("pg_dump-safe: error: " + r.out.error);
        return fail(
            r, {r.out.error_unwritable ? Reason::PublishFailed : Reason::Usage, 1, r.out.error});
    }
    if (r.out.shape == Shape::Passthrough)
        return run_passthrough(r);
    return run_protected(r);
}

} // namespace

} // namespace pds
