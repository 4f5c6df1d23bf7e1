// What the follower of a growing custom archive (follow.hpp) proved about its compressed
// streams while pg_dump was still writing: each stream of chunks that it decompressed whole,
// to the end of the compressed stream, with the CRC-32 of its bytes.
//
// The verifier of the finished file (custom.cpp, at `full`) uses an entry only when the
// final archive has a stream at the same offset, read with the same integer size and codec,
// whose framing, walked again, ends at the same byte and whose bytes have the same CRC-32:
// then it skips the decompression, checks the COPY terminator against the recorded tail and
// takes the recorded line counts.
// On any difference it decompresses the stream as usual. Only successes are recorded, so a
// problem is always found, and worded, by the normal verifier.
#pragma once

#include "verify/archive_toc.hpp"
#include "verify/line_count.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pds::verify::detail {

class File;

// CRC-32 (gzip's) of n more bytes after `crc` (0 to start): ISA-L's where the build has it
// (several times zlib's speed), else zlib's; the follower and the final check use this one.
std::uint32_t stream_crc32(std::uint32_t crc, const std::uint8_t* data, std::size_t n);

struct CheckedStream {
    std::uint64_t start = 0; // offset of the first chunk length
    std::uint64_t end = 0;   // one past the zero terminator
    std::uint32_t crc = 0;   // CRC-32 of the bytes [start, end)
    std::uint8_t tail_len = 0;
    char tail[8] = {}; // last bytes of the decompressed data
    LineCount lines;   // of the decompressed data (the content manifest's rows)
    std::string tail_string() const { return std::string(tail, tail_len); }
};

class CheckedStreams {
public:
    // At most this many streams are recorded (about 56 bytes each): a dump of a million large
    // objects keeps memory bounded; the streams beyond are decompressed as usual.
    static constexpr std::size_t kMaxStreams = 1u << 17;

    CheckedStreams(int int_size, Codec codec) : int_size_(int_size), codec_(codec) {}

    // Appends a stream; starts must increase. False (nothing kept) when full or out of order.
    bool add(const CheckedStream& s);
    // The stream recorded at `start` for an archive with this integer size and codec.
    const CheckedStream* find(std::uint64_t start, int int_size, Codec codec) const;
    // Whether bytes [s.start, s.end) of f have the CRC-32 s recorded.
    static bool same_bytes(const File& f, const CheckedStream& s);
    std::size_t size() const { return streams_.size(); }
    const std::vector<CheckedStream>& streams() const { return streams_; }
    // Streams the verifier of the finished file took from here (tests, -v).
    void note_reused() const { ++reused_; }
    std::size_t reused() const { return reused_; }

private:
    int int_size_;
    Codec codec_;
    std::vector<CheckedStream> streams_; // by start
    mutable std::size_t reused_ = 0;
};

} // namespace pds::verify::detail
