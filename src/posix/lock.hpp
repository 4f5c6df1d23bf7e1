// flock(2) with a deadline. Anyone who can open a file can hold a shared flock on it
// forever; a blocking LOCK_EX would then hang every later run. Callers turn a timeout into a
// warning or a refusal, never an endless wait.
#pragma once

#include <chrono>
#include <string>

namespace pds::posix {

// Tries flock(fd, op | LOCK_NB) until it succeeds or `timeout` has passed (polling, 10 ms
// growing to 200 ms; timeout 0 = one try). op is LOCK_EX or LOCK_SH. Returns false on
// timeout; throws Error("could not lock", path, errno) for any other failure.
bool flock_bounded(int fd, int op, std::chrono::milliseconds timeout, const std::string& path);

// How long report files (metrics directory, journal) wait for their lock. Concurrent runs
// hold it for milliseconds; a longer wait means someone holds it on purpose.
inline constexpr std::chrono::milliseconds kReportLockTimeout{10000};

} // namespace pds::posix
