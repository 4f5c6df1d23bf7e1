#include "retention/scan.hpp"

#include "layout/layout.hpp"
#include "layout/rotation.hpp"
#include "series/series.hpp"

#include <boost/filesystem/operations.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <sys/stat.h>
#include <utility>

namespace fs = boost::filesystem;

namespace pds::retention {
namespace {

// Symbolic links in `dir` and in its sibling folders (a tool's last/ daily/ weekly/
// rotation, "*-latest" links): which (device, inode) each points to.
std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> link_targets(const fs::path& dir) {
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> out;
    auto look = [&](const fs::path& d) {
        boost::system::error_code ec;
        for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
            struct stat lst {
            }, st{};
            if (::lstat(it->path().c_str(), &lst) != 0 || !S_ISLNK(lst.st_mode) ||
                ::stat(it->path().c_str(), &st) != 0)
                continue;
            out.emplace(std::make_pair(static_cast<std::uint64_t>(st.st_dev),
                                       static_cast<std::uint64_t>(st.st_ino)),
                        "symbolic link " + it->path().string() + " points to it");
        }
    };
    look(dir);
    const fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path("..");
    boost::system::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        struct stat lst {};
        if (::lstat(it->path().c_str(), &lst) == 0 && S_ISDIR(lst.st_mode) &&
            it->path().filename() != dir.filename())
            look(it->path());
    }
    return out;
}

} // namespace

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

SeriesFilter SeriesFilter::of_name(const std::string& filename) {
    SeriesFilter f;
    f.pattern_ = series::series_of(filename);
    f.stamped_ = series::find_stamp(filename).has_value();
    return f;
}

SeriesFilter SeriesFilter::from_glob(const std::string& glob) {
    SeriesFilter f;
    f.pattern_ = glob;
    f.glob_ = true;
    return f;
}

bool SeriesFilter::matches(const std::string& filename) const {
    if (glob_)
        return series::glob_matches(pattern_, filename);
    if (!stamped_)
        return filename == pattern_;
    return series::find_stamp(filename) && series::series_of(filename) == pattern_;
}

ScanResult scan_series(const fs::path& dir, const SeriesFilter& filter, std::time_t now) {
    ScanResult r;
    const auto linked = link_targets(dir);
    boost::system::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (is_work_file(name) || !filter.matches(name))
            continue;
        const fs::path path = dir / name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) {
            // Vanished since readdir (another run pruning): not a dump any more.
            if (errno != ENOENT)
                r.skipped.push_back(name + ": lstat " + path.string() + ": " +
                                    std::strerror(errno));
            continue;
        }
        Candidate c;
        c.name = name;
        c.path = path;
        c.device = static_cast<std::uint64_t>(st.st_dev);
        c.inode = static_cast<std::uint64_t>(st.st_ino);
        c.mtime_ns = mtime_ns(st);
        if (S_ISLNK(st.st_mode)) {
            r.skipped.push_back(name + ": symbolic link, never followed");
            continue;
        } else if (S_ISREG(st.st_mode)) {
            c.size = static_cast<std::uint64_t>(st.st_size);
            if (st.st_nlink > 1)
                c.held_by = std::to_string(st.st_nlink) + " hard links (another name still "
                                                          "refers to this dump)";
        } else if (S_ISDIR(st.st_mode)) {
            if (!layout::is_dump_directory(path.string())) {
                r.skipped.push_back(name + ": directory without toc.dat, not a dump");
                continue;
            }
            c.directory = true;
            c.size = layout::directory_size(path.string()).bytes;
        } else {
            r.skipped.push_back(name + ": not a regular file or directory");
            continue;
        }
        const auto link = linked.find({c.device, c.inode});
        if (link != linked.end())
            c.held_by += (c.held_by.empty() ? "" : "; ") + link->second;
        const layout::DumpTime t =
            layout::dump_time(name, st.st_mtime, now ? now : std::time(nullptr));
        c.time = t.time;
        c.time_from_name =
            t.source == layout::TimeSource::Name || t.source == layout::TimeSource::NameMtime;
        c.future = t.source == layout::TimeSource::Future;
        r.candidates.push_back(c);
    }
    if (ec)
        throw std::runtime_error("could not read directory " + dir.string() + ": " + ec.message());
    return r;
}

} // namespace pds::retention
