#include "publish/partial.hpp"

#include "posix/fd.hpp"
#include "posix/open.hpp"
#include "posix/remove_tree.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::publish {
namespace {

std::string errtext(const std::string& what, const fs::path& p, int err) {
    return what + " " + p.string() + ": " + std::strerror(err);
}

std::string format_time(std::time_t t) {
    char buf[64];
    std::tm tm{};
    ::localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string octal(mode_t m) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

fs::path dir_of(const fs::path& p) {
    fs::path d = p.parent_path();
    return d.empty() ? fs::path(".") : d;
}

// Remove one file or symlink of a stale partial's kind, ignoring its absence.
void unlink_if_there(const fs::path& p) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
        throw PublishError(errtext("could not remove", p, errno));
}

} // namespace

void remove_tree_nofollow(const fs::path& dir) {
    try {
        pds::posix::remove_tree(dir.string());
    } catch (const pds::posix::Error& e) {
        throw PublishError(std::string("could not remove stale partial: ") + e.what());
    }
}

fs::path fit_name(const fs::path& p, std::size_t reserve) {
    const std::string name = p.filename().string();
    long max = ::pathconf(dir_of(p).c_str(), _PC_NAME_MAX);
    if (max <= 0)
        max = NAME_MAX;
    if (name.size() + reserve <= static_cast<std::size_t>(max))
        return p;
    std::string suffix;
    std::size_t dot = name.rfind('.');
    if (dot != std::string::npos && dot > 0 && name.size() - dot <= 16)
        suffix = name.substr(dot);
    std::uint64_t h = 1469598103934665603ULL; // FNV-1a: stable across runs and builds
    for (unsigned char c : name) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char hex[24];
    std::snprintf(hex, sizeof hex, "~%016llx", static_cast<unsigned long long>(h));
    long keep = max - static_cast<long>(reserve + suffix.size() + 17);
    if (keep < 1)
        keep = 1;
    return p.parent_path() / (name.substr(0, static_cast<std::size_t>(keep)) + hex + suffix);
}

fs::path lock_path_for(const fs::path& final_path) {
    return fit_name(fs::path(final_path.string() + ".lock"));
}

bool parent_writable(const fs::path& p) {
    return ::faccessat(AT_FDCWD, dir_of(p).c_str(), W_OK | X_OK, AT_EACCESS) == 0;
}

std::string describe_parent(const fs::path& p) {
    fs::path d = dir_of(p);
    struct stat st {};
    std::string who = "uid " + std::to_string(::geteuid());
    if (::stat(d.c_str(), &st) != 0)
        return "directory " + d.string() + " cannot be inspected: " + std::strerror(errno);
    return "directory " + d.string() + " (owner uid " + std::to_string(st.st_uid) + ", group " +
           std::to_string(st.st_gid) + ", mode " + octal(st.st_mode) + ") is not writable by " +
           who;
}

TargetLock::TargetLock(const fs::path& final_path, bool lock_target) {
    if (lock_target) {
        path_ = final_path;
        remove_on_release_ = false;
        int fd = posix::try_open(path_.string(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK).release();
        if (fd < 0)
            throw PublishError(errtext("could not open for locking", path_, errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
            ::close(fd);
            throw PublishError("could not lock " + path_.string() +
                               ": not a regular file or directory");
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            ::close(fd);
            if (e == EWOULDBLOCK)
                throw LockedError("another pg_dump-safe run holds a lock on " + path_.string());
            throw PublishError(errtext("could not lock", path_, e));
        }
        fd_ = fd;
        return;
    }
    path_ = lock_path_for(final_path);
    for (int attempt = 0; attempt < 100; ++attempt) {
        // Read-only is enough for flock, and opens a lock file another user left (0644).
        int fd = posix::try_open(path_.string(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK).release();
        if (fd < 0 && errno == ENOENT) {
            fd = posix::try_open(path_.string(),
                                 O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, 0644)
                     .release();
            if (fd < 0 && errno == EEXIST)
                continue;
            if (fd >= 0)
                ::fchmod(fd, 0644); // whatever the umask: see the class comment
        }
        if (fd < 0) {
            int e = errno;
            std::string msg = errtext("could not open lock file", path_, e);
            if ((e == EACCES || e == EROFS) && !parent_writable(path_))
                msg += " (" + describe_parent(path_) + ")";
            else if (e == EACCES)
                msg += " (left by a run of another user with an older pg_dump-safe: remove it)";
            throw PublishError(msg);
        }
        struct stat held {};
        if (::fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
            ::close(fd);
            throw PublishError("could not lock " + path_.string() + ": not a regular file");
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            ::close(fd);
            if (e == EWOULDBLOCK)
                throw LockedError("another pg_dump-safe run holds " + path_.string() +
                                  " and is writing " + final_path.string());
            throw PublishError(errtext("could not lock", path_, e));
        }
        struct stat named {};
        if (::lstat(path_.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino) {
            fd_ = fd;
            return;
        }
        ::close(fd); // the previous owner unlinked it between our open and flock: retry
    }
    throw PublishError("could not acquire lock " + path_.string() + ": it keeps being replaced");
}

TargetLock::~TargetLock() {
    if (fd_ >= 0) {
        if (remove_on_release_)
            ::unlink(path_.c_str()); // while still holding the lock: see the class comment
        ::close(fd_);
    }
}

StaleOutcome remove_stale_partial(const fs::path& partial, bool directory) {
    struct stat st {};
    if (::lstat(partial.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return {};
        throw PublishError(errtext("could not inspect", partial, errno));
    }
    const fs::path record = partial.string() + ".failure.json";
    std::string kind = S_ISLNK(st.st_mode)   ? "symlink"
                       : S_ISDIR(st.st_mode) ? "directory"
                       : S_ISREG(st.st_mode) ? "file"
                                             : "special file";
    unsigned long long bytes =
        S_ISREG(st.st_mode) ? static_cast<unsigned long long>(st.st_size) : 0;
    if (S_ISDIR(st.st_mode) && st.st_uid == ::geteuid())
        bytes = partial_bytes(partial);
    StaleOutcome out;
    out.description = kind + " " + partial.string() + " (" + std::to_string(bytes) +
                      " bytes, modified " + format_time(st.st_mtime) + ")";
    if (S_ISLNK(st.st_mode)) {
        unlink_if_there(partial); // the link itself, never what it points to
        unlink_if_there(record);
        return out;
    }
    const bool ours = st.st_uid == ::geteuid();
    const bool expected_kind = directory ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
    if (ours && expected_kind) {
        if (S_ISDIR(st.st_mode))
            remove_tree_nofollow(partial);
        else
            unlink_if_there(partial);
        unlink_if_there(record);
        return out;
    }
    // Not ours to delete: another user's (planted, or a root run's leftover seen by a run as
    // postgres), or not what this run writes. Renaming deletes nothing and follows nothing.
    std::string why =
        !ours ? "owned by uid " + std::to_string(st.st_uid) + ", not by the running user (uid " +
                    std::to_string(::geteuid()) + ")"
              : "a " + kind + " where this run writes a " + (directory ? "directory" : "file");
    std::string stem = partial.string();
    const std::string suffix = ".partial";
    if (stem.size() > suffix.size() &&
        stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0)
        stem.resize(stem.size() - suffix.size());
    fs::path aside =
        fit_name(stem + ".aside-" + std::to_string(st.st_ino) + suffix, kPartialNameReserve);
    if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, aside.c_str(), RENAME_NOREPLACE) != 0) {
        int e = errno;
        throw PublishError("stale partial " + partial.string() + " is " + why +
                           ": not removing it, and could not move it aside to " + aside.string() +
                           ": " + std::strerror(e) + "; remove it as its owner or as root");
    }
    ::renameat2(AT_FDCWD, record.c_str(), AT_FDCWD, (aside.string() + ".failure.json").c_str(),
                RENAME_NOREPLACE); // best effort: the record belongs with the partial
    out.description += " is " + why;
    out.moved_to = aside.string();
    return out;
}

void check_final_replaceable(const fs::path& final_path) {
    struct stat st {};
    if (::lstat(final_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        return;
    const std::string owner = "owner uid " + std::to_string(st.st_uid) + ", mode " +
                              octal(st.st_mode) + "; this run is uid " +
                              std::to_string(::geteuid());
    if (::faccessat(AT_FDCWD, final_path.c_str(), W_OK, AT_EACCESS) != 0 && errno == EACCES)
        throw PublishError("refusing to replace " + final_path.string() +
                           ": this user may not write it (" + owner +
                           "), and pg_dump would fail to open it: Permission denied");
    struct stat dir {};
    fs::path d = dir_of(final_path);
    if (::stat(d.c_str(), &dir) == 0 && (dir.st_mode & S_ISVTX) &&
        (dir.st_mode & (S_IWOTH | S_IWGRP)) && st.st_uid != ::geteuid() && st.st_uid != dir.st_uid)
        throw PublishError(
            "refusing to replace " + final_path.string() + ": it belongs to another user (" +
            owner + ") in sticky directory " + d.string() +
            " that others may write; the kernel (fs.protected_regular) refuses pg_dump such a "
            "file: remove it, or write the dump to a directory only its owner may write");
}

bool final_owned_by_us(const fs::path& final_path) {
    struct stat st {};
    return ::stat(final_path.c_str(), &st) == 0 && st.st_uid == ::geteuid();
}

mode_t file_mode_limit(const fs::path& final_path) {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode_t limit = 0666 & ~mask;
    struct stat st {};
    if (!final_path.empty() && ::stat(final_path.c_str(), &st) == 0)
        limit &= st.st_mode & 0666;
    return limit;
}

void create_partial(const fs::path& partial, bool directory, const fs::path& final_path) {
    if (directory) {
        if (::mkdir(partial.c_str(), 0700) != 0)
            throw PublishError(errtext("could not create directory", partial, errno));
        return;
    }
    // No wider than the dump it replaces, from the first byte: the kernel applies the umask
    // to this mode as well.
    mode_t mode = 0666;
    struct stat st {};
    if (!final_path.empty() && ::stat(final_path.c_str(), &st) == 0)
        mode &= st.st_mode & 0666;
    posix::Fd fd =
        posix::try_open(partial.string(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    if (!fd) {
        int e = errno;
        std::string msg = errtext("could not create", partial, e);
        if ((e == EACCES || e == EROFS) && !parent_writable(partial))
            msg += " (" + describe_parent(partial) + ")";
        throw PublishError(msg);
    }
    try {
        fd.close(partial.string());
    } catch (const posix::Error& e) {
        throw PublishError(e.what());
    }
}

unsigned long long partial_bytes(const fs::path& partial) {
    boost::system::error_code ec;
    struct stat st {};
    if (::lstat(partial.c_str(), &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return static_cast<unsigned long long>(st.st_size);
    unsigned long long total = 0;
    for (fs::recursive_directory_iterator it(partial, ec), end; !ec && it != end;
         it.increment(ec)) {
        struct stat e {};
        if (::lstat(it->path().c_str(), &e) == 0 && S_ISREG(e.st_mode))
            total += static_cast<unsigned long long>(e.st_size);
    }
    return total;
}

bool partial_untouched(const fs::path& partial) {
    struct stat st {};
    if (::lstat(partial.c_str(), &st) != 0)
        return false;
    if (S_ISREG(st.st_mode))
        return st.st_size == 0;
    if (S_ISDIR(st.st_mode)) {
        boost::system::error_code ec;
        return fs::directory_iterator(partial, ec) == fs::directory_iterator() && !ec;
    }
    return false;
}

} // namespace pds::publish
