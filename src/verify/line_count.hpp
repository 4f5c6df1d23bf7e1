// Rows of COPY data counted while `full` verification decompresses every data stream
// (VerifyOptions::count_rows), so that the content manifest (src/manifest) needs no second
// pass through `pg_restore --data-only`. The counts are what restore::SqlScanner counts in
// the text pg_restore prints: one row per line of a COPY block, up to the line "\.".
//
// A stream is counted line by line as it leaves the decompressor (LineCounter). An entry's
// counts are used only when its data has exactly the shape pg_dump writes: rows, then
// "\.\n\n\n" (dumpTableData_copy), and no other "\." line. Anything else (a premature
// end-of-data marker, an entry not counted, a COPY statement not kept whole) gives no
// counts at all, and the manifest falls back to reading pg_restore's text.
#pragma once

#include "verify/archive_toc.hpp"
#include "verify/decompress.hpp"
#include "verify/verify.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace pds::verify::detail {

struct LineCount {
    std::uint64_t newlines = 0;
    std::uint64_t bytes = 0;
    std::uint32_t markers = 0; // lines that are exactly "\." (the end-of-data marker)
    bool counted = false;      // the whole stream went through a LineCounter
};

// Counts the lines of one stream written to it in pieces of any size.
class LineCounter final : public OutputSink {
public:
    explicit LineCounter(LineCount* out = nullptr) { reset(out); }
    // Starts a new stream, counted into *out (nothing is counted when out is null).
    void reset(LineCount* out);
    void write(const std::uint8_t* data, std::size_t n) override;
    // The stream ended: marks *out counted.
    void finish();
    // The last (up to 8) bytes written since reset(), kept whether or not out is null.
    std::string tail() const {
        return std::string(reinterpret_cast<const char*>(tail_), tail_len_);
    }

private:
    LineCount* out_ = nullptr;
    std::uint8_t tail_[8] = {};
    std::size_t tail_len_ = 0;
    std::uint8_t carry_[3] = {}; // the stream's last bytes so far, for a marker split
    std::size_t carry_len_ = 0;  // between two writes
};

// Newline bytes in [p, p + n).
std::uint64_t count_newlines(const std::uint8_t* p, std::size_t n);

// Collects, during one `full` walk, the line counts of every data entry (by its index in
// Toc::data) and the OIDs of the large objects.
class RowCounter {
public:
    explicit RowCounter(const Toc& toc) : toc_(toc), lines_(toc.data.size()) {}
    // The count of entry `index` (toc.data[index]); each entry is decompressed by one
    // thread at a time, so threads never share a slot.
    LineCount* slot(const DataEntry& e) {
        return &lines_[static_cast<std::size_t>(&e - &toc_.data[0])];
    }
    // Large-object OIDs (the walking thread only).
    void add_oid(std::uint32_t oid) { oids_.push_back(oid); }
    // The counts, or null when an entry with COPY data was not counted or does not have the
    // shape pg_dump writes (see above).
    std::shared_ptr<const DataCounts> result();

private:
    const Toc& toc_;
    std::vector<LineCount> lines_;
    std::vector<std::uint32_t> oids_;
};

} // namespace pds::verify::detail
