#include "report/metrics.hpp"

#include "posix/atomic_file.hpp"
#include "posix/lock.hpp"
#include "posix/open.hpp"
#include "text/text.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace pds::report {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
    std::string family;
    Labels labels; // values unescaped, valid UTF-8
    std::string value;
};

struct Family {
    const char* name;
    const char* help;
};
// Rendering order, and the only families kept from a previous file.
const Family kFamilies[] = {
    {"pg_dump_safe_last_run_success",
     "1 if the last run published a verified dump, 0 if it failed."},
    {"pg_dump_safe_last_run_timestamp_seconds", "Unix time the last run ended."},
    {"pg_dump_safe_last_run_duration_seconds", "Wall-clock duration of the last run in seconds."},
    {"pg_dump_safe_last_run_bytes",
     "Bytes of the last run's dump (of the partial when it failed)."},
    {"pg_dump_safe_last_run_verify_info",
     "Verification level of the last run (label level); always 1."},
    {"pg_dump_safe_last_run_content_warning",
     "1 if the last run's content check (label check) warned against the previous dump."},
    {"pg_dump_safe_last_run_table_data_bytes",
     "Table data of the last run's dump as measured for its manifest (COPY text, or as stored)."},
    {"pg_dump_safe_last_success_timestamp_seconds",
     "Unix time of the last run that published a dump; failed runs keep it."},
    {"pg_dump_safe_last_failure_timestamp_seconds",
     "Unix time of the last failed run, its reason as label reason; successful runs keep it."},
};

std::string seconds(double v) {
    if (!std::isfinite(v))
        return "NaN";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 3);
    return std::string(buf, r.ptr);
}

std::string unix_seconds(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    return seconds(duration_cast<duration<double>>(t.time_since_epoch()).count());
}

bool name_char(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

// One sample line of a previous file, or nothing for anything else (comments, garbage).
std::optional<Sample> parse_sample(const std::string& line) {
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i], i == 0))
        ++i;
    if (i == 0)
        return std::nullopt;
    s.family = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            const std::size_t start = i;
            while (i < line.size() && name_char(line[i], i == start))
                ++i;
            if (i == start || line.compare(i, 2, "=\"") != 0)
                return std::nullopt;
            std::string name = line.substr(start, i - start), value;
            for (i += 2; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] == '\\' && i + 1 < line.size()) {
                    ++i;
                    value += line[i] == 'n' ? '\n' : line[i];
                } else {
                    value += line[i];
                }
            }
            if (i >= line.size())
                return std::nullopt;
            s.labels.emplace_back(std::move(name), text::prom_text(value));
            ++i;
            if (i < line.size() && line[i] == ',')
                ++i;
        }
        if (i >= line.size())
            return std::nullopt;
        ++i;
    }
    if (i >= line.size() || line[i] != ' ')
        return std::nullopt;
    while (i < line.size() && line[i] == ' ')
        ++i;
    const std::size_t end = line.find(' ', i);
    s.value = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (s.value.empty())
        return std::nullopt;
    return s;
}

const std::string* label(const Sample& s, const std::string& name) {
    for (const auto& [k, v] : s.labels)
        if (k == name)
            return &v;
    return nullptr;
}

bool known_family(const std::string& name) {
    for (const Family& f : kFamilies)
        if (name == f.name)
            return true;
    return false;
}

} // namespace

std::string escape_label_value(const std::string& value) {
    return text::prom_label(value);
}

std::string render_metrics(const std::string& previous, const RunMetrics& run) {
    const std::string target = text::prom_text(run.target), series = text::prom_text(run.series);
    std::vector<Sample> samples;
    std::optional<Sample> last_success, last_failure;
    std::size_t pos = 0;
    while (pos < previous.size()) {
        std::size_t nl = previous.find('\n', pos);
        if (nl == std::string::npos)
            nl = previous.size();
        auto s = parse_sample(previous.substr(pos, nl - pos));
        pos = nl + 1;
        if (!s || !known_family(s->family))
            continue;
        // A series is one job: dated targets (app-2026-06-17.dump, app-2026-06-18.dump) are
        // the same job's runs, so the new run replaces the samples of every target of its
        // series, and a failed day's samples never outlive the next run.
        const std::string* r = label(*s, "series");
        if (!r || *r != series)
            samples.push_back(std::move(*s));
        else if (s->family == "pg_dump_safe_last_success_timestamp_seconds")
            last_success = std::move(s);
        else if (s->family == "pg_dump_safe_last_failure_timestamp_seconds")
            last_failure = std::move(s);
    }

    const Labels id = {{"target", target}, {"series", series}};
    const auto ours = [&](const char* family, std::string value, Labels extra = {}) {
        Sample s{family, id, std::move(value)};
        s.labels.insert(s.labels.end(), extra.begin(), extra.end());
        samples.push_back(std::move(s));
    };
    const std::string now = unix_seconds(run.end);
    ours("pg_dump_safe_last_run_success", run.success ? "1" : "0");
    ours("pg_dump_safe_last_run_timestamp_seconds", now);
    ours("pg_dump_safe_last_run_duration_seconds", seconds(run.duration_seconds));
    ours("pg_dump_safe_last_run_bytes", std::to_string(run.bytes));
    ours("pg_dump_safe_last_run_verify_info", "1", {{"level", text::prom_text(run.verify_level)}});
    if (run.content_checked)
        for (const char* check : {"shrink", "emptied-tables", "missing-tables"}) {
            bool hit = false;
            for (const std::string& w : run.content_warnings)
                hit = hit || w == check;
            ours("pg_dump_safe_last_run_content_warning", hit ? "1" : "0", {{"check", check}});
        }
    if (run.table_data_bytes)
        ours("pg_dump_safe_last_run_table_data_bytes", std::to_string(*run.table_data_bytes));
    if (run.success)
        ours("pg_dump_safe_last_success_timestamp_seconds", now);
    else if (last_success)
        samples.push_back(std::move(*last_success));
    if (!run.success)
        ours("pg_dump_safe_last_failure_timestamp_seconds", now,
             {{"reason", text::prom_text(run.failure_reason)}});
    else if (last_failure)
        samples.push_back(std::move(*last_failure));

    std::string out;
    for (const Family& f : kFamilies) {
        std::string lines;
        for (const Sample& s : samples) {
            if (s.family != f.name)
                continue;
            lines += s.family + "{";
            for (std::size_t k = 0; k < s.labels.size(); ++k)
                lines += (k ? "," : "") + s.labels[k].first + "=\"" +
                         escape_label_value(s.labels[k].second) + "\"";
            lines += "} " + s.value + "\n";
        }
        if (!lines.empty())
            out += std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name +
                   " gauge\n" + lines;
    }
    return out;
}

void write_metrics(const boost::filesystem::path& file, const RunMetrics& run) {
    const std::string path = file.string();
    const std::string dir = file.has_parent_path() ? file.parent_path().string() : ".";
    const posix::Fd d = posix::open_directory(dir, true);
    // Serialises the read-modify-write of runs of different targets sharing the file. Anyone
    // who can open the directory can hold this lock: wait a bounded time (issue 13, finding 5).
    if (!posix::flock_bounded(d.get(), LOCK_EX, posix::kReportLockTimeout, dir))
        throw std::runtime_error("could not lock metrics directory " + dir + " within " +
                                 std::to_string(posix::kReportLockTimeout.count() / 1000) +
                                 " s: another process holds a lock on it; metrics not updated");

    std::string previous;
    mode_t mode = posix::default_file_mode(); // a new file follows the umask
    try {
        // A link, FIFO or device at the path is refused (never read through, never blocks).
        const posix::Fd f = posix::open_nofollow_regular(path, O_RDONLY);
        struct stat st {};
        if (::fstat(f.get(), &st) == 0 && (st.st_uid == ::geteuid() || st.st_uid == 0))
            mode = st.st_mode & 07777; // an administrator's chmod stays
        previous = posix::read_all(f.get(), path);
    } catch (const posix::Error& e) {
        if (e.code() != ENOENT)
            throw;
    }
    posix::write_file_atomically(path, render_metrics(previous, run), mode);
}

} // namespace pds::report
