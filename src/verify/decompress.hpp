// Streaming decompression used to prove a compressed stream is whole: zlib (custom-format
// blocks written with gzip compression), gzip files (directory format, plain -Z), LZ4 frames
// and zstd frames (pg_dump 16+). Output goes to a fixed scratch buffer and, optionally, to
// a sink; only the last few bytes are remembered.
#pragma once

#include "verify/archive_toc.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pds::verify::detail {

class OutputSink {
public:
    virtual ~OutputSink() = default;
    virtual void write(const std::uint8_t* data, std::size_t n) = 0;
};

class Decompressor {
public:
    // Codec::None is not a compressed stream: create() then returns nullptr.
    static std::unique_ptr<Decompressor> create(Codec codec);
    virtual ~Decompressor() = default;

    // Starts a new stream (the next data block, the next file).
    void reset();
    // Decompresses n more input bytes. A corrupt stream throws Corrupt with the codec's
    // message; the caller adds where.
    void feed(const std::uint8_t* data, std::size_t n);
    // Throws unless the input so far ended exactly at the end of a complete stream (or
    // there was no input at all: pg_dump writes nothing for some empty streams).
    void finish();

    void set_sink(OutputSink* sink) { sink_ = sink; }
    std::uint64_t in_bytes() const { return in_bytes_; }
    std::uint64_t out_bytes() const { return out_bytes_; }
    std::string tail() const; // last (up to 8) bytes of output

protected:
    static constexpr std::size_t kScratch = 256 * 1024;
    Decompressor();
    void emit(const std::uint8_t* data, std::size_t n);
    std::uint8_t* scratch() { return scratch_.get(); }
    virtual void do_reset() = 0;
    virtual void do_feed(const std::uint8_t* data, std::size_t n) = 0;
    virtual bool complete() const = 0; // the input ended at a stream end
    virtual const char* name() const = 0;

private:
    std::unique_ptr<std::uint8_t[]> scratch_;
    OutputSink* sink_ = nullptr;
    std::uint64_t in_bytes_ = 0, out_bytes_ = 0;
    std::uint8_t tail_[8] = {};
    std::size_t tail_len_ = 0;
};

// The magic number a compressed file starts with, or Codec::None.
Codec sniff_codec(const std::uint8_t* data, std::size_t n);

} // namespace pds::verify::detail
