// Crash points: named steps of a run where a test build can make pg_dump-safe die at once
// (SIGKILL to itself), to prove that a crash at any step leaves the final name holding either
// the previous dump or the new, complete one.
//
// The release program never installs a handler, so crash_point() does nothing there and no
// environment variable can make it crash. Only pg_dump-safe-crashtest (built with the tests,
// never installed) installs one: see tests/crash/crashtest_main.cpp.
#pragma once

#include <string>

namespace pds::testing {

// Called at each named step with the path being worked on (the partial, or "").
using CrashHandler = void (*)(const char* point, const std::string& path);

void set_crash_handler(CrashHandler handler);

// The points, in run order: after-partial, dump-started (the handler may arm a "mid-dump"
// crash from here), after-dump, mid-verify (pg_restore -l done, native verifier not yet),
// after-verify, after-fsync, after-rename (before the directory fsync), after-append,
// before-success-hook, before-retention, before-failure-hook.
void crash_point(const char* point, const std::string& path = "");

} // namespace pds::testing
