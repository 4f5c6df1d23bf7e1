#include "publish/partial.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
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

} // namespace

TargetLock::TargetLock(const fs::path& final_path) : path_(final_path.string() + ".lock") {
    for (int attempt = 0; attempt < 100; ++attempt) {
        int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            throw PublishError(errtext("could not open lock file", path_, errno));
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            ::close(fd);
            if (e == EWOULDBLOCK)
                throw LockedError("another pg_dump-safe run holds " + path_.string() +
                                  " and is writing " + final_path.string());
            throw PublishError(errtext("could not lock", path_, e));
        }
        struct stat held {
        }, named{};
        if (::fstat(fd, &held) == 0 && ::stat(path_.c_str(), &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            fd_ = fd;
            return;
        }
        ::close(fd); // the previous owner unlinked it between our open and flock: retry
    }
    throw PublishError("could not acquire lock " + path_.string() + ": it keeps being replaced");
}

TargetLock::~TargetLock() {
    if (fd_ >= 0) {
        ::unlink(path_.c_str()); // while still holding the lock: see the class comment
        ::close(fd_);
    }
}

std::string remove_stale_partial(const fs::path& partial) {
    struct stat st {};
    if (::lstat(partial.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return "";
        throw PublishError(errtext("could not inspect", partial, errno));
    }
    std::string kind = S_ISLNK(st.st_mode) ? "symlink" : S_ISDIR(st.st_mode) ? "directory" : "file";
    unsigned long long bytes =
        S_ISDIR(st.st_mode) ? partial_bytes(partial) : static_cast<unsigned long long>(st.st_size);
    std::string desc = kind + " " + partial.string() + " (" + std::to_string(bytes) +
                       " bytes, modified " + format_time(st.st_mtime) + ")";
    if (S_ISDIR(st.st_mode)) {
        boost::system::error_code ec;
        fs::remove_all(partial, ec); // does not follow symlinks inside
        if (ec)
            throw PublishError("could not remove stale partial " + partial.string() + ": " +
                               ec.message());
    } else if (::unlink(partial.c_str()) != 0) {
        throw PublishError(errtext("could not remove stale partial", partial, errno));
    }
    return desc;
}

void create_partial(const fs::path& partial, bool directory) {
    if (directory) {
        if (::mkdir(partial.c_str(), 0700) != 0)
            throw PublishError(errtext("could not create directory", partial, errno));
        return;
    }
    int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        throw PublishError(errtext("could not create", partial, errno));
    ::close(fd);
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
