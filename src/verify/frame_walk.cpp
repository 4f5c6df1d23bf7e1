#include "verify/frame_walk.hpp"

namespace pds::verify::detail {
namespace {

std::uint32_t le32(Reader& r) {
    std::uint8_t b[4];
    r.read(b, 4);
    return std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
           std::uint32_t{b[3]} << 24;
}

std::string at(std::uint64_t pos) {
    return " at byte " + std::to_string(pos);
}

bool skippable(std::uint32_t magic) {
    return (magic & 0xFFFFFFF0u) == 0x184D2A50u;
}

void skip_skippable(Reader& r) {
    r.skip(le32(r));
}

// RFC 1952 member header; the deflate data after it cannot be walked cheaply.
void walk_gzip(Reader& r) {
    const std::uint64_t start = r.pos();
    std::uint8_t h[10];
    r.read(h, sizeof h);
    if (h[0] != 0x1f || h[1] != 0x8b)
        throw_problem("no gzip magic" + at(start));
    if (h[2] != 8)
        throw_problem("gzip compression method " + std::to_string(h[2]) + " is not deflate" +
                      at(start));
    const std::uint8_t flags = h[3];
    if (flags & 0xE0)
        throw_problem("gzip header has reserved flag bits set" + at(start));
    if (flags & 0x04) { // FEXTRA
        std::uint8_t x[2];
        r.read(x, 2);
        r.skip(std::uint64_t{x[0]} | std::uint64_t{x[1]} << 8);
    }
    for (std::uint8_t bit : {std::uint8_t{0x08}, std::uint8_t{0x10}}) // FNAME, FCOMMENT
        if (flags & bit)
            while (r.byte() != 0) {
            }
    if (flags & 0x02) // FHCRC
        r.skip(2);
    // The shortest deflate stream is 2 bytes, then CRC32 and ISIZE.
    if (r.remaining() < 10)
        throw_problem("gzip file ends" + at(r.end()) +
                      ", before the smallest possible data and trailer");
}

void walk_lz4_frame(Reader& r, std::uint64_t start) {
    const std::uint8_t flg = r.byte();
    const std::uint8_t bd = r.byte();
    if ((flg >> 6) != 1)
        throw_problem("lz4 frame version " + std::to_string(flg >> 6) + " is not 1" + at(start));
    if ((flg & 0x02) || (bd & 0x8F))
        throw_problem("lz4 frame descriptor has reserved bits set" + at(start));
    const int max_code = (bd >> 4) & 7;
    if (max_code < 4)
        throw_problem("lz4 frame has invalid block maximum size code " + std::to_string(max_code) +
                      at(start));
    const std::uint64_t max_block = std::uint64_t{1} << (8 + 2 * max_code);
    const bool block_checksum = flg & 0x10, content_checksum = flg & 0x04;
    r.skip((flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0) + 1); // content size, dictID, HC
    for (;;) {
        const std::uint64_t block = r.pos();
        const std::uint32_t word = le32(r);
        if (word == 0)
            break; // EndMark
        const std::uint32_t size = word & 0x7FFFFFFFu;
        if (size > max_block)
            throw_problem("lz4 block" + at(block) + " declares " + plural(size, "byte") +
                          ", more than the frame's maximum of " + std::to_string(max_block));
        if (size + (block_checksum ? 4u : 0u) > r.remaining())
            throw_problem("lz4 block" + at(block) + " of " + plural(size, "byte") +
                          " is cut off by the end of the file" + at(r.end()));
        r.skip(size + (block_checksum ? 4u : 0u));
    }
    if (content_checksum)
        r.skip(4);
}

void walk_zstd_frame(Reader& r, std::uint64_t start) {
    const std::uint8_t fhd = r.byte();
    if (fhd & 0x08)
        throw_problem("zstd frame header has its reserved bit set" + at(start));
    const bool single_segment = fhd & 0x20, checksum = fhd & 0x04;
    const int fcs_flag = fhd >> 6;
    const std::uint64_t dict_sizes[] = {0, 1, 2, 4};
    const std::uint64_t fcs_sizes[] = {single_segment ? 1u : 0u, 2, 4, 8};
    r.skip((single_segment ? 0 : 1) + dict_sizes[fhd & 3] + fcs_sizes[fcs_flag]);
    for (bool last = false; !last;) {
        const std::uint64_t block = r.pos();
        std::uint8_t h[3];
        r.read(h, 3);
        const std::uint32_t word = h[0] | std::uint32_t{h[1]} << 8 | std::uint32_t{h[2]} << 16;
        last = word & 1;
        const int type = (word >> 1) & 3;
        const std::uint32_t size = word >> 3;
        if (type == 3)
            throw_problem("zstd block" + at(block) + " has the reserved block type");
        if (size > 128 * 1024)
            throw_problem("zstd block" + at(block) + " declares " + plural(size, "byte") +
                          ", more than the 128 KiB a block may hold");
        const std::uint64_t stored = type == 1 ? 1 : size; // RLE blocks store one byte
        if (stored > r.remaining())
            throw_problem("zstd block" + at(block) + " of " + plural(stored, "byte") +
                          " is cut off by the end of the file" + at(r.end()));
        r.skip(stored);
    }
    if (checksum)
        r.skip(4);
}

} // namespace

void walk_frames(Codec codec, Reader& r) {
    if (r.at_end())
        return;
    switch (codec) {
    case Codec::None:
        return;
    case Codec::Zlib:
    case Codec::Gzip:
        walk_gzip(r);
        return;
    case Codec::Lz4:
    case Codec::Zstd:
        break;
    }
    while (!r.at_end()) {
        const std::uint64_t start = r.pos();
        const std::uint32_t magic = le32(r);
        if (skippable(magic))
            skip_skippable(r);
        else if (codec == Codec::Lz4 && magic == 0x184D2204u)
            walk_lz4_frame(r, start);
        else if (codec == Codec::Zstd && magic == 0xFD2FB528u)
            walk_zstd_frame(r, start);
        else
            throw_problem(std::string("no ") + codec_name(codec) + " frame magic" + at(start));
    }
}

} // namespace pds::verify::detail
