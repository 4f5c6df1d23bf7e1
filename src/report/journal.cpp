#include "report/journal.hpp"

#include "posix/lock.hpp"
#include "posix/open.hpp"

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

posix::Error sys_error(const std::string& what, const std::string& path, int err) {
    return posix::Error(what, path, err);
}

std::string number(const std::optional<double>& v) {
    if (!v || !std::isfinite(*v))
        return "null";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, *v, std::chars_format::fixed, 3);
    return std::string(buf, r.ptr);
}

} // namespace

std::string journal_line(const JournalRecord& r) {
    using namespace std::chrono;
    const double seconds = duration_cast<duration<double>>(r.end - r.start).count();
    const PhaseTimes& p = r.phases;
    std::string line = "{";
    line += "\"start\":" + json_string(iso8601_utc_ms(r.start));
    line += ",\"end\":" + json_string(iso8601_utc_ms(r.end));
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
    line += ",\"content\":" + (r.content_json.empty() ? std::string("null") : r.content_json);
    line += ",\"detail\":" + json_string(r.detail);
    return line + "}\n";
}

void append_journal(const boost::filesystem::path& path, const JournalRecord& record) {
    const std::string p = path.string();
    const std::string line = journal_line(record);
    // Read access only serves the check of the last byte; a write-only journal still works.
    // No O_NOFOLLOW/O_NONBLOCK here: open_nofollow_regular adds them (issue 13, findings 4, 5).
    const int flags = O_APPEND | O_CREAT;
    posix::Fd f;
    try {
        f = posix::open_nofollow_regular(p, O_RDWR | flags, 0644);
    } catch (const posix::Error& e) {
        if (e.code() != EACCES)
            throw;
        f = posix::open_nofollow_regular(p, O_WRONLY | flags, 0644);
    }
    if (!posix::flock_bounded(f.get(), LOCK_EX, posix::kReportLockTimeout, p))
        throw std::runtime_error("could not lock journal " + p + " within " +
                                 std::to_string(posix::kReportLockTimeout.count() / 1000) +
                                 " s: another process holds a lock on it; this run's line is "
                                 "not written");
    struct stat st {};
    if (::fstat(f.get(), &st) != 0)
        throw sys_error("could not stat journal", p, errno);
    if (st.st_size > 0) {
        char last = '\n';
        if (::pread(f.get(), &last, 1, st.st_size - 1) != 1)
            last = '\n'; // not readable: assume the last line is complete
        if (last != '\n')
            posix::write_all(f.get(), "\n", p, "could not append to journal");
    }
    posix::write_all(f.get(), line, p, "could not append to journal");
    if (::fdatasync(f.get()) != 0 && errno != EINVAL)
        throw sys_error("could not sync journal", p, errno);
}

} // namespace pds::report
