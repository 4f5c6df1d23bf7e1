// Helpers of the verifier tests: temporary directories, real dumps made by the PostgreSQL 15
// test server's pg_dump, and the file damage the tests inflict on them.
#pragma once

#include "support/files.hpp"
#include "verify/verify.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pds::verify::testing {

namespace fs = std::filesystem;

// A fresh directory under the build tree, removed when the test ends.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }

private:
    fs::path path_;
};

// Runs a shell command line with the test server's environment (PGHOST, PGPORT, PGUSER
// from PDS_PGTEST_ROOT/s15/env) and PG_BIN set to the server's bin directory. Fails the
// test, with the command's stderr, unless it exits 0.
void run_with_server(const std::string& command);

// pg_dump <args> app, output to `out` via -f (or, with pipe, `| cat > out`).
void pg_dump(const std::string& args, const fs::path& out, bool pipe = false);

// Data block offsets of a custom archive as pg_restore reports them ("-- Data Pos: N" in
// its verbose script output), in file order. An independent view of the block layout.
std::vector<std::uint64_t> custom_block_offsets(const fs::path& archive);

struct TarMember {
    std::string name;
    std::uint64_t header, data, size; // header offset, data offset, data size
};
// The members of a tar file, read with a minimal parser of its own.
std::vector<TarMember> tar_members(const fs::path& archive);

// As before tests/support: "" when the file cannot be opened (a /proc entry of a process
// that is gone, a file a test removed on purpose).
inline std::string read_file(const pds::test::PathArg& p) {
    return pds::test::read_file_or_empty(p);
}
using pds::test::write_file; // tests/support
std::uint64_t size_of(const fs::path& p);
void truncate_file(const fs::path& p, std::uint64_t size);
void zero_range(const fs::path& p, std::uint64_t offset, std::uint64_t length);
void flip_byte(const fs::path& p, std::uint64_t offset); // xor 0xFF
void copy_tree(const fs::path& from, const fs::path& to);

Verdict verify(const fs::path& p, Level level);

// Cut offsets: every `step` bytes from `begin` to `end`, plus begin-1, begin, begin+1,
// end-1, end, end+1, all clamped to [1, limit - 1].
std::vector<std::uint64_t> cuts(std::uint64_t begin, std::uint64_t end, std::uint64_t limit,
                                std::uint64_t step = 4096);

} // namespace pds::verify::testing
