#include "report/hooks.hpp"

#include "exec/child.hpp"

#include <iostream>

namespace pds::report {

HookResult run_hook(const std::string& name, const std::string& command, const Fields& env,
                    int stdout_fd, unsigned timeout_seconds) {
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
    spec.own_process_group = true;
    spec.timeout_seconds = timeout_seconds;
    const bool interrupted_before = exec::interrupted_by() != 0;
    exec::ChildResult c = exec::run_child(spec);
    r.ran = c.started;
    r.status = c.started ? c.status_for_shell() : 127;
    if (c.timed_out) {
        r.timed_out = true;
        r.status = 124;
        std::cerr << "pg_dump-safe: the " << name << " hook did not finish within "
                  << timeout_seconds << " s (--safe-hook-timeout); its process group was killed\n";
    }
    // A signal during the hook was forwarded to its group; end as that signal, like a shell
    // (a signal before the hook is the run's failure reason, reported as before).
    if (const int sig = exec::interrupted_by(); sig != 0 && !interrupted_before)
        exec::die_by_signal(sig);
    return r;
}

} // namespace pds::report
