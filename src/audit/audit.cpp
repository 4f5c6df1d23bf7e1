#include "audit/audit.hpp"

#include "audit/cache.hpp"
#include "audit/json_reader.hpp"
#include "audit/text.hpp"
#include "layout/layout.hpp"
#include "layout/rotation.hpp"
#include "posix/open.hpp"
#include "series/series.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <regex>
#include <sstream>
#include <sys/statvfs.h>
#include <unistd.h>

namespace pds::audit {
namespace {

std::string filename_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string parent_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

class SeriesNamer {
public:
    explicit SeriesNamer(const std::optional<std::string>& re) {
        if (re)
            re_.emplace(*re);
    }
    std::string operator()(const std::string& name) const {
        std::smatch m;
        if (re_ && std::regex_search(name, m, *re_))
            return m.size() > 1 && m[1].matched ? m[1].str() : m[0].str();
        return series::series_of(name);
    }

private:
    std::optional<std::regex> re_;
};

// Opening proves readability with the caller's credentials and a precise errno text, which
// a verdict from the verifier might word differently. O_NONBLOCK: never hang on a FIFO.
std::string open_problem(const FoundDump& d) {
    const std::string file = d.directory ? d.path + "/toc.dat" : d.path;
    if (!posix::try_open(file, O_RDONLY | O_NONBLOCK))
        return "cannot open '" + file + "': " + std::strerror(errno);
    return "";
}

void check_final(FinalResult& f, const Options& o, VerifyCache* cache, Report& r) {
    const FoundDump& d = f.dump;
    const std::uint64_t min = minimum_valid_size(filename_of(d.path), d.directory);
    if (!d.problem.empty()) {
        f.verdict = Verdict::Failed;
        f.problem = d.problem;
        return;
    }
    if (d.id.size == 0) {
        f.zero_byte = true;
        f.verdict = Verdict::Failed;
        f.problem =
            d.directory ? "empty directory dump (0 bytes of files)" : "empty file (0 bytes)";
        return;
    }
    if (d.id.size < min) {
        f.tiny = true;
        f.verdict = Verdict::Failed;
        f.problem = "only " + std::to_string(d.id.size) +
                    " bytes: smaller than any valid pg_dump output (" + std::to_string(min) +
                    " bytes)";
        return;
    }
    if (!o.level) {
        f.verdict = Verdict::Unverified;
        return;
    }
    if (cache) {
        if (auto v = cache->lookup(d.path, d.id, *o.level)) {
            f.cached = true;
            ++r.from_cache;
            f.verdict = v->ok ? Verdict::Ok : Verdict::Failed;
            f.problem = v->problem;
            f.info = v->info;
            return;
        }
    }
    if (std::string p = open_problem(d); !p.empty()) {
        f.verdict = Verdict::Failed;
        f.problem = p;
        return;
    }
    verify::Verdict v = verify::verify_path(d.path, *o.level);
    ++r.verified;
    f.verdict = v.ok ? Verdict::Ok : Verdict::Failed;
    f.problem = v.ok ? "" : (v.problem.empty() ? "verification failed" : v.problem);
    f.info = v.info;
    if (cache)
        cache->store(d.path, d.id, *o.level, v);
}

void add(Report& r, Severity s, std::string code, std::string path, std::string message) {
    r.findings.push_back({s, std::move(code), std::move(path), std::move(message)});
    r.severity = std::max(r.severity, s);
}

void build_series(Report& r, const Options& o) {
    std::map<std::pair<std::string, std::string>, SeriesResult> by_key;
    for (std::size_t i = 0; i < r.finals.size(); ++i) {
        const FinalResult& f = r.finals[i];
        if (!f.dump.outside_root.empty())
            continue; // reported as outside-root, never a restore point of this root
        SeriesResult& s = by_key[{f.dir, f.series}];
        s.root = f.dump.root;
        s.dir = f.dir;
        s.name = f.series;
        s.finals.push_back(i);
    }
    for (auto& [key, s] : by_key) {
        std::sort(s.finals.begin(), s.finals.end(), [&](std::size_t a, std::size_t b) {
            const FinalResult &x = r.finals[a], &y = r.finals[b];
            if (x.time != y.time)
                return x.time > y.time;
            if (x.dump.id.mtime_ns != y.dump.id.mtime_ns)
                return x.dump.id.mtime_ns > y.dump.id.mtime_ns;
            return x.dump.path > y.dump.path;
        });
        const std::string label = s.dir + "/" + s.name;
        const FinalResult& newest = r.finals[s.finals.front()];
        s.newest_unrestorable = newest.verdict == Verdict::Failed;
        for (std::size_t i : s.finals)
            if (r.finals[i].verdict != Verdict::Failed) {
                s.newest_good = i;
                s.newest_good_age = static_cast<std::int64_t>(r.now - r.finals[i].time);
                break;
            }
        const std::size_t before = r.findings.size();
        if (s.newest_unrestorable)
            add(r, Severity::Critical, "newest-unrestorable", newest.dump.path,
                "newest final dump of series " + label + " is not restorable: " + newest.problem);
        if (!s.newest_good)
            add(r, Severity::Critical, "no-restore-point", label,
                "series has no good restore point (" + std::to_string(s.finals.size()) +
                    " final dumps, none good)");
        else if (o.max_age && s.newest_good_age > *o.max_age) {
            s.too_old = true;
            add(r, Severity::Critical, "too-old", r.finals[*s.newest_good].dump.path,
                "newest good restore point of series " + label + " is " +
                    human_duration(s.newest_good_age) + " old (--max-age " +
                    human_duration(*o.max_age) + ")");
        }
        for (std::size_t k = before; k < r.findings.size(); ++k)
            s.severity = std::max(s.severity, r.findings[k].severity);
        r.series.push_back(std::move(s));
    }
}

void measure_root(RootResult& root, const Report& r, const Options& o) {
    struct statvfs vfs;
    if (::statvfs(root.path.c_str(), &vfs) == 0) {
        root.statvfs_ok = true;
        root.fs_size = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
        // f_bavail, not f_bfree: pg_dump rarely runs as root.
        root.free_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        root.free_percent =
            root.fs_size ? 100.0 * static_cast<double>(root.free_bytes) / root.fs_size : 0;
    } else {
        root.statvfs_error = std::strerror(errno);
    }
    // The next run writes one dump per series: the need is the sum over the series of each
    // one's largest recent dump (a hard link in several rotation folders is one series).
    for (const SeriesResult& s : r.series) {
        if (s.root != root.path)
            continue;
        std::size_t n = 0;
        std::uint64_t largest = 0;
        for (std::size_t i : s.finals) {
            const FinalResult& f = r.finals[i];
            if (f.zero_byte || f.tiny)
                continue;
            largest = std::max(largest, f.dump.id.size);
            if (++n == o.recent)
                break;
        }
        root.need += largest;
    }
    if (o.min_free_bytes)
        root.required = *o.min_free_bytes;
    else if (o.min_free_percent)
        root.required = static_cast<std::uint64_t>(
            std::ceil(static_cast<double>(root.fs_size) * *o.min_free_percent / 100.0));
    else
        root.required =
            static_cast<std::uint64_t>(std::ceil(static_cast<double>(root.need) * o.margin));
    root.low_headroom = root.statvfs_ok && root.free_bytes < root.required;
}

// Why a root may hold no dumps: a directory dump that lost its toc.dat, given as a root.
std::string root_hint(const std::string& root) {
    boost::system::error_code ec;
    std::size_t data_files = 0;
    for (boost::filesystem::directory_iterator it(root, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string n = it->path().filename().string();
        const std::size_t dot = n.find(".dat");
        if (dot != std::string::npos && dot > 0 &&
            std::all_of(n.begin(), n.begin() + static_cast<std::ptrdiff_t>(dot),
                        [](char c) { return c >= '0' && c <= '9'; }))
            ++data_files;
    }
    return data_files ? ": it holds " + std::to_string(data_files) +
                            " data files of a directory dump but no toc.dat (a directory dump "
                            "without its table of contents cannot be restored)"
                      : std::string(": is the volume mounted and the backup job running?");
}

} // namespace

const char* severity_name(Severity s) {
    return s == Severity::Critical ? "critical" : s == Severity::Warning ? "warning" : "ok";
}

const char* verdict_name(Verdict v) {
    return v == Verdict::Ok ? "ok" : v == Verdict::Failed ? "failed" : "unverified";
}

FailureRecord read_failure_record(const std::string& path) {
    FailureRecord rec;
    // Never through a link, never blocking on a FIFO planted at the record's name.
    std::string text;
    try {
        text = posix::read_regular_file(path, 1 << 20);
    } catch (const posix::Error& e) {
        rec.error = e.what();
        return rec;
    }
    if (text.size() > 64 * 1024)
        text.resize(64 * 1024);
    try {
        JsonValue v = parse_json(text);
        auto field = [&](const char* key) {
            const JsonValue* m = v.type == JsonValue::Type::Object ? v.find(key) : nullptr;
            return m ? m->scalar_text() : std::string();
        };
        if (v.type != JsonValue::Type::Object)
            throw JsonError("not a JSON object");
        rec.reason = field("reason");
        rec.exit = field("exit");
        rec.bytes = field("bytes");
        rec.format = field("format");
        rec.detail = field("detail");
        rec.time = field("time");
        rec.target = field("target");
    } catch (const JsonError& e) {
        rec.error = "cannot parse '" + path + "': " + e.what();
    }
    return rec;
}

Report run_audit(const Options& o, std::vector<std::string>& notes) {
    Report r;
    r.now = o.now ? *o.now : std::time(nullptr);
    r.level = o.level;
    r.max_age = o.max_age ? *o.max_age : -1;

    std::vector<RootScan> scans;
    for (const auto& root : o.operands)
        scans.push_back(scan_root(root, o.patterns));

    std::optional<VerifyCache> cache;
    std::string cache_file = o.cache_file.empty() ? default_cache_file() : o.cache_file;
    if (o.use_cache && o.level && !cache_file.empty()) {
        cache.emplace();
        std::string warning;
        cache->load(cache_file, warning);
        if (!warning.empty())
            notes.push_back(warning);
    }

    const SeriesNamer namer(o.series_regex);
    // Hard links (docker-postgres-backup-local links one dump into last/, daily/, weekly/ and
    // monthly/) are verified once.
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::size_t> seen_inode;
    for (const RootScan& scan : scans) {
        for (const FoundDump& d : scan.finals) {
            FinalResult f;
            f.dump = d;
            const std::string name = filename_of(d.path);
            const std::string parent = parent_of(d.path);
            std::string rel = parent.size() > scan.root.size() &&
                                      parent.compare(0, scan.root.size(), scan.root) == 0
                                  ? parent.substr(scan.root.size())
                                  : std::string();
            const std::string key = layout::group_key(rel, namer(name));
            const auto slash = key.rfind('/');
            std::string root_dir = scan.root;
            while (root_dir.size() > 1 && root_dir.back() == '/')
                root_dir.pop_back();
            if (slash == std::string::npos) {
                f.dir = rel.empty() ? parent : root_dir;
                f.series = key;
            } else {
                f.dir = root_dir + (root_dir == "/" ? "" : "/") + key.substr(0, slash);
                f.series = key.substr(slash + 1);
            }
            const layout::DumpTime t = layout::dump_time(name, d.id.mtime(), r.now);
            f.time = t.time;
            f.time_source = t.source == layout::TimeSource::Name        ? "name"
                            : t.source == layout::TimeSource::NameMtime ? "name+mtime"
                            : t.source == layout::TimeSource::Future    ? "future-name"
                                                                        : "mtime";
            if (t.source == layout::TimeSource::Future)
                f.future_stamp = t.stamp;
            const auto inode = std::make_pair(d.id.dev, d.id.ino);
            const auto twin =
                d.directory || !d.problem.empty() ? seen_inode.end() : seen_inode.find(inode);
            if (twin != seen_inode.end() && r.finals[twin->second].dump.id.size == d.id.size &&
                r.finals[twin->second].dump.id.mtime_ns == d.id.mtime_ns) {
                const FinalResult& first = r.finals[twin->second];
                f.verdict = first.verdict;
                f.problem = first.problem;
                f.info = first.info;
                f.zero_byte = first.zero_byte;
                f.tiny = first.tiny;
                f.same_file_as = first.dump.path;
            } else {
                check_final(f, o, cache ? &*cache : nullptr, r);
                if (!d.directory && d.problem.empty())
                    seen_inode.emplace(inode, r.finals.size());
            }
            r.finals.push_back(std::move(f));
        }
        for (const FoundPartial& p : scan.partials) {
            PartialResult pr;
            pr.partial = p;
            pr.age = static_cast<std::int64_t>(r.now - p.id.mtime());
            if (!p.record_path.empty())
                pr.failure = read_failure_record(p.record_path);
            pr.stale = pr.failure.has_value() || pr.age > o.stale_partial;
            r.partials.push_back(std::move(pr));
        }
        r.unreadable.insert(r.unreadable.end(), scan.unreadable.begin(), scan.unreadable.end());
    }

    if (cache) {
        cache->forget_unseen_under(o.operands);
        if (cache->dirty()) {
            try {
                cache->save(cache_file);
            } catch (const std::exception& e) {
                notes.push_back(e.what());
            }
        }
    }

    for (const FinalResult& f : r.finals) {
        if (!f.same_file_as.empty())
            continue; // reported once, under its first name
        if (f.zero_byte)
            add(r, Severity::Critical, "zero-byte", f.dump.path, f.problem);
        else if (f.tiny)
            add(r, Severity::Critical, "tiny", f.dump.path, f.problem);
        if (f.time_source == "future-name")
            add(r, Severity::Warning, "future-stamp", f.dump.path,
                "the name's time stamp is " + human_duration(f.future_stamp - r.now) +
                    " in the future: not believed, the file's mtime is used");
        if (!f.dump.outside_root.empty())
            add(r, Severity::Warning, "outside-root", f.dump.path,
                "symbolic link to a dump outside the root (" + f.dump.outside_root +
                    "): not counted as a restore point of this root");
    }
    build_series(r, o);
    for (PartialResult& p : r.partials) {
        // A failed run's leftovers whose series has published a good dump since are history.
        if (!p.stale)
            continue;
        const std::string name = layout::final_of_partial(filename_of(p.partial.path));
        const std::string parent = parent_of(p.partial.path);
        for (const SeriesResult& s : r.series) {
            if (!s.newest_good || s.root != p.partial.root)
                continue;
            const FinalResult& g = r.finals[*s.newest_good];
            if (parent_of(g.dump.path) == parent && g.time > p.partial.id.mtime() &&
                namer(name) == namer(filename_of(g.dump.path)))
                p.history = true;
        }
    }
    for (const SeriesResult& s : r.series)
        for (std::size_t k = 1; k < s.finals.size(); ++k) {
            const FinalResult& f = r.finals[s.finals[k]];
            if (f.verdict == Verdict::Failed && !f.zero_byte && !f.tiny && f.same_file_as.empty())
                add(r, Severity::Warning, "verify-failed", f.dump.path, f.problem);
        }
    for (const PartialResult& p : r.partials) {
        if (!p.stale || p.history)
            continue;
        std::string why =
            p.failure ? (p.failure->error.empty() ? "failed: reason=" + p.failure->reason
                                                  : p.failure->error)
                      : "abandoned: no failure record, unchanged for " + human_duration(p.age);
        add(r, Severity::Warning, "stale-partial", p.partial.path, why);
    }
    for (const Unreadable& u : r.unreadable)
        add(r, Severity::Warning, "unreadable", u.path, "cannot read: " + u.error);

    for (const auto& root : o.operands) {
        RootResult rr;
        rr.path = root;
        measure_root(rr, r, o);
        for (const FinalResult& f : r.finals)
            if (f.dump.root == root) {
                ++rr.finals;
                rr.zero_byte += f.zero_byte;
                rr.tiny += f.tiny;
                rr.verify_failures += f.verdict == Verdict::Failed;
            }
        for (const PartialResult& p : r.partials)
            if (p.partial.root == root) {
                ++rr.partials;
                rr.stale_partials += p.stale && !p.history;
            }
        for (const Unreadable& u : r.unreadable)
            rr.unreadable += u.path.compare(0, root.size(), root) == 0;
        for (const SeriesResult& s : r.series)
            rr.series += s.root == root;
        if (rr.finals == 0 && rr.stale_partials > 0)
            // Runs were made here and every one failed or was abandoned: this database has
            // never had a good dump, whatever --max-age says (a first run still in progress
            // is not stale and stays the warning below).
            add(r, Severity::Critical, "never-good", root,
                "no final dump and " + std::to_string(rr.stale_partials) +
                    " failed or abandoned run(s): no good dump was ever made here" +
                    root_hint(root));
        else if (rr.finals == 0)
            add(r, o.max_age ? Severity::Critical : Severity::Warning, "no-dumps", root,
                "no final dump in this root" + root_hint(root) +
                    (o.max_age ? "" : " (critical with --max-age)"));
        else if (rr.series < o.expect_series)
            add(r, Severity::Critical, "missing-series", root,
                std::to_string(rr.series) + " series, " + std::to_string(o.expect_series) +
                    " expected (--expect-series)");
        if (!rr.statvfs_ok)
            add(r, Severity::Warning, "headroom-unknown", root,
                "cannot measure free space: " + rr.statvfs_error);
        else if (rr.low_headroom)
            add(r, Severity::Warning, "low-headroom", root,
                human_size(rr.free_bytes) + " free, " + human_size(rr.required) +
                    " required (estimated next dump " + human_size(rr.need) + ")");
        r.roots.push_back(std::move(rr));
    }
    return r;
}

} // namespace pds::audit
