#include "main/entry.hpp"

#include "exec/child.hpp"
#include "failure/failure.hpp"
#include "report/run_report.hpp"
#include "run/run.hpp"

#include <exception>
#include <iostream>

namespace pds {

int main_entry(int argc, char** argv) {
    try {
        int status = run(std::vector<std::string>(argv + 1, argv + argc));
        int sig = exec::interrupted_by();
        if (sig != 0 && status == exit_status::kSignalBase + sig)
            exec::die_by_signal(sig); // like a shell: the caller sees the real signal
        return status;
    } catch (const std::exception& e) {
        // Reaching this is a bug: say so plainly; the final name was never touched before
        // publication, so the previous dump is intact.
        std::cerr << "pg_dump-safe: internal error: " << e.what() << std::endl;
        const report::RunReport r = report::internal_error_report(e.what());
        std::cerr << report::failed_line(r) << std::endl;
        return r.exit_status;
    }
}

} // namespace pds
