// Why a run failed: the `reason=` of the FAILED line.
#pragma once

#include <string>

namespace pds::exec {

enum class Reason {
    DiskFull,
    Connection,
    VersionMismatch,
    Signal,
    PgDumpExit,
    EmptyOutput,
    VerifyFailed,
    PublishFailed,
    Locked,
    Interrupted,
    Usage,
};

const char* reason_name(Reason r); // "disk-full", ...

// Classify a failed pg_dump from its exit (exit code or terminating signal) and its stderr.
// `interrupted` is the signal pg_dump-safe itself received (0 if none): that wins.
Reason classify_pg_dump_failure(bool exited, int exit_code, int term_signal,
                                const std::string& stderr_text, int interrupted);

// The most telling line of pg_dump's stderr, for the FAILED line's detail= field.
std::string key_error_line(const std::string& stderr_text);

} // namespace pds::exec
