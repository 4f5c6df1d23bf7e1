#include "publish/durable.hpp"

#include "publish/partial.hpp"
#include "testing/crash_point.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = boost::filesystem;

namespace pds::publish {
namespace {

[[noreturn]] void fail(const std::string& what, const fs::path& p, int err) {
    throw PublishError(what + " " + p.string() + ": " + std::strerror(err));
}

void fsync_one(const fs::path& p, bool directory) {
    int fd =
        ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        fail("could not open for fsync", p, errno);
    if (::fsync(fd) != 0) {
        int e = errno;
        ::close(fd);
        fail("could not fsync", p, e);
    }
    ::close(fd);
}

} // namespace

void fsync_tree(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0)
        fail("could not stat", p, errno);
    if (!S_ISDIR(st.st_mode)) {
        fsync_one(p, false);
        return;
    }
    boost::system::error_code ec;
    for (fs::recursive_directory_iterator it(p, ec), end; it != end; it.increment(ec)) {
        if (ec)
            throw PublishError("could not walk " + p.string() + ": " + ec.message());
        struct stat e {};
        if (::lstat(it->path().c_str(), &e) != 0)
            fail("could not stat", it->path(), errno);
        if (S_ISREG(e.st_mode) || S_ISDIR(e.st_mode))
            fsync_one(it->path(), S_ISDIR(e.st_mode));
    }
    if (ec)
        throw PublishError("could not walk " + p.string() + ": " + ec.message());
    fsync_one(p, true);
}

void fsync_parent(const fs::path& p) {
    fs::path dir = p.parent_path();
    fsync_one(dir.empty() ? fs::path(".") : dir, true);
}

void carry_over_attributes(const fs::path& partial, const fs::path& final_path) {
    struct stat old {};
    if (::stat(final_path.c_str(), &old) != 0 || !S_ISREG(old.st_mode))
        return;
    if (::chmod(partial.c_str(), old.st_mode & 07777) != 0)
        fail("could not set permissions of", partial, errno);
    // Changing the group is allowed only to a group we belong to (or as root): best effort.
    if (::lchown(partial.c_str(), static_cast<uid_t>(-1), old.st_gid) != 0 && errno != EPERM)
        fail("could not set group of", partial, errno);
}

void rename_into_place(const fs::path& partial, const fs::path& final_path, bool sync) {
    if (::rename(partial.c_str(), final_path.c_str()) != 0)
        throw PublishError("could not rename " + partial.string() + " to " + final_path.string() +
                           ": " + std::strerror(errno));
    testing::crash_point("after-rename", final_path.string());
    if (sync)
        fsync_parent(final_path);
}

void append_file_to_fd(const fs::path& file, int out, bool sync) {
    int in = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        fail("could not open", file, errno);
    struct stat ost {};
    bool can_truncate = ::fstat(out, &ost) == 0 && S_ISREG(ost.st_mode);
    off_t pos = ::lseek(out, 0, SEEK_CUR);
    off_t restore_to = (::fcntl(out, F_GETFL) & O_APPEND) ? ost.st_size : pos;
    can_truncate = can_truncate && restore_to >= ost.st_size; // never cut bytes we did not write
    auto undo_and_fail = [&](const char* what, int err) {
        if (can_truncate && ::ftruncate(out, restore_to) == 0)
            ::lseek(out, restore_to, SEEK_SET);
        ::close(in);
        throw PublishError(std::string(what) + " " + file.string() +
                           " to standard output: " + std::strerror(err));
    };
    bool use_copy_range = true;
    std::vector<char> buf;
    while (true) {
        ssize_t n = -1;
        if (use_copy_range) {
            n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EBADF || errno == ENOSYS ||
                          errno == EOPNOTSUPP)) {
                use_copy_range = false; // e.g. O_APPEND output or different filesystems
                buf.resize(1 << 20);
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                undo_and_fail("could not append", errno);
            if (n == 0)
                break;
            continue;
        }
        n = ::read(in, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            undo_and_fail("could not read", errno);
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                undo_and_fail("could not append", errno);
            done += w;
        }
    }
    if (sync && ::fsync(out) != 0 && errno != EINVAL && errno != EROFS)
        undo_and_fail("could not fsync after appending", errno);
    ::close(in);
}

} // namespace pds::publish
