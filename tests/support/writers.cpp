#include "support/writers.hpp"

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace pds::test {

void run_forked_writers(int writers, const std::function<void(int w)>& body) {
    std::vector<pid_t> pids;
    for (int w = 0; w < writers; ++w) {
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int rc = 0;
            try {
                body(w);
            } catch (...) {
                rc = 1;
            }
            ::_exit(rc);
        }
        pids.push_back(pid);
    }
    for (pid_t pid : pids) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        REQUIRE(WEXITSTATUS(status) == 0);
    }
}

} // namespace pds::test
