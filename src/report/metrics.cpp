#include "report/metrics.hpp"

#include "report/journal.hpp"

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
    {"pg_dump_safe_last_success_timestamp_seconds",
     "Unix time of the last run that published a dump; failed runs keep it."},
    {"pg_dump_safe_last_failure_timestamp_seconds",
     "Unix time of the last failed run, its reason as label reason; successful runs keep it."},
};

std::string valid_utf8(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++i;
        } else {
            out.append(s, i, len);
            i += len;
        }
    }
    return out;
}

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
            s.labels.emplace_back(std::move(name), valid_utf8(value));
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

std::runtime_error sys_error(const std::string& what, const std::string& path, int err) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(err));
}

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

} // namespace

std::string escape_label_value(const std::string& value) {
    std::string out;
    for (char c : valid_utf8(value)) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render_metrics(const std::string& previous, const RunMetrics& run) {
    const std::string target = valid_utf8(run.target), series = valid_utf8(run.series);
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
    ours("pg_dump_safe_last_run_verify_info", "1", {{"level", valid_utf8(run.verify_level)}});
    if (run.success)
        ours("pg_dump_safe_last_success_timestamp_seconds", now);
    else if (last_success)
        samples.push_back(std::move(*last_success));
    if (!run.success)
        ours("pg_dump_safe_last_failure_timestamp_seconds", now,
             {{"reason", valid_utf8(run.failure_reason)}});
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
    Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0)
        throw sys_error("could not open metrics directory", dir, errno);
    // Serialises the read-modify-write of runs of different targets sharing the file.
    while (::flock(d.fd, LOCK_EX) != 0)
        if (errno != EINTR)
            throw sys_error("could not lock metrics directory", dir, errno);

    std::string previous;
    mode_t mode = 0644;
    {
        Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
        if (f.fd < 0 && errno != ENOENT)
            throw sys_error("could not read metrics file", path, errno);
        if (f.fd >= 0) {
            struct stat st {};
            if (::fstat(f.fd, &st) == 0)
                mode = st.st_mode & 07777;
            char buf[65536];
            for (;;) {
                const ssize_t n = ::read(f.fd, buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n < 0)
                    throw sys_error("could not read metrics file", path, errno);
                if (n == 0)
                    break;
                previous.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    const std::string content = render_metrics(previous, run);

    const std::string tmp =
        dir + "/." + file.filename().string() + "." + std::to_string(::getpid()) + ".tmp";
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
    Fd t{::open(tmp.c_str(), flags, 0600)};
    if (t.fd < 0 && errno == EEXIST && ::unlink(tmp.c_str()) == 0) // left by a crashed run
        t.fd = ::open(tmp.c_str(), flags, 0600);
    if (t.fd < 0)
        throw sys_error("could not create metrics file", tmp, errno);
    const auto fail = [&](const std::string& what, const std::string& p) {
        const int err = errno;
        ::unlink(tmp.c_str());
        return sys_error(what, p, err);
    };
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t w = ::write(t.fd, content.data() + done, content.size() - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            throw fail("could not write metrics file", tmp);
        done += static_cast<std::size_t>(w);
    }
    if (::fchmod(t.fd, mode) != 0)
        throw fail("could not chmod metrics file", tmp);
    if (::fsync(t.fd) != 0)
        throw fail("could not fsync metrics file", tmp);
    const int fd = t.fd;
    t.fd = -1;
    if (::close(fd) != 0)
        throw fail("could not close metrics file", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        throw fail("could not rename " + tmp + " to", path);
    if (::fsync(d.fd) != 0)
        throw sys_error("could not fsync metrics directory", dir, errno);
}

} // namespace pds::report
