#include "report/failure_line.hpp"

#include "posix/atomic_file.hpp"
#include "report/journal.hpp" // json_string: one strict JSON escaper for every file we write
#include "text/text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::report {

bool stderr_is_journal() {
    const char* v = std::getenv("JOURNAL_STREAM");
    if (v == nullptr || *v == '\0')
        return false;
    unsigned long long dev = 0, ino = 0;
    char tail = 0;
    if (std::sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0)
        return false;
    return static_cast<unsigned long long>(st.st_dev) == dev &&
           static_cast<unsigned long long>(st.st_ino) == ino;
}

std::string quote_value(const std::string& v) {
    bool bare = !v.empty();
    for (unsigned char c : v)
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=')
            bare = false;
    if (bare)
        return v;
    return "\"" + text::ascii_escaped(v) + "\"";
}

std::string format_line(const std::string& word, const Fields& fields) {
    std::string line = "[backup] " + word;
    for (const auto& [k, v] : fields)
        line += " " + k + "=" + quote_value(v);
    return line;
}

std::string write_failure_record(const std::string& partial, const Fields& fields, unsigned mode) {
    const std::string path = partial + ".failure.json";
    const std::string when = text::iso8601_utc(std::time(nullptr));
    std::string doc = "{";
    for (const auto& [k, v] : fields)
        doc += json_string(k) + ":" + json_string(v) + ",";
    doc += "\"time\":" + json_string(when) + "}\n";
    try {
        posix::write_file_atomically(path, doc, static_cast<mode_t>(mode & 0666));
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

} // namespace pds::report
