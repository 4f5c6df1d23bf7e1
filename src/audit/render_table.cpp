#include "audit/render.hpp"
#include "audit/text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace pds::audit {
namespace {

// Columns are padded to the widest cell; the last column (a path or message, which may hold
// spaces) is never padded. A cell may carry a colour that does not count towards its width.
class Table {
public:
    struct Cell {
        std::string text;
        const char* colour = nullptr;
    };

    explicit Table(bool colour) : colour_(colour) {}
    void row(std::vector<Cell> cells) { rows_.push_back(std::move(cells)); }

    std::string str() const {
        std::vector<std::size_t> width;
        for (const auto& r : rows_)
            for (std::size_t i = 0; i < r.size(); ++i) {
                width.resize(std::max(width.size(), r.size()));
                width[i] = std::max(width[i], display_width(r[i].text));
            }
        std::string out;
        for (const auto& r : rows_) {
            std::string line = "  ";
            for (std::size_t i = 0; i < r.size(); ++i) {
                const bool paint = colour_ && r[i].colour;
                if (paint)
                    line += r[i].colour;
                line += r[i].text;
                if (paint)
                    line += "\033[0m";
                if (i + 1 < r.size())
                    line.append(width[i] - display_width(r[i].text) + 2, ' ');
            }
            while (!line.empty() && line.back() == ' ')
                line.pop_back();
            out += line + "\n";
        }
        return out;
    }

private:
    bool colour_;
    std::vector<std::vector<Cell>> rows_;
};

const char* colour_of(Severity s) {
    return s == Severity::Critical  ? "\033[1;31m"
           : s == Severity::Warning ? "\033[33m"
                                    : "\033[32m";
}

Table::Cell severity_cell(Severity s) {
    return {severity_name(s), colour_of(s)};
}

std::string percent(double p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", p);
    return buf;
}

} // namespace

std::string render_table(const Report& r, const TableStyle& style) {
    std::string out;
    std::size_t crit = 0, warn = 0;
    for (const Finding& f : r.findings)
        (f.severity == Severity::Critical ? crit : warn) += 1;
    {
        std::string head = "pg_dump-safe-audit: ";
        std::string status = severity_name(r.severity);
        for (auto& c : status)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (style.colour)
            status = colour_of(r.severity) + status + "\033[0m";
        out += head + status + " (" + std::to_string(crit) + " critical, " + std::to_string(warn) +
               " warning) at " + local_minutes(r.now) +
               ", verify=" + (r.level ? verify::level_name(*r.level) : "none") + ", " +
               std::to_string(r.finals.size()) + " final dumps (" + std::to_string(r.verified) +
               " read, " + std::to_string(r.from_cache) + " from cache)\n";
    }

    out += "\nROOTS\n";
    Table roots(style.colour);
    roots.row({{"SIZE"}, {"FREE"}, {"FREE%"}, {"NEED"}, {"REQUIRED"}, {"HEADROOM"}, {"ROOT"}});
    for (const RootResult& x : r.roots) {
        const Severity s = x.low_headroom || !x.statvfs_ok ? Severity::Warning : Severity::Ok;
        roots.row({{x.statvfs_ok ? human_size(x.fs_size) : "?"},
                   {x.statvfs_ok ? human_size(x.free_bytes) : "?"},
                   {x.statvfs_ok ? percent(x.free_percent) : "?"},
                   {human_size(x.need)},
                   {human_size(x.required)},
                   {x.low_headroom ? "low"
                    : x.statvfs_ok ? "ok"
                                   : "unknown",
                    colour_of(s)},
                   {visible(x.path)}});
    }
    out += roots.str();

    if (!r.series.empty()) {
        out += "\nSERIES\n";
        Table series(style.colour);
        series.row({{"FINALS"}, {"NEWEST GOOD"}, {"AGE"}, {"STATUS"}, {"SERIES"}});
        for (const SeriesResult& s : r.series) {
            const bool good = s.newest_good.has_value();
            series.row({{std::to_string(s.finals.size())},
                        {good ? local_minutes(r.finals[*s.newest_good].time) : "none"},
                        {good ? human_duration(s.newest_good_age) : "-"},
                        severity_cell(s.severity),
                        {visible(s.dir + "/" + s.name)}});
        }
        out += series.str();
    }

    if (!r.partials.empty()) {
        out += "\nPARTIALS (never restore points)\n";
        Table partials(style.colour);
        partials.row({{"SIZE"}, {"AGE"}, {"STATE"}, {"REASON"}, {"PATH"}});
        for (const PartialResult& p : r.partials) {
            std::string reason = "-";
            if (p.failure)
                reason = p.failure->error.empty() ? p.failure->reason : "unreadable record";
            partials.row({{human_size(p.partial.id.size)},
                          {human_duration(p.age)},
                          {p.stale ? "stale" : "in progress",
                           colour_of(p.stale ? Severity::Warning : Severity::Ok)},
                          {visible(reason.empty() ? "?" : reason)},
                          {visible(p.partial.path)}});
        }
        out += partials.str();
    }

    if (style.verbose && !r.finals.empty()) {
        out += "\nFINAL DUMPS\n";
        Table finals(style.colour);
        finals.row({{"SIZE"}, {"TIME"}, {"FORMAT"}, {"VERDICT"}, {"PATH"}});
        for (const FinalResult& f : r.finals) {
            const Severity s = f.verdict == Verdict::Failed ? Severity::Critical : Severity::Ok;
            finals.row(
                {{human_size(f.dump.id.size)},
                 {local_minutes(f.time)},
                 {verify::archive_format_name(f.info.format)},
                 {verdict_name(f.verdict), colour_of(s)},
                 {visible(f.dump.path) + (f.problem.empty() ? "" : ": " + visible(f.problem))}});
        }
        out += finals.str();
    }

    if (!r.findings.empty()) {
        out += "\nPROBLEMS\n";
        Table problems(style.colour);
        problems.row({{"SEVERITY"}, {"CODE"}, {"WHERE: WHAT"}});
        for (const Finding& f : r.findings)
            problems.row({severity_cell(f.severity),
                          {f.code},
                          {visible(f.path) + ": " + visible(f.message)}});
        out += problems.str();
    }
    return out;
}

} // namespace pds::audit
