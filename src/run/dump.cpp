// dump: the child pg_dump (docs/design.md).
#include "exec/classify.hpp"
#include "publish/durable.hpp"
#include "run/steps.hpp"
#include "testing/crash_point.hpp"

#include <cstdlib>
#include <cstring>

namespace pds::steps {

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

// dump: pg_dump with its output arguments pointed at the partial. With the dump on our
// stdout, pg_dump's own stdout must not reach that file.
[[nodiscard]] Step dump(const Invocation& inv, const Output& out, report::PhaseTimes& phases,
                        Verified& verified) {
    const std::vector<std::string> argv =
        cli::rewrite_file_args(inv.parsed, out.target.partial.string());
    exec::ChildResult c;
    {
        PhaseTimer t(phases.dump);
        testing::crash_point("dump-started", out.target.partial.string());
        // Writeback of what pg_dump has written starts while it writes; not for a partial
        // that is only copied and deleted, and never with --no-sync (then only the
        // open and close that spares pg_dump's close() a writeback of the whole file).
        std::optional<publish::WritebackStarter> writeback;
        // PG_DUMP_SAFE_BENCH_NO_WRITEBACK: bench/overhead.sh's A/B switch, nothing else.
        if (!publish::copies_into_existing(out.target.shape) &&
            !std::getenv("PG_DUMP_SAFE_BENCH_NO_WRITEBACK"))
            writeback.emplace(out.target.partial, 8ULL << 20, inv.sync());
        // At `full`, a custom archive's data is decompressed as pg_dump appends it, on the
        // core pg_dump leaves idle; verify_partial reuses what was proved.
        if (inv.opts.verify_follow && inv.opts.verify == verify::Level::Full &&
            inv.format() == cli::Format::Custom)
            verified.follower = std::make_unique<verify::Follower>(out.target.partial);
        c = run_pg_dump(inv.tools, argv, out.on_stdout() ? 2 : -1);
    }
    if (!pg_dump_succeeded(c)) {
        verified.follower.reset();
        return pg_dump_failure(c);
    }
    testing::crash_point("after-dump", out.target.partial.string());
    return std::nullopt;
}

} // namespace pds::steps
