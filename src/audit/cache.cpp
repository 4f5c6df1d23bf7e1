#include "audit/cache.hpp"

#include "audit/atomic_file.hpp"
#include "posix/open.hpp"
#include "text/text.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace pds::audit {
namespace {

const char* const kHeader = "pg_dump-safe-audit verify cache 1";

// Fields are tab-separated; a field's tab, newline and backslash are escaped.
std::string escape_field(const std::string& s) {
    return text::backslash_escaped(s, "\\\t\n");
}

std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> fields(1);
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (c == '\t') {
            fields.emplace_back();
        } else if (c == '\\' && i + 1 < line.size()) {
            char e = line[++i];
            fields.back() += e == 't' ? '\t' : e == 'n' ? '\n' : e;
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

int rank(verify::Level l) {
    return static_cast<int>(l);
}

bool under(const std::string& path, const std::string& root) {
    std::string r = root;
    while (r.size() > 1 && r.back() == '/')
        r.pop_back();
    return path.size() > r.size() && path.compare(0, r.size(), r) == 0 &&
           (path[r.size()] == '/' || r == "/");
}

constexpr std::size_t kFields = 19;
// Far above any real cache (a line per dump, ~200 bytes).
constexpr std::size_t kMaxCacheBytes = std::size_t{256} << 20;

} // namespace

void VerifyCache::load(const std::string& file, std::string& warning) {
    // Through the posix layer: no blocking open (a FIFO planted at the cache path hung the
    // audit), a regular file only; a link is followed (an administrator may link the cache).
    std::string text;
    try {
        posix::OpenRules rules;
        rules.follow_link = true;
        text = posix::read_regular_file(file, kMaxCacheBytes, rules);
    } catch (const posix::Error& e) {
        if (e.code() != ENOENT)
            warning = std::string("cannot read cache: ") + e.what();
        return;
    }
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || line != kHeader) {
        warning = "ignoring cache '" + file + "': not a pg_dump-safe-audit cache of this version";
        dirty_ = true;
        return;
    }
    while (std::getline(in, line)) {
        auto f = split_fields(line);
        if (f.size() != kFields)
            continue;
        try {
            Entry e;
            e.id.dev = std::stoull(f[1]);
            e.id.ino = std::stoull(f[2]);
            e.id.size = std::stoull(f[3]);
            e.id.mtime_ns = std::stoll(f[4]);
            auto level = verify::parse_level(f[5]);
            if (!level)
                continue;
            e.level = *level;
            e.verdict.ok = f[6] == "1";
            auto& i = e.verdict.info;
            i.format = static_cast<verify::ArchiveFormat>(std::stoi(f[7]));
            i.archive_version = f[8];
            i.pg_dump_version = f[9];
            i.server_version = f[10];
            i.database = f[11];
            i.created = f[12];
            i.compression = f[13];
            i.entries = std::stoull(f[14]);
            i.data_entries = std::stoull(f[15]);
            i.data_bytes = std::stoull(f[16]);
            i.file_bytes = std::stoull(f[17]);
            // Not stored: whether data_bytes was measured follows from the verdict.
            i.data_bytes_known = e.verdict.ok && verify::measures_data_bytes(i.format, e.level);
            if (!i.data_bytes_known)
                i.data_bytes = 0;
            e.verdict.problem = f[18];
            entries_[f[0]] = std::move(e);
        } catch (const std::exception&) {
            dirty_ = true; // a damaged line: rewrite the cache without it
        }
    }
}

std::optional<verify::Verdict> VerifyCache::lookup(const std::string& path, const FileId& id,
                                                   verify::Level level) const {
    auto it = entries_.find(path);
    if (it == entries_.end())
        return std::nullopt;
    const Entry& e = it->second;
    if (e.id.dev != id.dev || e.id.ino != id.ino || e.id.size != id.size ||
        e.id.mtime_ns != id.mtime_ns)
        return std::nullopt;
    e.seen = true;
    const bool answers = e.level == level || (e.verdict.ok && rank(e.level) > rank(level)) ||
                         (!e.verdict.ok && rank(e.level) < rank(level));
    if (!answers)
        return std::nullopt;
    return e.verdict;
}

void VerifyCache::store(const std::string& path, const FileId& id, verify::Level level,
                        const verify::Verdict& v) {
    Entry& e = entries_[path];
    e.id = id;
    e.level = level;
    e.verdict = v;
    e.seen = true;
    dirty_ = true;
}

void VerifyCache::forget_unseen_under(const std::vector<std::string>& roots) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        bool drop = false;
        if (!it->second.seen)
            for (const auto& r : roots)
                drop = drop || under(it->first, r);
        if (drop) {
            it = entries_.erase(it);
            dirty_ = true;
        } else {
            ++it;
        }
    }
}

void VerifyCache::save(const std::string& file) const {
    std::ostringstream out;
    out << kHeader << '\n';
    for (const auto& [path, e] : entries_) {
        const auto& i = e.verdict.info;
        out << escape_field(path) << '\t' << e.id.dev << '\t' << e.id.ino << '\t' << e.id.size
            << '\t' << e.id.mtime_ns << '\t' << verify::level_name(e.level) << '\t'
            << (e.verdict.ok ? 1 : 0) << '\t' << static_cast<int>(i.format) << '\t'
            << escape_field(i.archive_version) << '\t' << escape_field(i.pg_dump_version) << '\t'
            << escape_field(i.server_version) << '\t' << escape_field(i.database) << '\t'
            << escape_field(i.created) << '\t' << escape_field(i.compression) << '\t' << i.entries
            << '\t' << i.data_entries << '\t' << i.data_bytes << '\t' << i.file_bytes << '\t'
            << escape_field(e.verdict.problem) << '\n';
    }
    const boost::filesystem::path parent = boost::filesystem::path(file).parent_path();
    if (!parent.empty()) {
        boost::system::error_code ec;
        boost::filesystem::create_directories(parent, ec);
        if (ec)
            throw std::runtime_error("cannot create cache directory '" + parent.string() +
                                     "': " + ec.message());
    }
    write_file_atomically(file, out.str());
}

} // namespace pds::audit
