// resolve output → lock/partial (docs/design.md).
#include "run/steps.hpp"
#include "testing/crash_point.hpp"

#include <boost/filesystem/path.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::steps {
namespace {

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
    t.partial = publish::tmpdir_partial();
    if (t.shape == Shape::StdoutFile)
        t.shape = Shape::StdoutAppend; // stdout is FINAL at offset 0: write through it
    out.in_place = true;
    return true;
}

} // namespace

// The final name as the reports give it.
std::string target_name(const Invocation& inv, const Output& out) {
    if (!out.target.final_path.empty())
        return out.target.final_path.string();
    if (inv.parsed.file && !inv.parsed.file->empty())
        return *inv.parsed.file;
    return "-";
}

// A dump published under a name of its own (-f FILE, -Fd) gets a content manifest beside it;
// not standard output (a later command may append to the same file) nor an append.
bool has_manifest(const Output& out) {
    const Shape s = out.target.shape;
    return (s == Shape::File || s == Shape::Directory || s == Shape::DirectoryInside) &&
           !out.target.final_path.empty();
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

} // namespace pds::steps
