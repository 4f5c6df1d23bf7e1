#include "text/text.hpp"

#include <cstdio>

namespace pds::text {
namespace {

void append_hex(std::string& out, unsigned char c) {
    static const char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
}

bool is_c1(std::string_view s, std::size_t i, std::size_t len) {
    return len == 2 && static_cast<unsigned char>(s[i]) == 0xc2 &&
           static_cast<unsigned char>(s[i + 1]) < 0xa0;
}

// The C escapes JSON strings and the FAILED line share: \" \\ \n \r \t. False (nothing
// appended) for any other byte.
bool append_short_escape(std::string& out, unsigned char c) {
    switch (c) {
    case '"':
        out += "\\\"";
        return true;
    case '\\':
        out += "\\\\";
        return true;
    case '\n':
        out += "\\n";
        return true;
    case '\r':
        out += "\\r";
        return true;
    case '\t':
        out += "\\t";
        return true;
    default:
        return false;
    }
}

} // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) -> unsigned {
        return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u;
    };
    const auto cont = [&](std::size_t k) { return byte(k) >= 0x80u && byte(k) <= 0xBFu; };
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

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string utf8_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            append_hex(out, static_cast<unsigned char>(s[i]));
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string json_string(std::string_view s) {
    const std::string t = utf8_text(s);
    std::string out = "\"";
    for (const char ch : t) {
        const auto c = static_cast<unsigned char>(ch);
        if (append_short_escape(out, c))
            continue;
        if (c == '\b') {
            out += "\\b";
        } else if (c == '\f') {
            out += "\\f";
        } else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

std::string ascii_escaped(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (append_short_escape(out, c))
            continue;
        if (c < 0x20 || c >= 0x7f)
            append_hex(out, c);
        else
            out += ch;
    }
    return out;
}

std::string prom_text(std::string_view s) {
    const std::string t = utf8_text(s);
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size();) {
        const auto c = static_cast<unsigned char>(t[i]);
        const std::size_t n = utf8_sequence_length(t, i); // never 0 after utf8_text
        if (is_c1(t, i, n)) {
            append_hex(out, c);
            append_hex(out, static_cast<unsigned char>(t[i + 1]));
        } else if (n == 1 && ((c < 0x20 && c != '\n') || c == 0x7F)) {
            append_hex(out, c);
        } else {
            out.append(t, i, n);
        }
        i += n;
    }
    return out;
}

std::string prom_label(std::string_view s) {
    return backslash_escaped(prom_text(s), "\\\"\n");
}

std::string backslash_escaped(std::string_view s, std::string_view special) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s)
        if (special.find(c) == std::string_view::npos ||
            !append_short_escape(out, static_cast<unsigned char>(c)))
            out += c;
    return out;
}

std::string iso8601_utc(std::time_t t) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string iso8601_utc_ms(std::chrono::system_clock::time_point t) {
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

std::string visible(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = utf8_sequence_length(s, i);
        if (n > 1 && !is_c1(s, i, n)) {
            out.append(s.substr(i, n));
            i += n;
            continue;
        }
        if (n > 1) { // C1 control: escape both bytes
            append_hex(out, c);
            append_hex(out, static_cast<unsigned char>(s[i + 1]));
            i += 2;
            continue;
        }
        if (c == '"' || !append_short_escape(out, c)) { // a quote stays as it is
            if (c < 0x20 || c == 0x7f || n == 0)
                append_hex(out, c);
            else
                out += static_cast<char>(c);
        }
        ++i;
    }
    return out;
}

std::size_t display_width(std::string_view s) {
    std::size_t w = 0;
    for (unsigned char c : s)
        if ((c & 0xc0) != 0x80)
            ++w;
    return w;
}

std::string human_size(std::uint64_t bytes) {
    static const char* units[] = {"B", "K", "M", "G", "T", "P", "E"};
    if (bytes < 1024)
        return std::to_string(bytes) + "B";
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%s", v, units[u]);
    return buf;
}

std::string human_duration(std::int64_t seconds) {
    if (seconds < 0)
        return "-" + human_duration(-seconds);
    const std::int64_t d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60;
    if (d > 0)
        return std::to_string(d) + "d" + std::to_string(h) + "h";
    if (h > 0)
        return std::to_string(h) + "h" + std::to_string(m) + "m";
    if (m > 0)
        return std::to_string(m) + "m" + std::to_string(seconds % 60) + "s";
    return std::to_string(seconds) + "s";
}

std::string local_minutes(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

} // namespace pds::text
