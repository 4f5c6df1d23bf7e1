// The large-object TOC of tar and directory dumps (blobs.toc, or blobs_<dumpId>.toc since
// pg_dump 17): one "<oid> <file name>\n" line per large object.
#pragma once

#include "verify/decompress.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace pds::verify::detail {

using BlobHandler = std::function<void(std::uint32_t oid, const std::string& file)>;

// Splits bytes into lines and hands each parsed line to the handler. Lines are bounded in
// length, so a hostile file cannot make us buffer it whole.
class BlobTocParser final : public OutputSink {
public:
    explicit BlobTocParser(BlobHandler handler) : handler_(std::move(handler)) {}
    void write(const std::uint8_t* data, std::size_t n) override;
    void finish(); // throws if the last line has no newline (the file was cut short)

private:
    void line();
    BlobHandler handler_;
    std::string line_;
    std::uint64_t number_ = 0;
};

// "blob_<digits>.dat" for a large-object file name pg_dump writes ("blob_<digits>.dat" with
// an optional .gz, .lz4 or .zst suffix); empty for any other name.
std::string blob_file_base(const std::string& name);

// A file name that stays inside the dump directory.
bool is_plain_file_name(const std::string& name);

} // namespace pds::verify::detail
