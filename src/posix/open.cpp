#include "posix/open.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::posix {
namespace {

// Reads until `buf` is full or the end of the file (EINTR retried): the bytes read, or -1
// with errno set.
ssize_t read_full(int fd, char* buf, std::size_t size) noexcept {
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(got);
}

} // namespace

const char* file_type_name(mode_t mode) {
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISLNK(mode))
        return "a symbolic link";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a regular file";
}

void check_regular(const struct stat& st, const std::string& path, const OpenRules& rules) {
    if (!S_ISREG(st.st_mode))
        throw Error("refusing " + path + ": it is " + file_type_name(st.st_mode) +
                        ", not a regular file",
                    EINVAL);
    if (rules.owner == Owner::self_or_root && st.st_uid != ::geteuid() && st.st_uid != 0)
        throw Error("refusing " + path + ": it is owned by uid " + std::to_string(st.st_uid) +
                        ", neither this user (uid " + std::to_string(::geteuid()) + ") nor root",
                    EPERM);
    if (rules.refuse_writable_by_others &&
        ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0))) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw Error("refusing " + path + ": mode " + mode +
                        " lets other users write it (remove the group/other write bits)",
                    EPERM);
    }
}

Fd open_nofollow_regular_at(int dirfd, const std::string& name, const std::string& display,
                            int flags, mode_t mode, const OpenRules& rules) {
    const bool truncate = flags & O_TRUNC;
    flags = (flags & ~O_TRUNC) | (rules.follow_link ? 0 : O_NOFOLLOW) | O_NONBLOCK | O_CLOEXEC |
            O_NOCTTY;
    Fd fd = try_open_at(dirfd, name, flags, mode);
    if (!fd) {
        const int err = errno;
        struct stat st {};
        // A FIFO without a reader (ENXIO for O_WRONLY), or a link (ELOOP): say what it is.
        if ((err == ENXIO || err == ELOOP || err == EISDIR || err == EWOULDBLOCK) &&
            ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
            throw Error("refusing " + display + ": it is " + file_type_name(st.st_mode) +
                            ", not a regular file",
                        err == ELOOP ? ELOOP : EINVAL);
        throw_errno("could not open", display, err);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw_errno("could not stat", display, errno);
    check_regular(st, display, rules);
    const int fl = ::fcntl(fd.get(), F_GETFL);
    if (fl < 0 || ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK) != 0)
        throw_errno("could not clear O_NONBLOCK on", display, errno);
    if (truncate && ::ftruncate(fd.get(), 0) != 0)
        throw_errno("could not truncate", display, errno);
    return fd;
}

Fd open_nofollow_regular(const std::string& path, int flags, mode_t mode, const OpenRules& rules) {
    return open_nofollow_regular_at(AT_FDCWD, path, path, flags, mode, rules);
}

Fd open_directory(const std::string& path, bool follow_last_link) {
    const int flags = O_RDONLY | O_DIRECTORY | (follow_last_link ? 0 : O_NOFOLLOW);
    Fd fd = try_open(path, flags);
    if (!fd)
        throw_errno("could not open directory", path, errno);
    return fd;
}

Fd open_directory_at(int dirfd, const std::string& name, const std::string& display) {
    Fd fd = try_open_at(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK);
    if (!fd)
        throw_errno("could not open directory", display, errno);
    return fd;
}

namespace {

std::string real_path_of(const std::string& path) {
    char buf[PATH_MAX];
    if (!::realpath(path.c_str(), buf))
        throw_errno("could not resolve", path, errno);
    return buf;
}

std::string parent_of(const std::string& p) {
    const auto slash = p.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : p.substr(0, slash);
}

// `dir` is a real path (no links): it and every directory above it.
void check_directory_chain(std::string dir, const std::string& file) {
    for (;;) {
        struct stat st {};
        if (::stat(dir.c_str(), &st) != 0)
            throw_errno("could not stat directory", dir, errno);
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        if (st.st_uid != 0 && st.st_uid != ::geteuid())
            throw Error("refusing " + file + ": directory " + dir + " is owned by uid " +
                            std::to_string(st.st_uid) + ", neither this user (uid " +
                            std::to_string(::geteuid()) +
                            ") nor root, so that user could replace the file",
                        EPERM);
        const bool others = (st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0);
        if (others && !(st.st_mode & S_ISVTX))
            throw Error("refusing " + file + ": directory " + dir + " (mode " + mode + ", group " +
                            std::to_string(st.st_gid) +
                            ") lets other users write it, so they could replace the file "
                            "(remove the group/other write bits, or set the sticky bit)",
                        EPERM);
        if (dir == "/")
            return;
        dir = parent_of(dir);
    }
}

} // namespace

void check_trusted_directories(const std::string& path) {
    check_directory_chain(parent_of(real_path_of(path)), path);
    check_directory_chain(real_path_of(parent_of(path)), path);
}

Fd try_open_at(int dirfd, const char* name, int flags, mode_t mode) noexcept {
    return Fd(::openat(dirfd, name, flags | O_CLOEXEC | O_NOCTTY, mode));
}

Fd try_open_at(int dirfd, const std::string& name, int flags, mode_t mode) noexcept {
    return try_open_at(dirfd, name.c_str(), flags, mode);
}

Fd try_open(const char* path, int flags, mode_t mode) noexcept {
    return try_open_at(AT_FDCWD, path, flags, mode);
}

Fd try_open(const std::string& path, int flags, mode_t mode) noexcept {
    return try_open_at(AT_FDCWD, path.c_str(), flags, mode);
}

Fd open_or_throw(const std::string& path, int flags, mode_t mode, const std::string& what) {
    Fd fd = try_open(path, flags, mode);
    if (!fd)
        throw_errno(what, path, errno);
    return fd;
}

std::string read_regular_file(const std::string& path, std::size_t limit, const OpenRules& rules) {
    const Fd fd = open_nofollow_regular(path, O_RDONLY, 0, rules);
    return read_all(fd.get(), path, limit);
}

std::string read_head_or_empty(const std::string& path, std::size_t max,
                               const OpenRules& rules) noexcept {
    try {
        const Fd fd = open_nofollow_regular(path, O_RDONLY, 0, rules);
        std::string head(max, '\0');
        const ssize_t n = read_full(fd.get(), &head[0], head.size());
        head.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        return head;
    } catch (...) {
        return {};
    }
}

bool same_content(const std::string& a, const std::string& b) noexcept {
    const Fd fa = try_open(a, O_RDONLY), fb = try_open(b, O_RDONLY);
    if (!fa || !fb)
        return false;
    char ba[1 << 16], bb[1 << 16];
    for (;;) {
        const ssize_t na = read_full(fa.get(), ba, sizeof ba);
        const ssize_t nb = read_full(fb.get(), bb, sizeof bb);
        if (na < 0 || na != nb || std::memcmp(ba, bb, static_cast<std::size_t>(na)) != 0)
            return false;
        if (na == 0)
            return true;
    }
}

std::string read_tail_or_empty(const std::string& path, std::size_t max,
                               const OpenRules& rules) noexcept {
    try {
        const Fd fd = open_nofollow_regular(path, O_RDONLY, 0, rules);
        struct stat st {};
        if (::fstat(fd.get(), &st) == 0 && static_cast<std::size_t>(st.st_size) > max &&
            ::lseek(fd.get(), st.st_size - static_cast<off_t>(max), SEEK_SET) < 0)
            return {};
        return read_all(fd.get(), path, max + (64u << 10));
    } catch (...) {
        return {};
    }
}

void fsync_directory(int dirfd, const std::string& path) {
    // Some filesystems cannot fsync a directory (EINVAL); PostgreSQL ignores that too.
    if (::fsync(dirfd) != 0 && errno != EINVAL)
        throw_errno("could not fsync directory", path, errno);
}

} // namespace pds::posix
