#include "verify/checked_streams.hpp"

#include "verify/file_reader.hpp"

#include <algorithm>
#include <memory>
#ifdef PDS_HAVE_ISAL
#include <isa-l/crc.h>
#endif
#include <zlib.h>

namespace pds::verify::detail {

std::uint32_t stream_crc32(std::uint32_t crc, const std::uint8_t* data, std::size_t n) {
#ifdef PDS_HAVE_ISAL
    return crc32_gzip_refl(crc, data, n);
#else
    while (n > 0) {
        const uInt piece = n > (1u << 30) ? (1u << 30) : static_cast<uInt>(n);
        crc = static_cast<std::uint32_t>(crc32(crc, data, piece));
        data += piece;
        n -= piece;
    }
    return crc;
#endif
}

bool CheckedStreams::add(const CheckedStream& s) {
    if (streams_.size() >= kMaxStreams || s.end <= s.start ||
        (!streams_.empty() && s.start < streams_.back().end))
        return false;
    streams_.push_back(s);
    return true;
}

const CheckedStream* CheckedStreams::find(std::uint64_t start, int int_size, Codec codec) const {
    if (int_size != int_size_ || codec != codec_)
        return nullptr;
    const auto it =
        std::lower_bound(streams_.begin(), streams_.end(), start,
                         [](const CheckedStream& s, std::uint64_t at) { return s.start < at; });
    return it != streams_.end() && it->start == start ? &*it : nullptr;
}

bool CheckedStreams::same_bytes(const File& f, const CheckedStream& s) {
    if (s.end > f.size())
        return false;
    constexpr std::size_t kBuffer = 256 * 1024;
    const std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[kBuffer]);
    std::uint32_t crc = 0;
    try {
        for (std::uint64_t at = s.start; at < s.end;) {
            const std::uint64_t left = s.end - at;
            const std::size_t want = left < kBuffer ? static_cast<std::size_t>(left) : kBuffer;
            const std::size_t got = f.pread_some(buf.get(), want, at);
            if (got == 0)
                return false;
            crc = stream_crc32(crc, buf.get(), got);
            at += got;
        }
    } catch (const Corrupt&) {
        return false; // read again, and reported, by the normal walk
    }
    return crc == s.crc;
}

} // namespace pds::verify::detail
