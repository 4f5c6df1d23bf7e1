// Bounded, buffered, sequential reads of one archive file.
//
// Every read is checked against the end of the window the Reader was given (the file size,
// or a tar member's data), so a length field read from a hostile archive can never make us
// read past it. The buffer has a fixed size (1 MiB by default) whatever the archive size.
#pragma once

#include "verify/problem.hpp"

#include <boost/filesystem/path.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pds::verify::detail {

class File {
public:
    // Opens read-only and hints sequential access. Failure is a Corrupt naming the path and
    // the errno text: a dump we cannot read is a dump we cannot vouch for.
    explicit File(const boost::filesystem::path& path);
    ~File();
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    std::uint64_t size() const { return size_; }
    int fd() const { return fd_; } // for fstat (follow.cpp: the file still grows)
    const std::string& path() const { return path_; }
    // Reads up to n bytes at offset; returns the count (0 only at end of file).
    std::size_t pread_some(void* buf, std::size_t n, std::uint64_t offset) const;

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::string path_;
};

class Reader {
public:
    static constexpr std::size_t default_buffer = std::size_t{1} << 20;

    Reader(const File& file, std::uint64_t begin, std::uint64_t end,
           std::size_t buffer_size = default_buffer);

    std::uint64_t pos() const { return pos_; }
    std::uint64_t end() const { return end_; }
    std::uint64_t remaining() const { return end_ - pos_; }
    bool at_end() const { return pos_ >= end_; }
    const File& file() const { return file_; }

    void seek(std::uint64_t pos);
    std::uint8_t byte();
    void read(void* dst, std::size_t n);
    void skip(std::uint64_t n);

    // Hands the next n bytes to sink(const uint8_t*, size_t) in buffer-sized pieces.
    template <class Sink> void stream(std::uint64_t n, Sink&& sink) {
        require(n);
        while (n > 0) {
            fill();
            const std::size_t avail = static_cast<std::size_t>(buf_end_ - pos_);
            const std::size_t take = n < avail ? static_cast<std::size_t>(n) : avail;
            sink(buf_.get() + (pos_ - buf_start_), take);
            pos_ += take;
            n -= take;
        }
    }

private:
    void require(std::uint64_t n) const; // throws unless n bytes remain in the window
    void fill();                         // makes the buffer hold at least one byte at pos_

    const File& file_;
    std::uint64_t end_;
    std::uint64_t pos_;
    std::size_t cap_;
    std::unique_ptr<std::uint8_t[]> buf_;
    std::uint64_t buf_start_ = 0; // file offset of buf_[0]
    std::uint64_t buf_end_ = 0;   // file offset one past the last valid buffered byte
};

} // namespace pds::verify::detail
