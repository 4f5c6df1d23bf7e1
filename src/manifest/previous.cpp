// Finding, reading and writing manifests beside the dumps, through the file layer.
#include "layout/layout.hpp"
#include "manifest/manifest.hpp"
#include "posix/atomic_file.hpp"
#include "posix/fd.hpp"
#include "posix/open.hpp"
#include "series/series.hpp"

#include <boost/filesystem/operations.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::manifest {
namespace {

constexpr std::size_t kMaxManifestBytes = 64 << 20; // a manifest of ~500,000 tables

std::string trimmed(std::string p) {
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p;
}

// Reads a manifest without following a link or blocking on a FIFO planted at its name.
std::optional<Manifest> read_manifest(const std::string& path) {
    try {
        posix::Fd fd = posix::open_nofollow_regular(path, O_RDONLY);
        std::string text;
        char buf[65536];
        for (;;) {
            const ssize_t n = ::read(fd.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > kMaxManifestBytes)
                return std::nullopt;
        }
        return parse(text);
    } catch (const std::exception&) {
        return std::nullopt; // unreadable or not a manifest: not a previous dump we can use
    }
}

} // namespace

std::optional<std::uint64_t> dump_size(const std::string& path) {
    struct stat st {};
    const std::string p = trimmed(path);
    if (::lstat(p.c_str(), &st) != 0)
        return std::nullopt;
    if (S_ISREG(st.st_mode))
        return static_cast<std::uint64_t>(st.st_size);
    if (S_ISDIR(st.st_mode)) {
        const layout::TreeSize t = layout::directory_size(p);
        if (!t.problem.empty())
            return std::nullopt;
        return t.bytes;
    }
    return std::nullopt;
}

std::optional<Previous> find_previous(const std::string& final_path, const std::string& series_glob,
                                      const std::string& database) {
    const fs::path published(trimmed(final_path));
    const std::string name = published.filename().string();
    const fs::path dir = published.has_parent_path() ? published.parent_path() : fs::path(".");
    std::string pattern = series_glob;
    if (pattern.empty()) {
        pattern = series::series_of(name);
        if (pattern == name)
            pattern.clear(); // no stamp: a series of one name
    }
    std::optional<Previous> best, best_same_db;
    boost::system::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string entry = it->path().filename().string();
        const std::string suffix = layout::kManifest;
        if (entry.size() <= suffix.size() || !layout::ends_with(entry, suffix) || entry[0] == '.')
            continue;
        const std::string dump_name = entry.substr(0, entry.size() - suffix.size());
        const bool member =
            dump_name == name || (!pattern.empty() && !layout::is_work_file(dump_name) &&
                                  series::glob_matches(pattern, dump_name));
        if (!member)
            continue;
        const std::string dump =
            published.has_parent_path() ? (dir / dump_name).string() : dump_name;
        const std::string manifest_file = published.has_parent_path() ? it->path().string() : entry;
        std::optional<Manifest> m = read_manifest(manifest_file);
        // A manifest whose dump is gone, or that recorded another size (a crash between the
        // rename of a new dump and the write of its manifest), describes no dump here.
        if (!m)
            continue;
        const std::optional<std::uint64_t> size = dump_size(dump);
        if (!size || *size != m->dump_bytes)
            continue;
        const bool same_db = !database.empty() && m->database == database;
        std::optional<Previous>& slot = same_db ? best_same_db : best;
        if (!slot || m->published > slot->content.published ||
            (m->published == slot->content.published && dump > slot->dump))
            slot = Previous{dump, manifest_file, std::move(*m)};
    }
    return best_same_db ? best_same_db : best;
}

void write_manifest(const std::string& final_path, const Manifest& m, unsigned mode, bool sync) {
    posix::AtomicFile f(manifest_path(final_path), static_cast<mode_t>(mode));
    f.write(to_json(m));
    f.commit(sync);
}

void remove_manifest(const std::string& final_path) {
    const std::string path = manifest_path(final_path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return;
        throw std::runtime_error("could not stat " + path + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error("not removing " + path + ": " + posix::file_type_name(st.st_mode) +
                                 " where a manifest was expected");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw std::runtime_error("could not remove " + path + ": " + std::strerror(errno));
}

} // namespace pds::manifest
