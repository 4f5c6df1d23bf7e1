#include "main/entry.hpp"

#include "exec/child.hpp"
#include "report/failure_line.hpp"
#include "run.hpp"

#include <exception>
#include <iostream>

namespace pds {

int main_entry(int argc, char** argv) {
    try {
        int status = run(std::vector<std::string>(argv + 1, argv + argc));
        int sig = exec::interrupted_by();
        if (sig != 0 && status == 128 + sig)
            exec::die_by_signal(sig); // like a shell: the caller sees the real signal
        return status;
    } catch (const std::exception& e) {
        // Reaching this is a bug: say so plainly; the final name was never touched before
        // publication, so the previous dump is intact.
        std::cerr << "pg_dump-safe: internal error: " << e.what() << std::endl;
        std::cerr << report::format_line("FAILED",
                                         {{"target", "-"},
                                          {"partial", "unknown"},
                                          {"reason", "publish-failed"},
                                          {"exit", "70"},
                                          {"bytes", "0"},
                                          {"format", "unknown"},
                                          {"detail", std::string("internal error: ") + e.what()}})
                  << std::endl;
        return 70;
    }
}

} // namespace pds
