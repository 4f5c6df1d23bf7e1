// The one failure path of a run (docs/design.md).
#include "publish/durable.hpp"
#include "report/failure_line.hpp"
#include "report/hooks.hpp"
#include "run/steps.hpp"
#include "testing/crash_point.hpp"

#include <boost/filesystem/operations.hpp>

namespace pds::steps {
namespace {

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

} // namespace

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

} // namespace pds::steps
