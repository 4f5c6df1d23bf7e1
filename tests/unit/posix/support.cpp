#include "support.hpp"

#include "support/process.hpp"

#include <grp.h>
#include <pwd.h>
#include <stdexcept>

namespace pds::posix::test {

uid_t nobody_uid() {
    const passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr)
        throw std::runtime_error("no user 'nobody' on this machine");
    return pw->pw_uid;
}

gid_t nogroup_gid() {
    const group* gr = ::getgrnam("nogroup");
    if (gr == nullptr)
        throw std::runtime_error("no group 'nogroup' on this machine");
    return gr->gr_gid;
}

int run_with_deadline(const std::function<int()>& fn, int seconds) {
    pds::test::RunOptions o;
    o.timeout_seconds = seconds;
    const pds::test::RunResult r = pds::test::run_forked(fn, o);
    if (!r.error.empty())
        throw std::runtime_error(r.error);
    return r.timed_out ? -1 : r.status;
}

} // namespace pds::posix::test
