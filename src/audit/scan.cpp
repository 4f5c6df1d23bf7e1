#include "audit/scan.hpp"

#include "layout/layout.hpp"
#include "posix/open.hpp"
#include "series/series.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

namespace fs = boost::filesystem;

namespace pds::audit {
namespace {

bool ends_with(const std::string& s, const char* suffix) {
    std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

FileId id_of(const struct stat& st) {
    FileId id;
    id.dev = static_cast<std::uint64_t>(st.st_dev);
    id.ino = static_cast<std::uint64_t>(st.st_ino);
    id.size = static_cast<std::uint64_t>(st.st_size);
    id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return id;
}

bool has_toc(const std::string& dir) {
    return layout::is_dump_directory(dir);
}

std::string real_path(const std::string& path) {
    char buf[PATH_MAX];
    return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

bool inside(const std::string& path, const std::string& dir) {
    return !dir.empty() &&
           (path == dir || (path.compare(0, dir.size(), dir) == 0 &&
                            (dir == "/" || (path.size() > dir.size() && path[dir.size()] == '/'))));
}

// Total size and newest mtime of a directory dump (pg_dump writes it flat; links inside are
// neither followed nor counted). The directory's own device and inode identify it.
FileId dir_id(const std::string& dir, const struct stat& dst, std::string& problem) {
    FileId id = id_of(dst);
    const layout::TreeSize t = layout::directory_size(dir);
    id.size = t.bytes;
    id.mtime_ns = std::max(id.mtime_ns, t.newest_mtime_ns);
    if (!t.problem.empty())
        problem = t.problem;
    return id;
}

class Walker {
public:
    Walker(RootScan& out, const std::vector<std::string>& patterns)
        : out_(out), patterns_(patterns), real_root_(real_path(out.root)) {}

    void entry(const std::string& path, const std::string& name, std::vector<std::string>& todo) {
        struct stat lst;
        if (::lstat(path.c_str(), &lst) != 0) {
            if (errno != ENOENT) // vanished since listed: nothing to report
                out_.unreadable.push_back({path, std::strerror(errno)});
            return;
        }
        const NameKind kind = classify_name(name, patterns_);
        struct stat st = lst;
        if (S_ISLNK(lst.st_mode)) {
            if (::stat(path.c_str(), &st) != 0) {
                if (kind == NameKind::Final)
                    add_final(path, false, id_of(lst),
                              std::string("dangling symbolic link: ") + std::strerror(errno));
                return;
            }
            const std::string target = real_path(path);
            if (target.empty() || inside(target, real_root_))
                return; // an alias of something the walk finds itself ("*-latest" links)
            if (kind == NameKind::Partial || kind == NameKind::FailureRecord)
                return;
            if (S_ISDIR(st.st_mode)) {
                if (has_toc(path))
                    add_final_dir(path, st, target);
                return;
            }
            if (S_ISREG(st.st_mode) &&
                (kind == NameKind::Final || layout::sniff(target) != layout::Content::NotADump))
                add_final(path, false, id_of(st), "", target);
            return;
        }
        if (S_ISDIR(st.st_mode)) {
            if (layout::is_drill_work_dir(name))
                return; // a restore drill's cluster and logs (running, or left by a killed one)
            if (kind == NameKind::Partial)
                add_partial(path, true, st);
            else if (has_toc(path))
                add_final_dir(path, st);
            else
                todo.push_back(path);
            return;
        }
        if (kind == NameKind::Final) {
            add_final(path, false, id_of(st),
                      S_ISREG(st.st_mode) ? ""
                                          : std::string("not a regular file: ") +
                                                posix::file_type_name(st.st_mode));
        } else if (kind == NameKind::Partial && S_ISREG(st.st_mode)) {
            add_partial(path, false, st);
        } else if (kind == NameKind::Other && S_ISREG(st.st_mode) && !layout::is_work_file(name) &&
                   layout::sniff(path) != layout::Content::NotADump) {
            add_final(path, false, id_of(st), "");
            out_.finals.back().by_content = true;
        }
    }

    void add_final_dir(const std::string& path, const struct stat& st,
                       const std::string& outside = "") {
        std::string problem;
        FileId id = dir_id(path, st, problem);
        add_final(path, true, id, problem, outside);
    }

private:
    RootScan& out_;
    const std::vector<std::string>& patterns_;
    const std::string real_root_;

    void add_final(const std::string& path, bool dir, const FileId& id, std::string problem,
                   const std::string& outside = "") {
        FoundDump d{path, out_.root, dir, id, std::move(problem), outside, false};
        out_.finals.push_back(std::move(d));
    }

    void add_partial(const std::string& path, bool dir, const struct stat& st) {
        FoundPartial p{path, out_.root, dir, id_of(st), ""};
        if (dir) {
            std::string ignored;
            p.id = dir_id(path, st, ignored);
        }
        struct stat rst;
        const std::string record = layout::failure_record_of(path);
        if (::stat(record.c_str(), &rst) == 0 && S_ISREG(rst.st_mode))
            p.record_path = record;
        out_.partials.push_back(std::move(p));
    }
};

} // namespace

NameKind classify_name(const std::string& name, const std::vector<std::string>& patterns) {
    if (ends_with(name, (std::string(layout::kPartial) + layout::kFailureRecord).c_str()))
        return NameKind::FailureRecord;
    if (ends_with(name, layout::kPartial))
        return NameKind::Partial;
    if (layout::is_work_file(name))
        return NameKind::Other;
    for (const char* suffix : {".dump", ".sql", ".sql.gz", ".tar"})
        if (ends_with(name, suffix) && name.size() > std::strlen(suffix))
            return NameKind::Final;
    for (const auto& glob : patterns)
        if (series::glob_matches(glob, name))
            return NameKind::Final;
    return NameKind::Other;
}

std::uint64_t minimum_valid_size(const std::string& name, bool directory) {
    // A tar archive is at least one member header and block plus the 1024-byte end marker.
    // Every other pg_dump output (custom header with its TOC, plain SQL with pg_dump's header
    // and trailer comments, a gzip of that, a directory dump's toc.dat) is well over 64 bytes.
    if (!directory && ends_with(name, ".tar"))
        return 2048;
    return 64;
}

RootScan scan_root(const std::string& root, const std::vector<std::string>& patterns) {
    RootScan out;
    out.root = root;
    struct stat st;
    if (::stat(root.c_str(), &st) != 0)
        throw RootError("cannot read backup root '" + root + "': " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode))
        throw RootError("backup root '" + root + "' is not a directory");
    if (has_toc(root))
        throw RootError("'" + root +
                        "' is a directory dump, not a backup root (use --verify to check it)");

    Walker walker(out, patterns);
    std::vector<std::string> todo{root};
    bool first = true;
    while (!todo.empty()) {
        std::string dir = std::move(todo.back());
        todo.pop_back();
        boost::system::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) {
            if (first)
                throw RootError("cannot read backup root '" + root + "': " + ec.message());
            out.unreadable.push_back({dir, ec.message()});
            continue;
        }
        first = false;
        for (fs::directory_iterator end; !ec && it != end; it.increment(ec))
            walker.entry(it->path().string(), it->path().filename().string(), todo);
        if (ec)
            out.unreadable.push_back({dir, ec.message()});
    }
    auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
    std::sort(out.finals.begin(), out.finals.end(), by_path);
    std::sort(out.partials.begin(), out.partials.end(), by_path);
    std::sort(out.unreadable.begin(), out.unreadable.end(), by_path);
    return out;
}

} // namespace pds::audit
