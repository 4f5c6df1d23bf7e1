#include "posix/remove_tree.hpp"

#include "posix/fd.hpp"
#include "posix/open.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace pds::posix {
namespace {

// The names in an open directory (a dup of its descriptor is read from the start).
std::vector<std::string> list_names(int dirfd, const std::string& display) {
    Fd dup(::fcntl(dirfd, F_DUPFD_CLOEXEC, 0));
    if (!dup)
        throw_errno("could not duplicate the descriptor of", display, errno);
    if (::lseek(dup.get(), 0, SEEK_SET) != 0)
        throw_errno("could not rewind", display, errno);
    DIR* d = ::fdopendir(dup.get());
    if (d == nullptr)
        throw_errno("could not read directory", display, errno);
    dup.release(); // owned by d now
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* e = ::readdir(d);
        if (e == nullptr) {
            const int err = errno;
            ::closedir(d);
            if (err != 0)
                throw_errno("could not read directory", display, err);
            return names;
        }
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            names.emplace_back(e->d_name);
    }
}

bool remove_entry(int parent, const std::string& name, const std::string& display, dev_t dev,
                  bool top, const RemoveTreeOptions& options) {
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT)
            return false;
        throw_errno("could not stat", display, errno);
    }
    if (top && options.top_must_be_own && st.st_uid != ::geteuid())
        throw Error("refusing to remove " + display + ": it is owned by uid " +
                        std::to_string(st.st_uid) + ", not by this user (uid " +
                        std::to_string(::geteuid()) + ")",
                    EPERM);
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parent, name.c_str(), 0) != 0 && errno != ENOENT)
            throw_errno("could not remove", display, errno);
        return true;
    }
    if (top)
        dev = st.st_dev;
    else if (st.st_dev != dev)
        throw Error("refusing to remove " + display + ": another filesystem is mounted there",
                    EXDEV);
    Fd dir(::openat(parent, name.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!dir) // ELOOP / ENOTDIR: swapped for a link or a file since the fstatat
        throw_errno("could not open directory", display, errno);
    struct stat opened {};
    if (::fstat(dir.get(), &opened) != 0)
        throw_errno("could not stat", display, errno);
    if (opened.st_dev != st.st_dev || opened.st_ino != st.st_ino)
        throw Error("refusing to remove " + display + ": it was replaced while being removed",
                    EAGAIN);
    // Entries created while we remove are picked up by the next pass; someone who keeps
    // adding them makes the removal fail instead of loop forever.
    for (int pass = 0;; ++pass) {
        const auto names = list_names(dir.get(), display);
        if (names.empty())
            break;
        if (pass == 100)
            throw_errno("could not empty directory", display, ENOTEMPTY);
        for (const auto& n : names)
            remove_entry(dir.get(), n, display + "/" + n, dev, false, options);
    }
    dir = Fd();
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        throw_errno("could not remove directory", display, errno);
    return true;
}

} // namespace

bool remove_tree_at(int dirfd, const std::string& name, const std::string& display,
                    const RemoveTreeOptions& options) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
        throw Error("refusing to remove " + display + ": not a single file name", EINVAL);
    return remove_entry(dirfd, name, display, 0, true, options);
}

bool remove_tree(const std::string& path, const RemoveTreeOptions& options) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    const auto slash = p.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
    const std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    Fd d;
    try {
        d = open_directory(dir, true);
    } catch (const Error& e) {
        if (e.code() == ENOENT)
            return false;
        throw;
    }
    return remove_tree_at(d.get(), name, path, options);
}

} // namespace pds::posix
