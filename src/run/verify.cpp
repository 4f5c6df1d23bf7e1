// verify → check content (docs/design.md).
#include "exec/classify.hpp"
#include "posix/open.hpp"
#include "run/steps.hpp"
#include "testing/crash_point.hpp"

#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <sys/mman.h>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace pds::steps {
namespace {

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
    posix::Fd out(::memfd_create("pg_restore-l", MFD_CLOEXEC));
    if (!out)
        out = posix::try_open("/dev/null", O_WRONLY);
    spec.stdout_fd = out.get();
    spec.pass_stderr = false;
    const exec::ChildResult c = exec::run_child(spec);
    if (out)
        listing = manifest::read_from_start(out.get());
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

} // namespace

// Runs fn on a thread of its own, or here if the system refuses a thread; join() (or the
// destructor, when an exception leaves the caller) waits for it.
class Concurrent {
public:
    template <class Fn> explicit Concurrent(Fn fn) {
        try {
            thread_ = std::thread(fn);
        } catch (const std::system_error&) {
            fn();
        }
    }
    ~Concurrent() { join(); }
    Concurrent(const Concurrent&) = delete;
    Concurrent& operator=(const Concurrent&) = delete;
    void join() {
        if (thread_.joinable())
            thread_.join();
    }

private:
    std::thread thread_;
};

// verify: non-empty, pg_restore -l, then the native verifier proves the rest of the archive
// is there (at --safe-verify's level). pg_restore -l runs while the native verifier reads
// the partial (both only read it); a pg_restore -l failure is reported first, as when they
// ran one after the other.
[[nodiscard]] Step verify_partial(const Invocation& inv, const Output& out,
                                  report::PhaseTimes& phases, Verified& verified) {
    const boost::filesystem::path& partial = out.target.partial;
    // Ends with this step, whatever its outcome (the follower's thread with it).
    const std::unique_ptr<verify::Follower> follower = std::move(verified.follower);
    {
        PhaseTimer t(phases.verify);
        if (publish::partial_bytes(partial) == 0)
            return Failure::of(Reason::EmptyOutput, "pg_dump exited 0 but wrote no data");
        Step listed;
        std::optional<Concurrent> lister;
        if (inv.format() != cli::Format::Plain)
            lister.emplace(
                [&] { listed = list_with_pg_restore(inv.tools, partial, verified.toc_listing); });
        verify::VerifyOptions options;
        options.jobs = inv.opts.verify_jobs;
        // The content manifest's rows, counted as `full` decompresses the data (no second
        // pass through pg_restore --data-only in check_content).
        options.count_rows =
            inv.opts.manifest && has_manifest(out) && inv.opts.verify == verify::Level::Full;
        const verify::Verdict v = follower ? follower->verify(inv.opts.verify, options)
                                           : verify::verify_path(partial, inv.opts.verify, options);
        if (lister)
            lister->join();
        if (listed)
            return listed;
        testing::crash_point("mid-verify", partial.string());
        if (exec::interrupted_by())
            return interrupted_during_verification();
        if (!v.ok)
            return Failure::of(Reason::VerifyFailed, v.problem);
        verified.info = v.info;
    }
    testing::crash_point("after-verify", partial.string());
    return std::nullopt;
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

} // namespace pds::steps
