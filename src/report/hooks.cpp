#include "report/hooks.hpp"

#include "exec/child.hpp"

namespace pds::report {

HookResult run_hook(const std::string& command, const Fields& env, int stdout_fd) {
    HookResult r;
    if (command.empty())
        return r;
    exec::ChildSpec spec;
    spec.program = "/bin/sh";
    spec.argv = {"sh", "-c", command};
    for (const auto& [k, v] : env)
        spec.env.push_back(k + "=" + v);
    spec.stdout_fd = stdout_fd;
    spec.capture_stderr = false;
    spec.pass_stderr = true;
    exec::ChildResult c = exec::run_child(spec);
    r.ran = c.started;
    r.status = c.started ? c.status_for_shell() : 127;
    return r;
}

} // namespace pds::report
