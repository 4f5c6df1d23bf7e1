#include "report/journal.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::report {
namespace {

std::runtime_error sys_error(const std::string& what, const std::string& path, int err) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(err));
}

std::string number(const std::optional<double>& v) {
    if (!v || !std::isfinite(*v))
        return "null";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, *v, std::chars_format::fixed, 3);
    return std::string(buf, r.ptr);
}

// Closes the descriptor (and so releases the flock) on every path out.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            throw sys_error("could not append to journal", path, errno);
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

} // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
    };
    const auto cont = [&](std::size_t k) { return (byte(k) & 0xC0u) == 0x80u && byte(k) < 0x100u; };
    const unsigned b0 = byte(0);
    if (b0 < 0x80)
        return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        return cont(1) ? 2 : 0;
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80; // no overlong forms
        const unsigned hi = b0 == 0xED ? 0x9F : 0xBF; // no UTF-16 surrogates
        return byte(1) >= lo && byte(1) <= hi && cont(2) ? 3 : 0;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
        const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
        return byte(1) >= lo && byte(1) <= hi && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        const std::size_t len = utf8_sequence_length(s, i);
        if (len > 1) {
            out.append(s.substr(i, len));
            i += len;
            continue;
        }
        ++i;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7F || len == 0) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    const auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    long long frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        --secs;
    }
    std::tm tm{};
    ::gmtime_r(&secs, &tm);
    char buf[40];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03lldZ", frac);
    return buf;
}

std::string journal_line(const JournalRecord& r) {
    using namespace std::chrono;
    const double seconds = duration_cast<duration<double>>(r.end - r.start).count();
    const PhaseTimes& p = r.phases;
    std::string line = "{";
    line += "\"start\":" + json_string(iso8601_utc(r.start));
    line += ",\"end\":" + json_string(iso8601_utc(r.end));
    line += ",\"duration_s\":" + number(seconds);
    line += ",\"status\":" + json_string(r.status);
    line += ",\"reason\":" + json_string(r.reason);
    line += ",\"exit\":" + std::to_string(r.exit_code);
    line += ",\"target\":" + json_string(r.target);
    line += ",\"series\":" + json_string(r.series);
    line += ",\"bytes\":" + std::to_string(r.bytes);
    line += ",\"verify\":" + json_string(r.verify_level);
    line += ",\"pid\":" + std::to_string(static_cast<long long>(::getpid()));
    line += ",\"phases\":{\"dump\":" + number(p.dump) + ",\"verify\":" + number(p.verify) +
            ",\"sync\":" + number(p.sync) + ",\"rename\":" + number(p.rename) +
            ",\"hooks\":" + number(p.hooks) + ",\"retention\":" + number(p.retention) + "}";
    line += ",\"detail\":" + json_string(r.detail);
    return line + "}\n";
}

void append_journal(const boost::filesystem::path& path, const JournalRecord& record) {
    const std::string p = path.string();
    const std::string line = journal_line(record);
    // Read access only serves the check of the last byte; a write-only journal still works.
    const int flags = O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY;
    Fd f{::open(p.c_str(), O_RDWR | flags, 0644)};
    if (f.fd < 0 && errno == EACCES)
        f.fd = ::open(p.c_str(), O_WRONLY | flags, 0644);
    if (f.fd < 0)
        throw sys_error("could not open journal", p, errno);
    while (::flock(f.fd, LOCK_EX) != 0) {
        if (errno != EINTR)
            throw sys_error("could not lock journal", p, errno);
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0)
        throw sys_error("could not stat journal", p, errno);
    if (st.st_size > 0) {
        char last = '\n';
        if (::pread(f.fd, &last, 1, st.st_size - 1) != 1)
            last = '\n'; // not readable: assume the last line is complete
        if (last != '\n')
            write_all(f.fd, "\n", 1, p);
    }
    write_all(f.fd, line.data(), line.size(), p);
    if (::fdatasync(f.fd) != 0 && errno != EINVAL)
        throw sys_error("could not sync journal", p, errno);
}

} // namespace pds::report
