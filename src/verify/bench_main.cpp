// pds-verify-bench [--jobs=N] LEVEL PATH: verify one dump and print the verdict. For
// bench/verify_bench.sh only; not installed. --jobs is VerifyOptions::jobs (default 0: the
// CPUs available; 1: serial). Exit status 0 if the dump verifies, 1 if not, 2 on usage errors.
#include "verify/verify.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>

int main(int argc, char** argv) {
    using namespace pds::verify;
    VerifyOptions options;
    int arg = 1;
    if (argc > 1 && std::strncmp(argv[1], "--jobs=", 7) == 0) {
        options.jobs = static_cast<unsigned>(std::strtoul(argv[1] + 7, nullptr, 10));
        ++arg;
    }
    const auto level = argc == arg + 2 ? parse_level(argv[arg]) : std::nullopt;
    if (!level) {
        std::cerr << "usage: pds-verify-bench [--jobs=N] toc|structure|full PATH\n";
        return 2;
    }
    const Verdict v = verify_path(argv[arg + 1], *level, options);
    const ArchiveInfo& i = v.info;
    std::cout << (v.ok ? "ok" : "FAILED") << " level=" << level_name(*level)
              << " format=" << archive_format_name(i.format) << " version=" << i.archive_version
              << " pg_dump=" << i.pg_dump_version << " database=" << i.database << " created=\""
              << i.created << "\" compression=" << i.compression << " entries=" << i.entries
              << " data_entries=" << i.data_entries << " data_bytes=" << i.data_bytes
              << " file_bytes=" << i.file_bytes << "\n";
    if (!v.ok)
        std::cout << "problem: " << v.problem << "\n";
    return v.ok ? 0 : 1;
}
