// libFuzzer target for the native archive verifier: whatever the bytes, verify_path() must
// return a verdict (never crash, leak, hang, or run into undefined behaviour) at every level.
//
// Each input is verified three ways, each at the toc, structure and full levels:
//   1. as a dump file: format detection picks custom ("PGDMP"), tar (ustar header or a
//      first member named toc.dat), or plain (SQL text, or gzip/lz4/zstd-compressed SQL);
//   2. as the toc.dat of a directory dump that holds nothing else;
//   3. if the input starts like a tar archive: its members written into a directory and
//      verified as a directory dump (toc.dat, NNNN.dat[.gz|.lz4|.zst], blobs.toc, blob
//      files). The seed corpus holds directory dumps packed that way, so the mutations
//      reach the directory format's data files too. A member cut short by the end of the
//      input is written as far as it goes.
// The verifier has no in-memory API (it reads files), so the input goes to files in a
// private temporary directory under $TMPDIR (fuzz/run.sh points it at /dev/shm when it
// can), removed at exit.
#include "verify/verify.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <unistd.h>

namespace {

namespace stdfs = std::filesystem;
using pds::verify::Level;

stdfs::path g_work;

void remove_work() {
    std::error_code ec;
    if (!g_work.empty())
        stdfs::remove_all(g_work, ec);
}

void die(const std::string& what) {
    std::fprintf(stderr, "fuzz_verify: %s\n", what.c_str());
    std::abort();
}

void write_file(const stdfs::path& p, const std::uint8_t* data, std::size_t n) {
    // A new file, not one truncated: ext4 flushes a file truncated and rewritten at close.
    std::error_code ec;
    stdfs::remove(p, ec);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
    out.close();
    if (!out)
        die("cannot write " + p.string());
}

void empty_dir(const stdfs::path& dir) {
    std::error_code ec;
    stdfs::remove_all(dir, ec);
    stdfs::create_directory(dir, ec);
    if (ec)
        die("cannot create " + dir.string() + ": " + ec.message());
}

void verify_all_levels(const stdfs::path& p) {
    for (Level level : {Level::Toc, Level::Structure, Level::Full}) {
        const pds::verify::Verdict v = pds::verify::verify_path(p.string(), level);
        // A problem is always explained.
        if (!v.ok && v.problem.empty())
            die(std::string("verdict FAILED without a problem at level ") +
                pds::verify::level_name(level));
    }
}

// ustar octal number field; false if it is not one.
bool octal(const std::uint8_t* field, std::size_t len, std::uint64_t& value) {
    value = 0;
    std::size_t i = 0;
    while (i < len && field[i] == ' ')
        ++i;
    bool digits = false;
    for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i, digits = true) {
        if (value > (std::uint64_t{1} << 40))
            return false;
        value = value * 8 + (field[i] - '0');
    }
    return digits;
}

// A member name safe to create in our directory: no path separators, not "." or "..".
bool safe_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

// Writes the members of a tar archive into dir; returns the number written.
int extract_tar(const std::uint8_t* data, std::size_t size, const stdfs::path& dir) {
    constexpr std::size_t kBlock = 512;
    constexpr int kMaxMembers = 64;
    int members = 0;
    std::size_t at = 0;
    while (at + kBlock <= size && members < kMaxMembers) {
        const std::uint8_t* h = data + at;
        const std::size_t name_len = ::strnlen(reinterpret_cast<const char*>(h), 100);
        if (name_len == 0)
            break; // end-of-archive block, or not a header
        std::uint64_t len = 0;
        if (!octal(h + 124, 12, len))
            break;
        const std::string name(reinterpret_cast<const char*>(h), name_len);
        const std::size_t begin = at + kBlock;
        const std::size_t avail = size - begin;
        const std::size_t take = len < avail ? static_cast<std::size_t>(len) : avail;
        if ((h[156] == '0' || h[156] == '\0') && safe_name(name)) {
            write_file(dir / name, data + begin, take);
            ++members;
        }
        if (len > avail)
            break;
        at = begin + static_cast<std::size_t>((len + kBlock - 1) / kBlock * kBlock);
    }
    return members;
}

bool starts_like_tar(const std::uint8_t* data, std::size_t size) {
    return size >= 512 && std::memcmp(data + 257, "ustar", 5) == 0;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/pds-fuzz-verify.XXXXXX";
    if (!::mkdtemp(&templ[0]))
        die("mkdtemp " + templ + " failed");
    g_work = templ;
    std::atexit(remove_work);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // 1. The input as a dump file.
    const stdfs::path file = g_work / "dump";
    write_file(file, data, size);
    verify_all_levels(file);

    // 2. The input as the toc.dat of a directory dump.
    const stdfs::path toc_dir = g_work / "tocdir";
    empty_dir(toc_dir);
    write_file(toc_dir / "toc.dat", data, size);
    verify_all_levels(toc_dir);

    // 3. The members of a tar input as a directory dump.
    if (starts_like_tar(data, size)) {
        const stdfs::path dir = g_work / "dir";
        empty_dir(dir);
        if (extract_tar(data, size, dir) > 0)
            verify_all_levels(dir);
    }
    return 0;
}
