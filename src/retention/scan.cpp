#include "retention/scan.hpp"

#include "series/series.hpp"

#include <boost/filesystem/operations.hpp>
#include <boost/system/error_code.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/stat.h>

namespace fs = boost::filesystem;

namespace pds::retention {
namespace {

// The bytes a directory dump occupies: pg_dump -Fd writes a flat directory of files.
std::uint64_t directory_bytes(const fs::path& dir) {
    std::uint64_t total = 0;
    boost::system::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode))
            total += static_cast<std::uint64_t>(st.st_size);
    }
    return total;
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

ScanResult scan_series(const fs::path& dir, const SeriesFilter& filter) {
    ScanResult r;
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
        } else if (S_ISDIR(st.st_mode)) {
            struct stat toc {};
            if (::lstat((path / "toc.dat").c_str(), &toc) != 0 || !S_ISREG(toc.st_mode)) {
                r.skipped.push_back(name + ": directory without toc.dat, not a dump");
                continue;
            }
            c.directory = true;
            c.size = directory_bytes(path);
        } else {
            r.skipped.push_back(name + ": not a regular file or directory");
            continue;
        }
        if (const auto stamp = series::stamp_of(name)) {
            c.time = *stamp;
            c.time_from_name = true;
        } else {
            c.time = st.st_mtime;
        }
        r.candidates.push_back(c);
    }
    if (ec)
        throw std::runtime_error("could not read directory " + dir.string() + ": " + ec.message());
    return r;
}

} // namespace pds::retention
