#include "retention/sweep.hpp"

#include "layout/layout.hpp"
#include "posix/remove_tree.hpp"

#include <algorithm>
#include <boost/filesystem/operations.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::retention {
namespace {

struct Record {
    std::string path;
    std::int64_t mtime_ns = 0;
};

} // namespace

SweepResult sweep_stale_partials(const SweepRequest& req) {
    SweepResult out;
    std::vector<std::string> partials;
    std::vector<Record> records;
    const std::string record_suffix = std::string(layout::kPartial) + layout::kFailureRecord;
    boost::system::error_code ec;
    for (fs::directory_iterator it(req.dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (layout::ends_with(name, record_suffix)) {
            const std::string final_name = name.substr(0, name.size() - record_suffix.size());
            if (final_name != req.published && req.filter.matches(final_name))
                records.push_back({it->path().string(), 0});
            continue;
        }
        const std::string final_name = layout::final_of_partial(name);
        if (!final_name.empty() && final_name != req.published && req.filter.matches(final_name))
            partials.push_back(name);
    }
    if (ec) {
        out.errors.push_back("could not read directory " + req.dir.string() + ": " + ec.message());
        return out;
    }
    std::sort(partials.begin(), partials.end());
    for (const std::string& name : partials) {
        const fs::path path = req.dir / name;
        const fs::path final_path = req.dir / layout::final_of_partial(name);
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0)
            continue; // gone meanwhile
        if (st.st_uid != ::geteuid()) {
            out.skipped.push_back(path.string() + ": owned by another user (uid " +
                                  std::to_string(st.st_uid) + "), left in place");
            continue;
        }
        std::shared_ptr<void> held;
        try {
            held = req.lock ? req.lock(final_path) : nullptr;
        } catch (const std::exception& e) {
            out.skipped.push_back(path.string() + ": " + e.what());
            continue;
        }
        if (!held) {
            out.skipped.push_back(path.string() + ": in use (another run holds its lock)");
            continue;
        }
        const std::uint64_t bytes = S_ISDIR(st.st_mode)
                                        ? layout::directory_size(path.string()).bytes
                                        : static_cast<std::uint64_t>(st.st_size);
        if (req.dry_run) {
            out.removed.push_back(path.string());
            out.bytes += bytes;
            continue;
        }
        try {
            posix::RemoveTreeOptions opt;
            opt.top_must_be_own = true;
            if (posix::remove_tree(path.string(), opt)) {
                out.removed.push_back(path.string());
                out.bytes += bytes;
            }
        } catch (const std::exception& e) {
            out.errors.push_back(e.what());
        }
    }
    // Failure records: the newest keep_records stay (evidence); older ones whose partial is
    // gone are removed.
    for (Record& r : records) {
        struct stat st {};
        if (::lstat(r.path.c_str(), &st) == 0)
            r.mtime_ns =
                static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    }
    std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
        return a.mtime_ns != b.mtime_ns ? a.mtime_ns > b.mtime_ns : a.path > b.path;
    });
    for (std::size_t k = req.keep_records; k < records.size(); ++k) {
        const std::string& path = records[k].path;
        const std::string partial =
            path.substr(0, path.size() - std::strlen(layout::kFailureRecord));
        struct stat st {};
        if (::lstat(partial.c_str(), &st) == 0 && !req.dry_run)
            continue; // its partial stayed (in use, another user's): so does the record
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
            continue;
        if (req.dry_run) {
            out.removed.push_back(path);
            continue;
        }
        if (::unlink(path.c_str()) == 0)
            out.removed.push_back(path);
        else if (errno != ENOENT)
            out.errors.push_back("unlink " + path + ": " + std::strerror(errno));
    }
    return out;
}

} // namespace pds::retention
