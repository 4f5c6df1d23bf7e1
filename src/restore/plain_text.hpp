// A plain dump's SQL text, decompressed when the file is compressed as a whole (pg_dump -Fp
// -Z: gzip, lz4, zstd), for the readers that scan it (the content measure, the restore
// drill). The caller reads the file its own way (open rules, errors, interruptions) and hands
// each chunk to feed(); the codec is sniffed from the first chunk.
#pragma once

#include "verify/decompress.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace pds::restore {

class PlainText {
public:
    using Sink = std::function<void(const char*, std::size_t)>;
    explicit PlainText(Sink text);
    PlainText(const PlainText&) = delete;
    PlainText& operator=(const PlainText&) = delete;

    // The file's next bytes: to `text` as they are, or decompressed. What the decompressor
    // throws (a damaged stream) and what `text` throws pass through.
    void feed(const std::uint8_t* data, std::size_t n);
    // At the end of the file: throws unless a compressed stream ended completely.
    void finish();
    // The first chunk named a compression (from then on feed() decompresses).
    bool compressed() const { return dec_ != nullptr; }

private:
    class ToSink : public verify::detail::OutputSink {
    public:
        explicit ToSink(const Sink& text) : text_(text) {}
        void write(const std::uint8_t* d, std::size_t n) override;

    private:
        const Sink& text_;
    };
    Sink text_;
    ToSink sink_{text_};
    std::unique_ptr<verify::detail::Decompressor> dec_;
    bool first_ = true;
};

} // namespace pds::restore
