#include "verify/file_reader.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::verify::detail {

File::File(const boost::filesystem::path& path) : path_(path.string()) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
        throw_problem("cannot open " + path_ + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        const int err = errno;
        ::close(fd_);
        fd_ = -1;
        throw_problem("cannot stat " + path_ + ": " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        throw_problem(path_ + " is not a regular file");
    }
    size_ = static_cast<std::uint64_t>(st.st_size);
    // Only a hint: the kernel may double its read-ahead. Failure changes nothing.
    (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

File::~File() {
    if (fd_ >= 0)
        ::close(fd_);
}

std::size_t File::pread_some(void* buf, std::size_t n, std::uint64_t offset) const {
    for (;;) {
        const ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset));
        if (got >= 0)
            return static_cast<std::size_t>(got);
        if (errno != EINTR)
            throw_problem("error reading " + path_ + " at byte " + std::to_string(offset) + ": " +
                          std::strerror(errno));
    }
}

Reader::Reader(const File& file, std::uint64_t begin, std::uint64_t end, std::size_t buffer_size)
    : file_(file), end_(end < file.size() ? end : file.size()), pos_(begin),
      cap_(buffer_size == 0 ? 1 : buffer_size), buf_(new std::uint8_t[cap_]) {
    if (pos_ > end_)
        pos_ = end_;
    // Small windows (a tar member, a tail) do not need a whole megabyte.
    if (end_ - pos_ < cap_) {
        cap_ = static_cast<std::size_t>(end_ - pos_) + 1;
        buf_.reset(new std::uint8_t[cap_]);
    }
}

void Reader::seek(std::uint64_t pos) {
    pos_ = pos < end_ ? pos : end_;
}

void Reader::require(std::uint64_t n) const {
    if (n > remaining())
        throw_problem("unexpected end of " +
                      (end_ == file_.size() ? std::string("file") : "member") + " at byte " +
                      std::to_string(end_) + " (needed " + plural(n, "byte") + " at byte " +
                      std::to_string(pos_) + ")");
}

void Reader::fill() {
    if (pos_ >= buf_start_ && pos_ < buf_end_)
        return;
    buf_start_ = pos_;
    buf_end_ = pos_;
    std::uint64_t want = end_ - pos_;
    if (want > cap_)
        want = cap_;
    while (buf_end_ - buf_start_ < want) {
        const std::size_t got =
            file_.pread_some(buf_.get() + (buf_end_ - buf_start_),
                             static_cast<std::size_t>(want - (buf_end_ - buf_start_)), buf_end_);
        if (got == 0) // the file shrank while we were reading it
            throw_problem(file_.path() + " ended at byte " + std::to_string(buf_end_) +
                          " while being read (size was " + std::to_string(file_.size()) + ")");
        buf_end_ += got;
    }
}

std::uint8_t Reader::byte() {
    require(1);
    fill();
    return buf_[pos_++ - buf_start_];
}

void Reader::read(void* dst, std::size_t n) {
    auto* out = static_cast<std::uint8_t*>(dst);
    stream(n, [&out](const std::uint8_t* p, std::size_t len) {
        std::memcpy(out, p, len);
        out += len;
    });
}

void Reader::skip(std::uint64_t n) {
    require(n);
    pos_ += n;
}

} // namespace pds::verify::detail
