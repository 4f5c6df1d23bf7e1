#include "posix/lock.hpp"

#include "posix/fd.hpp"

#include <algorithm>
#include <cerrno>
#include <sys/file.h>
#include <thread>

namespace pds::posix {

bool flock_bounded(int fd, int op, std::chrono::milliseconds timeout, const std::string& path) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + timeout;
    std::chrono::milliseconds pause{10};
    for (;;) {
        if (::flock(fd, op | LOCK_NB) == 0)
            return true;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK)
            throw_errno("could not lock", path, errno);
        const auto now = clock::now();
        if (now >= deadline)
            return false;
        std::this_thread::sleep_for(std::min<clock::duration>(pause, deadline - now));
        pause = std::min(pause * 2, std::chrono::milliseconds{200});
    }
}

} // namespace pds::posix
