// publish → manifest → announce → hooks → durability gate (docs/design.md).
#include "posix/open.hpp"
#include "publish/durable.hpp"
#include "report/failure_line.hpp"
#include "report/hooks.hpp"
#include "run/steps.hpp"
#include "testing/crash_point.hpp"

#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::steps {
namespace {

// The target's directory is not writable (see use_in_place_fallback): copy the verified,
// fsynced dump into the existing FINAL, from offset 0, cut it to the dump's length and fsync.
// Only verified bytes reach FINAL, but this last step is not atomic: a crash during the copy
// leaves FINAL part old, part new (pg_dump, which truncates FINAL first, loses the old dump on
// every failure).
void publish_in_place(const Invocation& inv, const publish::OutputTarget& t) {
    const posix::Fd final_fd =
        posix::try_open(t.final_path.string(), O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
    if (!final_fd)
        throw publish::PublishError("could not open " + t.final_path.string() +
                                    " for writing: " + std::strerror(errno));
    const int fd = final_fd.get();
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

} // namespace

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

} // namespace pds::steps
