// Concurrent writers in separate processes, for the tests of files that several runs of
// pg_dump-safe update at once (journal, metrics file).
#pragma once

#include <functional>

namespace pds::test {

// Forks `writers` children; child w runs body(w) and exits 0, or 1 when it throws. REQUIREs
// that every child exited 0.
void run_forked_writers(int writers, const std::function<void(int w)>& body);

} // namespace pds::test
