#include "verify/line_count.hpp"

#include <algorithm>
#include <cstring>

namespace pds::verify::detail {

std::uint64_t count_newlines(const std::uint8_t* p, std::size_t n) {
    // Eight bytes at a time: a byte of w is zero exactly where p had '\n'; the high bit of
    // each byte of t is set where that byte of w is not zero (no carry crosses bytes).
    constexpr std::uint64_t kNl = 0x0a0a0a0a0a0a0a0aULL;
    constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    std::uint64_t count = 0;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        w ^= kNl;
        const std::uint64_t t = ((w & kLow7) + kLow7) | w;
        count += static_cast<std::uint64_t>(__builtin_popcountll(~t & kHigh));
    }
    for (; i < n; ++i)
        count += p[i] == '\n';
    return count;
}

void LineCounter::reset(LineCount* out) {
    out_ = out;
    tail_len_ = 0;
    if (out_)
        *out_ = LineCount{};
    // The stream starts at a line start: as if a newline came before it.
    carry_[0] = '\n';
    carry_len_ = 1;
}

void LineCounter::write(const std::uint8_t* data, std::size_t n) {
    if (n == 0)
        return;
    const std::size_t take = n < sizeof tail_ ? n : sizeof tail_;
    const std::size_t kept = tail_len_ + take > sizeof tail_ ? sizeof tail_ - take : tail_len_;
    std::memmove(tail_, tail_ + tail_len_ - kept, kept);
    std::memcpy(tail_ + kept, data + n - take, take);
    tail_len_ = kept + take;
    if (!out_)
        return;
    static const std::uint8_t kMarker[4] = {'\n', '\\', '.', '\n'};
    out_->bytes += n;
    out_->newlines += count_newlines(data, n);
    // A marker line that starts in the bytes kept from before: "\n\\.\n" across the seam.
    std::uint8_t seam[6];
    const std::size_t head = n < 3 ? n : 3;
    std::memcpy(seam, carry_, carry_len_);
    std::memcpy(seam + carry_len_, data, head);
    for (std::size_t at = 0; at < carry_len_ && at + 4 <= carry_len_ + head; ++at)
        if (std::memcmp(seam + at, kMarker, 4) == 0)
            ++out_->markers;
    // Markers wholly inside this piece.
    for (const std::uint8_t* p = data; p + 4 <= data + n;) {
        const void* hit = ::memmem(p, static_cast<std::size_t>(data + n - p), kMarker, 4);
        if (!hit)
            break;
        ++out_->markers;
        p = static_cast<const std::uint8_t*>(hit) + 3; // the final '\n' may start the next
    }
    // Keep the last three bytes of the stream so far.
    std::uint8_t joined[6];
    std::memcpy(joined, carry_, carry_len_);
    const std::size_t take3 = n < 3 ? n : 3;
    std::memcpy(joined + carry_len_, data + n - take3, take3);
    const std::size_t len = carry_len_ + take3;
    carry_len_ = len < 3 ? len : 3;
    std::memcpy(carry_, joined + len - carry_len_, carry_len_);
}

void LineCounter::finish() {
    if (out_)
        out_->counted = true;
}

std::shared_ptr<const DataCounts> RowCounter::result() {
    auto out = std::make_shared<DataCounts>();
    for (std::size_t i = 0; i < toc_.data.size(); ++i) {
        const DataEntry& e = toc_.data[i];
        if (!e.copy || e.is_blobs())
            continue;
        const LineCount& c = lines_[i];
        // rows "\.\n" "\n" "\n": the terminator (checked by the walk) is the only marker.
        if (!c.counted || c.markers != 1 || c.newlines < 3 || c.bytes < 5 || !e.copy_stmt_whole)
            return nullptr;
        out->copies.push_back({e.copy_stmt, c.newlines - 3, c.bytes - 5});
    }
    std::sort(oids_.begin(), oids_.end());
    out->large_objects =
        static_cast<std::uint64_t>(std::unique(oids_.begin(), oids_.end()) - oids_.begin());
    return out;
}

} // namespace pds::verify::detail
