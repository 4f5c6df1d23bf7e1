// One run as a flat pipeline (docs/design.md, "Data flow of one run"):
//   parse → locate → check command line → locate pg_restore → resolve output → lock/partial →
//   dump → verify → check content → publish → manifest → announce → hooks → durability gate →
//   retention → record
// run() is the list, one call per step; the steps and the state they pass are in steps.hpp,
// one file per part of the list (invocation, output, dump, verify, publish, retention,
// report_failure).
#include "exec/child.hpp"
#include "run/run.hpp"
#include "run/steps.hpp"

#include <cstdlib>

namespace pds {
namespace {

using namespace steps;

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
        if (Step f = dump(inv, r.out, rep.phases, r.verified))
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
