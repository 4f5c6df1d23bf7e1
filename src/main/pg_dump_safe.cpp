// pg_dump-safe: a drop-in pg_dump that publishes only verified dumps. See pg_dump-safe(1).
#include "run.hpp"

#include <exception>
#include <iostream>

int main(int argc, char** argv) {
    try {
        return pds::run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        // Reaching this is a bug: say so plainly; the final name was never touched before
        // publication, so the previous dump is intact.
        std::cerr << "pg_dump-safe: internal error: " << e.what() << std::endl;
        std::cerr << "[backup] FAILED reason=publish-failed exit=70 detail=\"internal error\"" << std::endl;
        return 70;
    }
}
