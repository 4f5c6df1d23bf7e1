#include "audit/text.hpp"

#include <cstdio>

namespace pds::audit {
namespace {

void append_hex(std::string& out, unsigned char c, bool double_backslash) {
    static const char digits[] = "0123456789abcdef";
    out += double_backslash ? "\\\\x" : "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
}

bool is_c1(std::string_view s, std::size_t i, std::size_t len) {
    return len == 2 && static_cast<unsigned char>(s[i]) == 0xc2 &&
           static_cast<unsigned char>(s[i + 1]) < 0xa0;
}

} // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    if (c < 0x80)
        return 1;
    std::size_t len;
    unsigned lo = 0x80, hi = 0xbf; // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; // overlong
        if (c == 0xed)
            hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi)
        return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf)
            return 0;
    return len;
}

bool is_valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = utf8_sequence_length(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
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
            append_hex(out, c, false);
            append_hex(out, static_cast<unsigned char>(s[i + 1]), false);
            i += 2;
            continue;
        }
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else if (c < 0x20 || c == 0x7f || n == 0)
            append_hex(out, c, false);
        else
            out += static_cast<char>(c);
        ++i;
    }
    return out;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = utf8_sequence_length(s, i);
        if (n == 0) {
            append_hex(out, c, true);
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(s.substr(i, n));
            i += n;
            continue;
        }
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
        ++i;
    }
    out += '"';
    return out;
}

std::string prom_label(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = utf8_sequence_length(s, i);
        if (n > 1) {
            out.append(s.substr(i, n));
            i += n;
            continue;
        }
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else if (n == 0 || c < 0x20 || c == 0x7f)
            append_hex(out, c, true);
        else
            out += static_cast<char>(c);
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

std::string iso_utc(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string local_minutes(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

} // namespace pds::audit
