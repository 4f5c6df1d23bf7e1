#include "verify/verify.hpp"

#include "verify/file_reader.hpp"
#include "verify/formats.hpp"
#include "verify/ordered_tasks.hpp"
#include "verify/tar_header.hpp"

#include <boost/filesystem/operations.hpp>
#include <cerrno>
#include <cstring>
#include <new>

namespace fs = boost::filesystem;

namespace pds::verify {

const char* level_name(Level l) {
    switch (l) {
    case Level::Toc:
        return "toc";
    case Level::Structure:
        return "structure";
    case Level::Full:
        return "full";
    }
    return "unknown";
}

std::optional<Level> parse_level(const std::string& s) {
    for (Level l : {Level::Toc, Level::Structure, Level::Full})
        if (s == level_name(l))
            return l;
    return std::nullopt;
}

const char* archive_format_name(ArchiveFormat f) {
    switch (f) {
    case ArchiveFormat::Unknown:
        return "unknown";
    case ArchiveFormat::Custom:
        return "custom";
    case ArchiveFormat::Tar:
        return "tar";
    case ArchiveFormat::Directory:
        return "directory";
    case ArchiveFormat::Plain:
        return "plain";
    }
    return "unknown";
}

bool measures_data_bytes(ArchiveFormat format, Level level) {
    return level != Level::Toc &&
           (format == ArchiveFormat::Custom || format == ArchiveFormat::Tar ||
            format == ArchiveFormat::Directory);
}

namespace detail {

std::string printable(const std::string& s, std::size_t max_len) {
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= max_len) {
            out += "...";
            break;
        }
        if (c == '\n')
            out += "\\n";
        else if (c == '\\')
            out += "\\\\";
        else if (c < 0x20 || c == 0x7f)
            out += '?';
        else
            out += static_cast<char>(c);
    }
    return out;
}

std::string plural(std::uint64_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void fill_info(ArchiveInfo& info, const Header& h, const Toc* toc) {
    auto first_word = [](const std::string& s) { return printable(s.substr(0, s.find(' ')), 40); };
    info.archive_version = h.version_string();
    info.pg_dump_version = first_word(h.dump_version);
    info.server_version = first_word(h.server_version);
    info.database = printable(h.database, 200);
    info.created = h.created;
    info.compression = codec_name(h.compression);
    if (toc) {
        info.entries = toc->entries;
        info.data_entries = toc->data.size();
    }
}

void check_copy_terminator(const DataEntry& e, const std::string& tail) {
    static const std::string terminator = "\\.\n\n\n";
    if (tail.size() >= terminator.size() &&
        tail.compare(tail.size() - terminator.size(), terminator.size(), terminator) == 0)
        return;
    throw_problem(e.label() +
                  ": data does not end with the COPY terminator \"\\.\" that pg_dump writes "
                  "after the last row (it ends with \"" +
                  printable(tail, 20) + "\"): the data is cut short");
}

namespace {

ArchiveFormat detect(const fs::path& path) {
    File f(path);
    std::uint8_t head[512] = {};
    const std::size_t want =
        f.size() < sizeof head ? static_cast<std::size_t>(f.size()) : sizeof head;
    Reader r(f, 0, want, sizeof head);
    r.read(head, want);
    if (want >= 5 && std::memcmp(head, "PGDMP", 5) == 0)
        return ArchiveFormat::Custom;
    // A tar whose first header is damaged or cut short is still a tar: pg_dump names its
    // first member toc.dat.
    if ((want == 512 && looks_like_tar(head)) ||
        (want >= 8 && std::memcmp(head, "toc.dat", 8) == 0))
        return ArchiveFormat::Tar;
    return ArchiveFormat::Plain;
}

} // namespace
} // namespace detail

ArchiveFormat detect_format(const fs::path& path) {
    try {
        boost::system::error_code ec;
        if (fs::is_directory(path, ec))
            return ArchiveFormat::Directory;
        return detail::detect(path);
    } catch (const detail::Corrupt&) {
        return ArchiveFormat::Unknown;
    }
}

Verdict verify_path(const fs::path& path, Level level, const VerifyOptions& options) {
    Verdict v;
    const unsigned jobs = options.jobs == 0 ? detail::default_jobs() : options.jobs;
    try {
        boost::system::error_code ec;
        const fs::file_status st = fs::status(path, ec);
        if (ec)
            detail::throw_problem("cannot access " + path.string() + ": " + ec.message());
        if (fs::is_directory(st)) {
            detail::verify_directory(path, level, v.info, jobs, options.count_rows);
        } else {
            switch (detail::detect(path)) {
            case ArchiveFormat::Custom:
                detail::verify_custom(path, level, v.info, jobs, options.checked,
                                      options.count_rows);
                break;
            case ArchiveFormat::Tar:
                detail::verify_tar(path, level, v.info, options.count_rows);
                break;
            default:
                detail::verify_plain(path, level, v.info);
                break;
            }
        }
        v.ok = true;
    } catch (const detail::Corrupt& e) {
        v.problem = e.what();
    } catch (const std::bad_alloc&) {
        v.problem = "out of memory while verifying " + path.string();
    }
    v.info.data_bytes_known = v.ok && measures_data_bytes(v.info.format, level);
    if (!v.ok)
        v.info.counts.reset();
    if (!v.info.data_bytes_known)
        v.info.data_bytes = 0;
    return v;
}

} // namespace pds::verify
