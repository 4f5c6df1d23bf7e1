#include "audit/atomic_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::audit {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw std::runtime_error(what + " '" + path + "': " + std::strerror(err));
}

mode_t current_umask() {
    mode_t m = ::umask(022);
    ::umask(m);
    return m;
}

} // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
    const auto slash = path.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    std::string tmp =
        (slash == std::string::npos ? "" : path.substr(0, slash + 1)) + "." + base + ".tmp.XXXXXX";
    const std::string pattern = tmp; // mkostemp may change tmp even when it fails
    int fd = ::mkostemp(&tmp[0], O_CLOEXEC);
    if (fd < 0)
        fail("cannot create the temporary file '" + pattern + "' for", path, errno);
    auto cleanup = [&](const char* what, int err) {
        ::close(fd);
        ::unlink(tmp.c_str());
        fail(what, tmp, err);
    };
    if (::fchmod(fd, 0666 & ~current_umask()) != 0)
        cleanup("cannot set the mode of", errno);
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            cleanup("cannot write", errno);
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0)
        cleanup("cannot fsync", errno);
    if (::close(fd) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        fail("cannot close", tmp, err);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        fail("cannot rename '" + tmp + "' onto", path, err);
    }
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        fail("cannot open directory", dir, errno);
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    if (rc != 0)
        fail("cannot fsync directory", dir, err);
}

} // namespace pds::audit
