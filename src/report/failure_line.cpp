#include "report/failure_line.hpp"

#include "report/journal.hpp" // json_string: one strict JSON escaper for every file we write

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <unistd.h>

namespace pds::report {

std::string quote_value(const std::string& v) {
    bool bare = !v.empty();
    for (unsigned char c : v)
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=')
            bare = false;
    if (bare)
        return v;
    std::string out = "\"";
    for (unsigned char c : v) {
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
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                char buf[5];
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

std::string format_line(const std::string& word, const Fields& fields) {
    std::string line = "[backup] " + word;
    for (const auto& [k, v] : fields)
        line += " " + k + "=" + quote_value(v);
    return line;
}

bool write_failure_record(const std::string& partial, const Fields& fields) {
    std::string path = partial + ".failure.json";
    std::string tmp = path + ".tmp";
    char when[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::string doc = "{";
    for (const auto& [k, v] : fields)
        doc += json_string(k) + ":" + json_string(v) + ",";
    doc += "\"time\":" + json_string(when) + "}\n";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return false;
    bool ok = ::write(fd, doc.data(), doc.size()) == static_cast<ssize_t>(doc.size());
    ok = ::close(fd) == 0 && ok;
    ok = ok && ::rename(tmp.c_str(), path.c_str()) == 0;
    if (!ok)
        ::unlink(tmp.c_str());
    return ok;
}

} // namespace pds::report
