#include "layout/layout.hpp"

#include "posix/open.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

namespace pds::layout {
namespace {

bool starts_with(const std::string& s, const char* prefix) {
    return s.compare(0, std::strlen(prefix), prefix) == 0;
}

// pg_dump's and pg_dumpall's first lines (plain format).
bool plain_header(const std::string& head) {
    return starts_with(head, "--\n-- PostgreSQL database dump") ||
           starts_with(head, "--\n-- PostgreSQL database cluster dump");
}

std::string inflate_head(const std::string& gz) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return {};
    std::string out(512, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = static_cast<uInt>(gz.size());
    z.next_out = reinterpret_cast<Bytef*>(&out[0]);
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    const std::size_t n = out.size() - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return {};
    out.resize(n);
    return out;
}

} // namespace

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_drill_work_dir(const std::string& name) {
    return starts_with(name, kDrillClusterPrefix) || starts_with(name, kDrillLogsPrefix) ||
           starts_with(name, kDrillSocketPrefix);
}

std::string partial_of(const std::string& final_path) {
    return final_path + kPartial;
}
std::string lock_of(const std::string& final_path) {
    return final_path + kLock;
}
std::string failure_record_of(const std::string& partial) {
    return partial + kFailureRecord;
}
std::string final_of_partial(const std::string& partial_name) {
    const std::string suffix = kPartial;
    if (partial_name.size() <= suffix.size() || !ends_with(partial_name, suffix))
        return {};
    return partial_name.substr(0, partial_name.size() - suffix.size());
}

bool is_work_file(const std::string& name) {
    return name.empty() || name[0] == '.' || ends_with(name, kPartial) ||
           name.find(std::string(kPartial) + ".") != std::string::npos || ends_with(name, kLock) ||
           ends_with(name, kFailureRecord) || ends_with(name, kManifest) ||
           ends_with(name, kRestoreTest) || ends_with(name, kTemp);
}

bool is_dump_directory(const std::string& dir) {
    struct stat st;
    return ::lstat((dir + "/toc.dat").c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

TreeSize directory_size(const std::string& dir) {
    TreeSize t;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        t.problem = "cannot read directory dump '" + dir + "': " + std::strerror(errno);
        return t;
    }
    errno = 0;
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..")
            continue;
        struct stat st;
        const std::string path = dir + "/" + name;
        if (::lstat(path.c_str(), &st) != 0) {
            if (errno != ENOENT)
                t.problem = "cannot stat '" + path + "': " + std::strerror(errno);
            errno = 0;
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        t.bytes += static_cast<std::uint64_t>(st.st_size);
        const std::int64_t m =
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        if (m > t.newest_mtime_ns)
            t.newest_mtime_ns = m;
        errno = 0;
    }
    if (errno != 0)
        t.problem = "cannot read directory dump '" + dir + "': " + std::strerror(errno);
    ::closedir(d);
    return t;
}

Content sniff(const std::string& path) {
    const posix::Fd fd = posix::try_open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
    if (!fd)
        return Content::NotADump;
    struct stat st;
    std::string head(4096, '\0');
    ssize_t n = -1;
    if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode))
        n = ::read(fd.get(), &head[0], head.size());
    if (n <= 0)
        return Content::NotADump;
    head.resize(static_cast<std::size_t>(n));
    if (starts_with(head, "PGDMP"))
        return Content::Custom;
    if (head.size() >= 512 && head.compare(257, 5, "ustar") == 0 &&
        head.compare(0, 8, std::string("toc.dat\0", 8)) == 0)
        return Content::Tar;
    if (plain_header(head))
        return Content::Plain;
    if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
        static_cast<unsigned char>(head[1]) == 0x8b && plain_header(inflate_head(head)))
        return Content::GzipPlain;
    return Content::NotADump;
}

const char* content_name(Content c) {
    switch (c) {
    case Content::Custom:
        return "custom";
    case Content::Tar:
        return "tar";
    case Content::Plain:
        return "plain";
    case Content::GzipPlain:
        return "plain (gzip)";
    case Content::NotADump:
        break;
    }
    return "not a dump";
}

} // namespace pds::layout
