// pg_dump-safe: a drop-in pg_dump that publishes only verified dumps. See pg_dump-safe(1).
#include "exec/child.hpp"
#include "run.hpp"

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    try {
        int status = pds::run(std::vector<std::string>(argv + 1, argv + argc));
        int sig = pds::exec::interrupted_by();
        if (sig != 0 && status == 128 + sig)
            pds::exec::die_by_signal(sig); // like a shell: the caller sees the real signal
        return status;
    } catch (const std::exception& e) {
        // Reaching this is a bug: say so plainly; the final name was never touched before
        // publication, so the previous dump is intact.
        std::cerr << "pg_dump-safe: internal error: " << e.what() << std::endl;
        std::cerr << "[backup] FAILED reason=publish-failed exit=70 detail=\"internal error\""
                  << std::endl;
        return 70;
    }
}
