#include "audit/text.hpp"

#include <cstdio>

namespace pds::audit {
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

} // namespace

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
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else if (c < 0x20 || c == 0x7f || n == 0)
            append_hex(out, c);
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

std::string local_minutes(std::time_t t) {
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

} // namespace pds::audit
