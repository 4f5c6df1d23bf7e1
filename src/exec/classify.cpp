#include "exec/classify.hpp"

#include <array>
#include <utility>

namespace pds::exec {
namespace {

bool has(const std::string& s, const char* needle) {
    return s.find(needle) != std::string::npos;
}

} // namespace

Reason classify_pg_dump_failure(bool exited, int /*exit_code*/, int term_signal,
                                const std::string& err, int interrupted) {
    if (interrupted != 0)
        return Reason::Interrupted;
    if (!exited && term_signal != 0)
        return Reason::Signal;
    // Order matters: a disk-full error may be followed by connection noise, and a version
    // mismatch is reported before any connection is used.
    if (has(err, "No space left on device") || has(err, "Disk quota exceeded") ||
        has(err, "File too large"))
        return Reason::DiskFull;
    if (has(err, "server version mismatch"))
        return Reason::VersionMismatch;
    static const std::array<const char*, 13> connection = {"could not connect",
                                                           "connection to server",
                                                           "server closed the connection",
                                                           "terminating connection",
                                                           "Connection refused",
                                                           "could not translate host name",
                                                           "SSL SYSCALL error",
                                                           "connection not open",
                                                           "no connection to the server",
                                                           "FATAL:",
                                                           "password authentication failed",
                                                           "timeout expired",
                                                           "could not receive data from server"};
    for (const char* c : connection)
        if (has(err, c))
            return Reason::Connection;
    static const std::array<const char*, 9> usage = {"Try \"pg_dump --help\"",
                                                     "too many command-line arguments",
                                                     "invalid output format",
                                                     "invalid option",
                                                     "unrecognized option",
                                                     "requires an argument",
                                                     "is ambiguous",
                                                     "doesn't allow an argument",
                                                     "options -"};
    for (const char* u : usage)
        if (has(err, u))
            return Reason::Usage;
    return Reason::PgDumpExit;
}

std::string key_error_line(const std::string& err) {
    // The first "error:" line is the cause; later ones are usually consequences.
    size_t start = 0;
    std::string fallback;
    while (start < err.size()) {
        size_t end = err.find('\n', start);
        if (end == std::string::npos)
            end = err.size();
        std::string line = err.substr(start, end - start);
        if (line.find("error:") != std::string::npos || line.find("FATAL:") != std::string::npos)
            return line.size() > 400 ? line.substr(0, 400) : line;
        if (!line.empty())
            fallback = line;
        start = end + 1;
    }
    return fallback.size() > 400 ? fallback.substr(0, 400) : fallback;
}

} // namespace pds::exec
