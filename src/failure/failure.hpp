// Why a run failed (the FAILED line's `reason=`) and the exit status that says so.
//
// One table (failure.cpp) keyed by Reason gives each reason its name and where its exit status
// comes from; docs/design.md and README.md ("Exit status") list the same numbers.
#pragma once

#include <string>
#include <utility>

namespace pds {

// pg_dump-safe's exit statuses besides pg_dump's own.
namespace exit_status {
constexpr int kOk = 0;
constexpr int kPgDumpError = 1; // what pg_dump exits with for a command line or output it refuses
constexpr int kUsage = 2;       // a bad --safe-* option, environment variable or config file
constexpr int kVerify = 3;
constexpr int kPublish = 4;
constexpr int kLocked = 5;
constexpr int kHookFailed = 6; // published, but the on-success hook failed (retention skipped)
constexpr int kRetention = 7;  // published, but retention failed
constexpr int kNotDurable = 8; // published, but the directory fsync after the rename failed
constexpr int kInternal = 70;  // a bug (EX_SOFTWARE)
constexpr int kNotExecutable = 126;
constexpr int kNotFound = 127;
constexpr int kSignalBase = 128; // 128 + N: ended by signal N, as a shell reports it
} // namespace exit_status

enum class Reason {
    DiskFull,        // pg_dump: no space, quota, file too large
    Connection,      // pg_dump could not reach or lost the server
    VersionMismatch, // pg_dump refused the server's version
    Signal,          // pg_dump was killed by a signal
    PgDumpExit,      // pg_dump (or the pg_dump that should run) failed otherwise
    EmptyOutput,     // pg_dump exited 0 but wrote nothing
    VerifyFailed,    // pg_restore -l or the native verifier rejected the partial
    PublishFailed,   // lock file, partial, fsync, rename or copy failed
    Locked,          // another run holds the target's lock
    Interrupted,     // pg_dump-safe itself got SIGINT/SIGTERM/SIGHUP
    Usage,           // a command line or output pg_dump would refuse (pg_dump's status)
    WrapperUsage,    // a bad --safe-* option, variable or config file ("usage", status 2)
    Internal,        // a bug caught in main() ("publish-failed", status 70)
};

// Where a reason's exit status comes from.
enum class StatusFrom {
    Table,  // ReasonInfo::status
    PgDump, // pg_dump's own status, as a shell reports it (or what pg_dump gives for the fault)
    Signal, // 128 + the signal that interrupted pg_dump-safe
};

struct ReasonInfo {
    const char* name; // as printed after reason=
    StatusFrom from;
    int status; // the exit status when `from` is Table
};

const ReasonInfo& reason_info(Reason r);
const char* reason_name(Reason r); // "disk-full", ...

// A step's failure: the run stops with the FAILED line, the failure record and hook.
class Failure {
public:
    // The exit status from the table (the reason's `from` must be Table).
    static Failure of(Reason reason, std::string detail);
    // pg_dump-safe stands in for pg_dump (or reports pg_dump's end): pg_dump's status.
    static Failure as_pg_dump(Reason reason, int status, std::string detail);
    // pg_dump-safe was interrupted by `signal`: 128 + signal.
    static Failure interrupted(int signal, std::string detail);

    Reason reason() const { return reason_; }
    int exit_status() const { return exit_status_; }
    const std::string& detail() const { return detail_; }

private:
    Failure(Reason reason, int exit_status, std::string detail)
        : reason_(reason), exit_status_(exit_status), detail_(std::move(detail)) {}
    Reason reason_;
    int exit_status_;
    std::string detail_;
};

} // namespace pds
