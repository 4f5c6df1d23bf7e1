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
    // The fastest decompressor for codec: ISA-L's inflate for zlib and gzip where the build
    // has it (about 2.3x zlib's speed), otherwise create()'s. Its problem messages are not
    // zlib's, and a few streams zlib refuses might pass it only if constructed to: callers
    // use it through check_exact(), which re-checks every stream it refuses with create()'s
    // decompressor, so the verdict and its words are always the reference's.
    static std::unique_ptr<Decompressor> create_fast(Codec codec);
    // True if create_fast(codec) is not create(codec)'s implementation.
    static bool has_fast(Codec codec);
    // Tests only: false makes create_fast() create() (zlib everywhere), to compare verdicts.
    static void set_fast_enabled(bool on);
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

// Points dec's output at sink for a scope (also when it is left by an exception): a sink
// that lives on the caller's stack is never left behind in a decompressor that outlives it.
class ScopedSink {
public:
    ScopedSink(Decompressor* dec, OutputSink* sink) : dec_(dec) {
        if (dec_)
            dec_->set_sink(sink);
    }
    ~ScopedSink() {
        if (dec_)
            dec_->set_sink(nullptr);
    }
    ScopedSink(const ScopedSink&) = delete;
    ScopedSink& operator=(const ScopedSink&) = delete;

private:
    Decompressor* dec_;
};

// Runs check(fast), fast being create_fast(codec)'s (or nullptr: nothing to decompress). If
// that throws Corrupt and fast is not the reference implementation, rewinds (the caller's
// rewind() must undo everything check() changed) and runs check() again with zlib, created
// in `reference` on first use: a problem is always reported in zlib's words, and a stream
// only the fast decompressor refuses passes.
template <class Check, class Rewind>
void check_exact(Codec codec, Decompressor* fast, std::unique_ptr<Decompressor>& reference,
                 Check&& check, Rewind&& rewind) {
    if (!fast || !Decompressor::has_fast(codec)) {
        check(fast);
        return;
    }
    try {
        check(fast);
        return;
    } catch (const Corrupt&) {
        rewind();
    }
    if (!reference)
        reference = Decompressor::create(codec);
    check(reference.get());
}

// The magic number a compressed file starts with, or Codec::None.
Codec sniff_codec(const std::uint8_t* data, std::size_t n);

} // namespace pds::verify::detail
