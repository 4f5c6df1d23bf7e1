#include "retention/execute.hpp"

#include "layout/layout.hpp"
#include "posix/remove_tree.hpp"

#include <boost/filesystem/operations.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::retention {
namespace {

// Checks that the path still is what was scanned and removes it. Fills r.
void remove_one(PruneResult& r) {
    const Candidate& c = r.dump;
    const std::string path = c.path.string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            r.note = "already gone";
        else
            r.error = "lstat " + path + ": " + std::strerror(errno);
        return;
    }
    const bool same_kind = c.directory ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
    const bool same_file =
        c.inode == 0 ||
        (static_cast<std::uint64_t>(st.st_dev) == c.device &&
         static_cast<std::uint64_t>(st.st_ino) == c.inode && mtime_ns(st) == c.mtime_ns &&
         (c.directory || static_cast<std::uint64_t>(st.st_size) == c.size));
    if (!same_kind || !same_file) {
        r.error = path + " changed since it was scanned (another file now has this name); "
                         "left in place";
        return;
    }
    if (r.dry_run)
        return;
    // The records kept beside the dump (its restore-drill result FINAL.restore-test.json, its
    // manifest) go with it, first: a crash in between leaves a dump without a record (seen as
    // not drilled), never a record that a later dump of the same name could be taken for.
    // They never count as dumps (layout::is_work_file).
    for (const char* suffix : {layout::kRestoreTest, layout::kManifest}) {
        const std::string sidecar = path + suffix;
        if (::unlink(sidecar.c_str()) != 0 && errno != ENOENT) {
            r.error =
                "unlink " + sidecar + ": " + std::strerror(errno) + "; " + path + " left in place";
            return;
        }
    }
    if (!c.directory) {
        if (::unlink(path.c_str()) != 0)
            r.error = "unlink " + path + ": " + std::strerror(errno);
        else
            r.removed = true;
        return;
    }
    // Through directory descriptors only: a subdirectory swapped for a link while we remove
    // the dump stops the removal instead of deleting behind the link (issue 13, finding 1).
    try {
        posix::remove_tree(path);
        r.removed = true;
    } catch (const posix::Error& e) {
        r.error = e.what();
    }
}

} // namespace

PruneSummary execute_plan(const Plan& plan, bool dry_run, const PruneReporter& report) {
    PruneSummary sum;
    if (!plan.enabled || !plan.refused.empty())
        return sum;
    for (const Doomed& d : plan.prune) {
        PruneResult r;
        r.dump = d.dump;
        r.age_seconds = d.age_seconds;
        r.dry_run = dry_run;
        try {
            remove_one(r);
        } catch (const std::exception& e) {
            r.removed = false;
            r.error = "remove " + d.dump.path.string() + ": " + e.what();
        }
        if (!r.error.empty())
            ++sum.failed;
        if (r.removed) {
            ++sum.removed;
            sum.bytes_freed += d.dump.size;
        }
        sum.results.push_back(r);
        if (report)
            report(sum.results.back());
    }
    return sum;
}

RetentionOutcome apply_retention(const RetentionRequest& request, const PruneReporter& report) {
    RetentionOutcome out;
    if (!request.settings.enabled())
        return out;
    // "dump/" for a directory dump names the directory itself.
    std::string spelled = request.published.string();
    while (spelled.size() > 1 && spelled.back() == '/')
        spelled.pop_back();
    const fs::path published(spelled);
    const std::string name = published.filename().string();
    const fs::path dir = published.has_parent_path() ? published.parent_path() : fs::path(".");
    out.filter = request.series_glob.empty() ? SeriesFilter::of_name(name)
                                             : SeriesFilter::from_glob(request.series_glob);
    try {
        out.scan = scan_series(dir, out.filter, request.now);
    } catch (const std::exception& e) {
        out.error = e.what();
        return out;
    }
    PlanInput in;
    in.candidates = out.scan.candidates;
    in.published = name;
    in.settings = request.settings;
    in.verify = request.verify;
    in.now = request.now ? request.now : std::time(nullptr);
    in.database = request.database;
    out.plan = plan_retention(in);
    out.summary = execute_plan(out.plan, request.dry_run, report);
    return out;
}

} // namespace pds::retention
