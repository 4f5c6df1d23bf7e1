#include "posix/fd.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::posix {

std::string errno_message(const std::string& what, const std::string& path, int err) {
    return what + " " + path + ": " + std::strerror(err);
}

Error::Error(const std::string& what, const std::string& path, int err)
    : std::runtime_error(errno_message(what, path, err)), code_(err) {}

void throw_errno(const std::string& what, const std::string& path, int err) {
    throw Error(what, path, err);
}

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = o.release();
    }
    return *this;
}

Fd::~Fd() {
    if (fd_ >= 0)
        ::close(fd_);
}

void Fd::close(const std::string& path) {
    const int fd = release();
    // Linux releases the descriptor even when close fails (EINTR included): never retry.
    if (fd >= 0 && ::close(fd) != 0)
        throw_errno("could not close", path, errno);
}

int write_all_errno(int fd, std::string_view data) noexcept {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO; // a regular file never does this; do not spin
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return 0;
}

void write_all(int fd, std::string_view data, const std::string& path, const std::string& what) {
    if (const int err = write_all_errno(fd, data))
        throw_errno(what, path, err);
}

std::string read_all(int fd, const std::string& path, std::size_t limit) {
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw_errno("could not read", path, errno);
        if (n == 0)
            return out;
        if (out.size() + static_cast<std::size_t>(n) > limit)
            throw_errno("refusing to read more than " + std::to_string(limit) + " bytes of", path,
                        EFBIG);
        out.append(buf, static_cast<std::size_t>(n));
    }
}

unsigned current_umask() noexcept {
    const mode_t m = ::umask(077);
    ::umask(m);
    return static_cast<unsigned>(m);
}

} // namespace pds::posix
