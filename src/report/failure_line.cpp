#include "report/failure_line.hpp"

#include "report/journal.hpp" // json_string: one strict JSON escaper for every file we write

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
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

std::string write_failure_record(const std::string& partial, const Fields& fields, unsigned mode) {
    const std::string path = partial + ".failure.json";
    std::string tmp = path + ".XXXXXX";
    char when[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::string doc = "{";
    for (const auto& [k, v] : fields)
        doc += json_string(k) + ":" + json_string(v) + ",";
    doc += "\"time\":" + json_string(when) + "}\n";
    auto err = [](const std::string& what, const std::string& p, int e) {
        return what + " " + p + ": " + std::strerror(e);
    };
    int fd = ::mkostemp(tmp.data(), O_CLOEXEC); // O_CREAT|O_EXCL, mode 0600
    if (fd < 0)
        return err("could not create", tmp, errno);
    std::string problem;
    if (::fchmod(fd, static_cast<mode_t>(mode & 0666)) != 0)
        problem = err("could not set the mode of", tmp, errno);
    for (std::size_t done = 0; problem.empty() && done < doc.size();) {
        ssize_t n = ::write(fd, doc.data() + done, doc.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            problem = err("could not write", tmp, n < 0 ? errno : ENOSPC);
        else
            done += static_cast<std::size_t>(n);
    }
    if (problem.empty() && ::fsync(fd) != 0)
        problem = err("could not fsync", tmp, errno);
    if (::close(fd) != 0 && problem.empty())
        problem = err("could not close", tmp, errno);
    if (problem.empty() && ::rename(tmp.c_str(), path.c_str()) != 0)
        problem = err("could not rename " + tmp + " to", path, errno);
    if (!problem.empty()) {
        ::unlink(tmp.c_str());
        return problem;
    }
    std::string dir = path.substr(
        0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (::fsync(dfd) != 0)
            problem = err("could not fsync the directory of", path, errno);
        ::close(dfd);
    }
    return problem;
}

} // namespace pds::report
