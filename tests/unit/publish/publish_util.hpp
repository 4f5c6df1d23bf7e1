// What the publish tests share: a fresh work directory, a ParsedArgs naming an output file,
// file modes and contents.
#pragma once

#include "cli/pgdump_options.hpp"
#include "support/files.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <sys/stat.h>

namespace pds::publish::test {

namespace fs = boost::filesystem;

// build/test-work/unit-<name>, emptied.
inline fs::path fresh_dir(const std::string& name) {
    fs::path p = fs::path(PDS_BINARY_DIR) / "test-work" / ("unit-" + name);
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// -f f in format fmt.
inline pds::cli::ParsedArgs with_file(const std::string& f,
                                      pds::cli::Format fmt = pds::cli::Format::Custom) {
    pds::cli::ParsedArgs a;
    a.file = f;
    a.format = fmt;
    return a;
}

// The permission bits of p itself (lstat).
inline mode_t mode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// The whole file, "" when it cannot be opened.
inline std::string slurp(const fs::path& p) {
    return pds::test::read_file_or_empty(p);
}

} // namespace pds::publish::test
