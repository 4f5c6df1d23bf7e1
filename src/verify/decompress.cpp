#include "verify/decompress.hpp"

#include <atomic>
#include <cstring>
#ifdef PDS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

namespace pds::verify::detail {

Decompressor::Decompressor() : scratch_(new std::uint8_t[kScratch]) {}

void Decompressor::reset() {
    in_bytes_ = out_bytes_ = 0;
    tail_len_ = 0;
    do_reset();
}

void Decompressor::feed(const std::uint8_t* data, std::size_t n) {
    in_bytes_ += n;
    if (n > 0)
        do_feed(data, n);
}

void Decompressor::finish() {
    if (in_bytes_ > 0 && !complete())
        throw_problem(std::string(name()) + " stream is cut off: input ended after " +
                      plural(in_bytes_, "byte") + " (" + plural(out_bytes_, "byte") +
                      " decompressed) without the end of the stream");
}

std::string Decompressor::tail() const {
    return std::string(reinterpret_cast<const char*>(tail_), tail_len_);
}

void Decompressor::emit(const std::uint8_t* data, std::size_t n) {
    if (n == 0)
        return;
    out_bytes_ += n;
    if (n >= sizeof tail_) {
        std::memcpy(tail_, data + n - sizeof tail_, sizeof tail_);
        tail_len_ = sizeof tail_;
    } else {
        const std::size_t keep = tail_len_ + n > sizeof tail_ ? sizeof tail_ - n : tail_len_;
        std::memmove(tail_, tail_ + tail_len_ - keep, keep);
        std::memcpy(tail_ + keep, data, n);
        tail_len_ = keep + n;
    }
    if (sink_)
        sink_->write(data, n);
}

namespace {

// zlib for custom-format blocks (a zlib stream per block); gzip for files, where a file
// may hold several gzip members back to back (gzip and zlib's gzread accept that).
class ZlibDecompressor final : public Decompressor {
public:
    explicit ZlibDecompressor(bool gzip) : gzip_(gzip) {
        if (inflateInit2(&z_, gzip ? 15 + 16 : 15) != Z_OK)
            throw std::bad_alloc();
    }
    ~ZlibDecompressor() override { inflateEnd(&z_); }

private:
    void do_reset() override {
        inflateReset(&z_);
        ended_ = false;
    }
    void do_feed(const std::uint8_t* data, std::size_t n) override {
        z_.next_in = const_cast<Bytef*>(data);
        while (n > 0) {
            if (ended_) {
                if (!gzip_)
                    throw_problem("zlib stream continues for " + plural(n, "byte") +
                                  " after its end marker");
                inflateReset(&z_); // the next gzip member
                ended_ = false;
            }
            const uInt in = n > (1u << 30) ? (1u << 30) : static_cast<uInt>(n);
            z_.avail_in = in;
            z_.next_out = scratch();
            z_.avail_out = static_cast<uInt>(kScratch);
            const int rc = inflate(&z_, Z_NO_FLUSH);
            const std::size_t used = in - z_.avail_in;
            emit(scratch(), kScratch - z_.avail_out);
            n -= used;
            if (rc == Z_STREAM_END)
                ended_ = true;
            else if (rc == Z_BUF_ERROR && used == 0 && z_.avail_out == kScratch)
                throw_problem(std::string(name()) + ": no progress decompressing");
            else if (rc != Z_OK && rc != Z_BUF_ERROR)
                throw_problem(std::string(name()) +
                              " data error: " + (z_.msg ? z_.msg : zError(rc)));
        }
    }
    bool complete() const override { return ended_; }
    const char* name() const override { return gzip_ ? "gzip" : "zlib"; }

    z_stream z_{};
    bool gzip_;
    bool ended_ = false;
};

#ifdef PDS_HAVE_ISAL
// ISA-L's inflate (igzip), with the wrapper's checksum and, for gzip, its length checked by
// ISA-L. It accepts some headers zlib refuses (a zlib window over 32 KiB, reserved gzip flag
// bits, an FHCRC it checks only sometimes), so each stream's or member's first bytes are
// held to zlib's rules first; anything else goes back to zlib through check_exact(). The
// messages here are never shown: check_exact() reports zlib's.
class IsalDecompressor final : public Decompressor {
public:
    explicit IsalDecompressor(bool gzip) : gzip_(gzip), s_(new inflate_state) { start(); }

private:
    void start() {
        isal_inflate_init(s_.get());
        s_->crc_flag = gzip_ ? ISAL_GZIP : ISAL_ZLIB;
        head_len_ = 0;
    }
    void do_reset() override {
        start();
        ended_ = false;
    }
    // zlib's header rules (inflate.c, HEAD state, windowBits 15 or 15 + 16).
    void check_head(const std::uint8_t* data, std::size_t n) {
        const std::size_t need = gzip_ ? 4 : 2;
        while (head_len_ < need && n > 0) {
            head_[head_len_++] = *data++;
            --n;
        }
        if (head_len_ < need || head_len_ == need + 1)
            return;
        head_len_ = need + 1; // checked
        if (gzip_) {
            if (head_[0] != 0x1f || head_[1] != 0x8b || head_[2] != 8 || (head_[3] & 0xe2) != 0)
                throw_problem("gzip header ISA-L does not check like zlib");
        } else if ((head_[0] * 256u + head_[1]) % 31 != 0 || (head_[0] & 0x0f) != 8 ||
                   (head_[0] >> 4) > 7 || (head_[1] & 0x20) != 0) {
            throw_problem("zlib header ISA-L does not check like zlib");
        }
    }
    void do_feed(const std::uint8_t* data, std::size_t n) override {
        while (n > 0) {
            if (ended_) {
                if (!gzip_)
                    throw_problem("zlib stream continues after its end marker");
                start(); // the next gzip member
                ended_ = false;
            }
            check_head(data, n);
            const std::uint32_t in = n > (1u << 30) ? (1u << 30) : static_cast<std::uint32_t>(n);
            s_->next_in = const_cast<std::uint8_t*>(data);
            s_->avail_in = in;
            for (;;) {
                const std::uint32_t before = s_->avail_in;
                s_->next_out = scratch();
                s_->avail_out = static_cast<std::uint32_t>(kScratch);
                const int rc = isal_inflate(s_.get());
                emit(scratch(), kScratch - s_->avail_out);
                if (rc != ISAL_DECOMP_OK)
                    throw_problem("ISA-L inflate error " + std::to_string(rc));
                if (s_->block_state == ISAL_BLOCK_FINISH) {
                    // Bytes after the end that ISA-L has already taken into its bit buffer
                    // (zlib: trailing data; gzip: the next member's start) go to zlib.
                    if (s_->read_in_length >= 8)
                        throw_problem("ISA-L inflate: input after the end of the stream");
                    ended_ = true;
                    break;
                }
                if (s_->avail_in == 0 && s_->avail_out > 0)
                    break;
                if (s_->avail_in == before && s_->avail_out == kScratch)
                    throw_problem("ISA-L inflate: no progress");
            }
            const std::size_t used = in - s_->avail_in;
            data += used;
            n -= used;
        }
    }
    bool complete() const override { return ended_; }
    const char* name() const override { return gzip_ ? "gzip" : "zlib"; }

    bool gzip_;
    std::unique_ptr<inflate_state> s_; // 85 KiB
    bool ended_ = false;
    std::uint8_t head_[4] = {};
    std::size_t head_len_ = 0;
};
#endif

class Lz4Decompressor final : public Decompressor {
public:
    Lz4Decompressor() {
        if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx_, LZ4F_VERSION)))
            throw std::bad_alloc();
    }
    ~Lz4Decompressor() override { LZ4F_freeDecompressionContext(ctx_); }

private:
    void do_reset() override {
        LZ4F_resetDecompressionContext(ctx_);
        hint_ = 0;
    }
    void do_feed(const std::uint8_t* data, std::size_t n) override {
        for (;;) {
            std::size_t out = kScratch, in = n;
            const std::size_t rc = LZ4F_decompress(ctx_, scratch(), &out, data, &in, nullptr);
            if (LZ4F_isError(rc))
                throw_problem(std::string("lz4 data error: ") + LZ4F_getErrorName(rc));
            emit(scratch(), out);
            hint_ = rc;
            data += in;
            n -= in;
            // Done once the input is used up and the output did not fill the scratch
            // buffer (a full buffer may mean more output is pending).
            if (n == 0 && out < kScratch)
                break;
            if (in == 0 && out == 0)
                throw_problem("lz4: no progress decompressing");
        }
    }
    bool complete() const override { return hint_ == 0; }
    const char* name() const override { return "lz4"; }

    LZ4F_dctx* ctx_ = nullptr;
    std::size_t hint_ = 0; // LZ4F_decompress's return: 0 once a frame is complete
};

class ZstdDecompressor final : public Decompressor {
public:
    ZstdDecompressor() : ctx_(ZSTD_createDCtx()) {
        if (!ctx_)
            throw std::bad_alloc();
    }
    ~ZstdDecompressor() override { ZSTD_freeDCtx(ctx_); }

private:
    void do_reset() override {
        ZSTD_DCtx_reset(ctx_, ZSTD_reset_session_only);
        last_ = 0;
    }
    void do_feed(const std::uint8_t* data, std::size_t n) override {
        ZSTD_inBuffer in{data, n, 0};
        for (;;) {
            ZSTD_outBuffer out{scratch(), kScratch, 0};
            const std::size_t rc = ZSTD_decompressStream(ctx_, &out, &in);
            if (ZSTD_isError(rc))
                throw_problem(std::string("zstd data error: ") + ZSTD_getErrorName(rc));
            emit(scratch(), out.pos);
            last_ = rc;
            if (in.pos == in.size && out.pos < out.size)
                break;
        }
    }
    bool complete() const override { return last_ == 0; }
    const char* name() const override { return "zstd"; }

    ZSTD_DCtx* ctx_;
    std::size_t last_ = 0; // ZSTD_decompressStream's return: 0 once a frame is complete
};

} // namespace

std::unique_ptr<Decompressor> Decompressor::create(Codec codec) {
    switch (codec) {
    case Codec::None:
        return nullptr;
    case Codec::Zlib:
        return std::make_unique<ZlibDecompressor>(false);
    case Codec::Gzip:
        return std::make_unique<ZlibDecompressor>(true);
    case Codec::Lz4:
        return std::make_unique<Lz4Decompressor>();
    case Codec::Zstd:
        return std::make_unique<ZstdDecompressor>();
    }
    return nullptr;
}

namespace {
std::atomic<bool> fast_enabled{true};
}

void Decompressor::set_fast_enabled(bool on) {
    fast_enabled = on;
}

bool Decompressor::has_fast(Codec codec) {
#ifdef PDS_HAVE_ISAL
    return fast_enabled && (codec == Codec::Zlib || codec == Codec::Gzip);
#else
    (void)codec;
    return false;
#endif
}

std::unique_ptr<Decompressor> Decompressor::create_fast(Codec codec) {
#ifdef PDS_HAVE_ISAL
    if (has_fast(codec))
        return std::make_unique<IsalDecompressor>(codec == Codec::Gzip);
#endif
    return create(codec);
}

Codec sniff_codec(const std::uint8_t* d, std::size_t n) {
    if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
        return Codec::Gzip;
    if (n >= 4 && d[0] == 0x04 && d[1] == 0x22 && d[2] == 0x4d && d[3] == 0x18)
        return Codec::Lz4;
    if (n >= 4 && d[0] == 0x28 && d[1] == 0xb5 && d[2] == 0x2f && d[3] == 0xfd)
        return Codec::Zstd;
    return Codec::None;
}

} // namespace pds::verify::detail
