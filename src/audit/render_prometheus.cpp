// node_exporter textfile-collector format (Prometheus text exposition format 0.0.4).
#include "audit/render.hpp"
#include "audit/text.hpp"

#include <cstdio>
#include <functional>

namespace pds::audit {
namespace {

const char* const kPrefix = "pg_dump_safe_audit_";

class Exposition {
public:
    using Labels = std::vector<std::pair<const char*, std::string>>;

    void family(const char* name, const char* help, const char* type = "gauge") {
        out_ += "# HELP ";
        out_ += kPrefix;
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += kPrefix;
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    void sample(const char* name, const Labels& labels, double value) {
        out_ += kPrefix;
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i)
                    out_ += ',';
                out_ += labels[i].first;
                out_ += "=\"";
                out_ += prom_label(labels[i].second);
                out_ += '"';
            }
            out_ += '}';
        }
        char buf[40];
        std::snprintf(buf, sizeof buf, " %.17g\n", value);
        out_ += buf;
    }

    const std::string& str() const { return out_; }

private:
    std::string out_;
};

double num(std::uint64_t v) {
    return static_cast<double>(v);
}

} // namespace

std::string render_prometheus(const Report& r) {
    Exposition e;
    e.family("status", "Overall result of the audit: 0 ok, 1 warning, 2 critical.");
    e.sample("status", {}, r.exit_status());
    e.family("last_run_timestamp_seconds", "When the audit ran (Unix time).");
    e.sample("last_run_timestamp_seconds", {}, static_cast<double>(r.now));
    e.family("verified_files", "Final dumps read by the verifier in this run (not from cache).");
    e.sample("verified_files", {}, num(r.verified));

    using Getter = std::function<double(const RootResult&)>;
    struct RootMetric {
        const char* name;
        const char* help;
        Getter get;
        bool needs_statvfs;
    };
    const RootMetric root_metrics[] = {
        {"root_size_bytes", "Size of the filesystem holding the backup root.",
         [](const RootResult& x) { return num(x.fs_size); }, true},
        {"root_free_bytes", "Bytes available to unprivileged users on the root's filesystem.",
         [](const RootResult& x) { return num(x.free_bytes); }, true},
        {"root_need_bytes",
         "Estimated size of the next run: per series the largest recent final dump, summed.",
         [](const RootResult& x) { return num(x.need); }, false},
        {"root_required_free_bytes", "Free bytes the root must keep (--min-free or the need).",
         [](const RootResult& x) { return num(x.required); }, false},
        {"root_low_headroom", "1 when free bytes are below the required free bytes.",
         [](const RootResult& x) { return x.low_headroom ? 1.0 : 0.0; }, false},
        {"finals", "Final (published) dumps found under the root.",
         [](const RootResult& x) { return num(x.finals); }, false},
        {"partials", "Partial dumps (*.partial) under the root; never restore points.",
         [](const RootResult& x) { return num(x.partials); }, false},
        {"stale_partials", "Partials left by failed or abandoned runs.",
         [](const RootResult& x) { return num(x.stale_partials); }, false},
        {"zero_byte_finals", "Final dumps of zero bytes.",
         [](const RootResult& x) { return num(x.zero_byte); }, false},
        {"tiny_finals", "Final dumps smaller than any valid pg_dump output.",
         [](const RootResult& x) { return num(x.tiny); }, false},
        {"verify_failures", "Final dumps that are not restorable (verification failed).",
         [](const RootResult& x) { return num(x.verify_failures); }, false},
        {"unreadable", "Directories under the root that could not be read.",
         [](const RootResult& x) { return num(x.unreadable); }, false},
    };
    for (const RootMetric& m : root_metrics) {
        e.family(m.name, m.help);
        for (const RootResult& root : r.roots)
            if (root.statvfs_ok || !m.needs_statvfs)
                e.sample(m.name, {{"root", root.path}}, m.get(root));
    }

    auto labels = [](const SeriesResult& s) -> Exposition::Labels {
        return {{"root", s.root}, {"dir", s.dir}, {"series", s.name}};
    };
    e.family("series_newest_good_timestamp_seconds",
             "Time of the newest good restore point of the series (Unix time).");
    for (const SeriesResult& s : r.series)
        if (s.newest_good)
            e.sample("series_newest_good_timestamp_seconds", labels(s),
                     static_cast<double>(r.finals[*s.newest_good].time));
    e.family("series_newest_good_age_seconds", "Age of the newest good restore point.");
    for (const SeriesResult& s : r.series)
        if (s.newest_good)
            e.sample("series_newest_good_age_seconds", labels(s),
                     static_cast<double>(s.newest_good_age));
    e.family("series_newest_restorable", "1 when the newest final dump of the series is good.");
    for (const SeriesResult& s : r.series)
        e.sample("series_newest_restorable", labels(s), s.newest_unrestorable ? 0.0 : 1.0);
    e.family("series_finals", "Final dumps in the series.");
    for (const SeriesResult& s : r.series)
        e.sample("series_finals", labels(s), num(s.finals.size()));
    e.family("series_status", "Result for the series: 0 ok, 1 warning, 2 critical.");
    for (const SeriesResult& s : r.series)
        e.sample("series_status", labels(s), static_cast<double>(s.severity));
    return e.str();
}

} // namespace pds::audit
