// pg_dump-safe-audit: audit backup roots, or verify single dumps. All logic is in pds_audit.
#include "audit/cli.hpp"

#include <iostream>
#include <unistd.h>

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return pds::audit::run_cli(args, std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1);
}
