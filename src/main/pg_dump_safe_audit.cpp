// pg_dump-safe-audit: audit backup roots, verify single dumps, or (--restore-test) drill a
// restore. All logic is in pds_audit and pds_restore.
#include "audit/cli.hpp"
#include "restore/cli.hpp"

#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (pds::restore::wants_restore_test(args))
        return pds::restore::run_cli(args, std::cout, std::cerr);
    return pds::audit::run_cli(args, std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1);
}
