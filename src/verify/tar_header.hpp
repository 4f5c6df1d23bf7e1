// One 512-byte ustar header as pg_dump writes it (src/port/tar.c: tarCreateHeader) and
// pg_restore accepts it (isValidTarHeader: checksum, then POSIX, GNU or old pg_dump magic).
#pragma once

#include <cstdint>
#include <string>

namespace pds::verify::detail {

struct TarHeader {
    std::string name;
    std::uint64_t size = 0;
};

bool is_zero_block(const std::uint8_t* block); // 512 bytes
// A valid checksum and magic: enough to call a file a tar archive.
bool looks_like_tar(const std::uint8_t* block);
// Throws Corrupt naming `at` (the header's file offset) for a bad checksum, magic, type,
// name or size field.
TarHeader parse_tar_header(const std::uint8_t* block, std::uint64_t at);

} // namespace pds::verify::detail
