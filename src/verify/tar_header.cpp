#include "verify/tar_header.hpp"

#include "verify/problem.hpp"

#include <cstring>

namespace pds::verify::detail {
namespace {

// An octal field: optional leading spaces, digits, then NUL or space padding.
bool parse_octal(const std::uint8_t* f, std::size_t n, std::uint64_t& out) {
    std::size_t i = 0;
    while (i < n && f[i] == ' ')
        ++i;
    bool digits = false;
    out = 0;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; ++i) {
        if (out >> 60)
            return false;
        out = out * 8 + (f[i] - '0');
        digits = true;
    }
    for (; i < n; ++i)
        if (f[i] != ' ' && f[i] != 0)
            return false;
    return digits;
}

bool checksum_ok(const std::uint8_t* b, std::uint64_t& stored, std::uint64_t& computed) {
    std::int64_t signed_sum = 0;
    computed = 0;
    for (int i = 0; i < 512; ++i) {
        const bool field = i >= 148 && i < 156;
        computed += field ? ' ' : b[i];
        signed_sum += field ? ' ' : static_cast<std::int8_t>(b[i]);
    }
    if (!parse_octal(b + 148, 8, stored))
        return false;
    return stored == computed || static_cast<std::int64_t>(stored) == signed_sum;
}

bool magic_ok(const std::uint8_t* b) {
    return std::memcmp(b + 257,
                       "ustar\0"
                       "00",
                       8) == 0 ||                       // POSIX
           std::memcmp(b + 257, "ustar  \0", 8) == 0 || // GNU
           std::memcmp(b + 257, "ustar00\0", 8) == 0;   // pg_dump before 9.3
}

std::string field_string(const std::uint8_t* f, std::size_t n) {
    std::size_t len = 0;
    while (len < n && f[len] != 0)
        ++len;
    return std::string(reinterpret_cast<const char*>(f), len);
}

} // namespace

bool is_zero_block(const std::uint8_t* block) {
    for (int i = 0; i < 512; ++i)
        if (block[i] != 0)
            return false;
    return true;
}

bool looks_like_tar(const std::uint8_t* block) {
    std::uint64_t stored = 0, computed = 0;
    return checksum_ok(block, stored, computed) && magic_ok(block);
}

TarHeader parse_tar_header(const std::uint8_t* b, std::uint64_t at) {
    TarHeader th;
    th.name = field_string(b, 100);
    const std::string prefix = field_string(b + 345, 155);
    if (!prefix.empty())
        th.name = prefix + "/" + th.name;
    const std::string where =
        "tar member \"" + printable(th.name) + "\" at byte " + std::to_string(at);
    std::uint64_t stored = 0, computed = 0;
    if (!checksum_ok(b, stored, computed))
        throw_problem(where + ": header checksum mismatch (stored \"" +
                      printable(field_string(b + 148, 8)) + "\", computed " +
                      std::to_string(computed) + ")");
    if (!magic_ok(b))
        throw_problem(where + ": header has no ustar magic");
    if (b[156] != '0' && b[156] != 0)
        throw_problem(where + ": type '" + printable(std::string(1, static_cast<char>(b[156]))) +
                      "' is not a regular file (pg_dump writes only regular files)");
    if (th.name.empty())
        throw_problem(where + ": member has no name");
    if (b[124] & 0x80) { // base-256, used by pg_dump for members of 8 GiB and more
        th.size = 0;
        for (int i = 125; i < 136; ++i) {
            if (th.size >> 55)
                throw_problem(where + ": size field out of range");
            th.size = th.size << 8 | b[i];
        }
        if (b[124] != 0x80)
            throw_problem(where + ": size field out of range");
    } else if (!parse_octal(b + 124, 12, th.size)) {
        throw_problem(where + ": size field \"" + printable(field_string(b + 124, 12)) +
                      "\" is not an octal number");
    }
    return th;
}

} // namespace pds::verify::detail
