// retention: the sweep of stale partials and the keep rules, after publication (docs/design.md).
#include "publish/partial.hpp"
#include "report/failure_line.hpp"
#include "retention/sweep.hpp"
#include "run/steps.hpp"
#include "series/series.hpp"
#include "testing/crash_point.hpp"

#include <boost/filesystem/path.hpp>
#include <unistd.h>

namespace pds::steps {
namespace {

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

} // namespace

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

} // namespace pds::steps
