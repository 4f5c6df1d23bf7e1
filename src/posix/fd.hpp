// The POSIX file layer's base: an owning descriptor, one errno message format, one write
// loop. Every file pg_dump-safe writes goes through src/posix (see docs/design.md,
// "Security model").
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pds::posix {

// "WHAT PATH: strerror(err)": the one format of every system-call failure message.
std::string errno_message(const std::string& what, const std::string& path, int err);

// A failed system call: the message names the path and the errno text; code() keeps errno
// so callers can tell ENOENT from the rest.
class Error : public std::runtime_error {
public:
    Error(const std::string& what, const std::string& path, int err);
    // A complete message (refusals that are not one failed call: "not a regular file").
    Error(const std::string& message, int err) : std::runtime_error(message), code_(err) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

// Throws Error(what, path, err).
[[noreturn]] void throw_errno(const std::string& what, const std::string& path, int err);

// An owning file descriptor: closed on destruction (errors ignored there; call close() where
// a failed close means lost data). Move-only.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) noexcept : fd_(fd) {}
    Fd(Fd&& o) noexcept : fd_(o.release()) {}
    Fd& operator=(Fd&& o) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    // close(2) now; throws Error("could not close", path, errno) on failure.
    void close(const std::string& path);

private:
    int fd_ = -1;
};

// Writes all of data, retrying short writes and EINTR. Returns 0 or the errno of the failure.
int write_all_errno(int fd, std::string_view data) noexcept;
// Same, throwing Error(what, path, errno), e.g. what = "could not write".
void write_all(int fd, std::string_view data, const std::string& path,
               const std::string& what = "could not write");

// Reads to end of file (at most `limit` bytes: more is an Error with EFBIG).
std::string read_all(int fd, const std::string& path, std::size_t limit = 64u << 20);

// The process umask, without changing it for longer than two system calls.
unsigned current_umask() noexcept;

} // namespace pds::posix
