// Helpers for the file-layer tests: a temporary directory, a foreign user, a watchdog.
#pragma once

#include "support/files.hpp"
#include "support/scratch_dir.hpp"

#include <functional>
#include <string>
#include <sys/types.h>

namespace pds::posix::test {

// A fresh directory /tmp/pds-posix-XXXXXX (mode 0755, so "nobody" can traverse it), removed
// at the end unless the test failed (tests/support's ScratchDir).
struct TempDir : pds::test::ScratchDir {
    TempDir() : ScratchDir("pds-posix") {}
};

uid_t nobody_uid();
gid_t nogroup_gid();

// As before tests/support: "" when the file cannot be opened (a /proc entry of a process
// that is gone, a file a test removed on purpose).
inline std::string read_file(const pds::test::PathArg& p) {
    return pds::test::read_file_or_empty(p);
}
using pds::test::write_file; // tests/support

// Runs fn in a forked child (tests/support's run_forked); returns its exit status, or -1 if
// it was still running after `seconds` (then it is killed): a call that blocks on a FIFO
// must fail the test, not hang it.
int run_with_deadline(const std::function<int()>& fn, int seconds);

} // namespace pds::posix::test
