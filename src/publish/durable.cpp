#include "publish/durable.hpp"

#include "posix/fd.hpp"
#include "posix/open.hpp"
#include "publish/partial.hpp"
#include "testing/crash_point.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = boost::filesystem;

namespace pds::publish {
namespace {

[[noreturn]] void throw_publish_error(const std::string& what, const fs::path& p, int err) {
    throw PublishError(what + " " + p.string() + ": " + std::strerror(err));
}

void fsync_one(const fs::path& p, bool directory) {
    const posix::Fd fd =
        posix::try_open(p.string(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_NOFOLLOW);
    if (!fd)
        throw_publish_error("could not open for fsync", p, errno);
    if (::fsync(fd.get()) != 0)
        throw_publish_error("could not fsync", p, errno);
}

} // namespace

void fsync_tree(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0)
        throw_publish_error("could not stat", p, errno);
    if (!S_ISDIR(st.st_mode)) {
        fsync_one(p, false);
        return;
    }
    boost::system::error_code ec;
    std::vector<std::pair<fs::path, bool>> entries; // path, is a directory
    for (fs::recursive_directory_iterator it(p, ec), end; it != end; it.increment(ec)) {
        if (ec)
            throw PublishError("could not walk " + p.string() + ": " + ec.message());
        struct stat e {};
        if (::lstat(it->path().c_str(), &e) != 0)
            throw_publish_error("could not stat", it->path(), errno);
        if (S_ISREG(e.st_mode) || S_ISDIR(e.st_mode))
            entries.emplace_back(it->path(), S_ISDIR(e.st_mode));
    }
    if (ec)
        throw PublishError("could not walk " + p.string() + ": " + ec.message());
    // Start the writeback of every file first, so the fsyncs below wait for I/O that runs
    // side by side instead of one file after the other (a directory dump has one per table).
    for (const auto& [path, is_dir] : entries) {
        if (is_dir)
            continue;
        const posix::Fd fd = posix::try_open(path.string(), O_RDONLY | O_NOFOLLOW);
        if (fd) // a hint only: the fsync below reports every failure
            ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    }
    for (const auto& [path, is_dir] : entries)
        fsync_one(path, is_dir);
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
        throw_publish_error("could not set permissions of", partial, errno);
    // Changing the group is allowed only to a group we belong to (or as root): best effort.
    if (::lchown(partial.c_str(), static_cast<uid_t>(-1), old.st_gid) != 0 && errno != EPERM)
        throw_publish_error("could not set group of", partial, errno);
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
    const posix::Fd in_fd = posix::try_open(file.string(), O_RDONLY | O_NOFOLLOW);
    if (!in_fd)
        throw_publish_error("could not open", file, errno);
    const int in = in_fd.get();
    struct stat ost {};
    bool can_truncate = ::fstat(out, &ost) == 0 && S_ISREG(ost.st_mode);
    off_t pos = ::lseek(out, 0, SEEK_CUR);
    off_t restore_to = (::fcntl(out, F_GETFL) & O_APPEND) ? ost.st_size : pos;
    can_truncate = can_truncate && restore_to >= ost.st_size; // never cut bytes we did not write
    auto undo_and_fail = [&](const char* what, int err) {
        if (can_truncate && ::ftruncate(out, restore_to) == 0)
            ::lseek(out, restore_to, SEEK_SET);
        throw PublishError(std::string(what) + " " + file.string() +
                           " to standard output: " + std::strerror(err));
    };
    bool use_copy_range = true;
    std::vector<char> buf;
    // With sync, the writeback of each copied chunk starts at once, so the fsync at the end
    // does not find the whole dump dirty (on ext4 the copy is a real copy, not a reflink).
    constexpr size_t kChunk = 16 << 20;
    off_t copied = 0, kicked = 0;
    auto progress = [&](ssize_t n) {
        copied += n;
        if (sync && can_truncate && copied - kicked >= static_cast<off_t>(kChunk)) {
            ::sync_file_range(out, restore_to + kicked, copied - kicked, SYNC_FILE_RANGE_WRITE);
            kicked = copied;
        }
    };
    while (true) {
        ssize_t n = -1;
        if (use_copy_range) {
            n = ::copy_file_range(in, nullptr, out, nullptr, kChunk, 0);
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
            progress(n);
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
        progress(n);
    }
    if (sync && ::fsync(out) != 0 && errno != EINVAL && errno != EROFS)
        undo_and_fail("could not fsync after appending", errno);
}

void append_file_to_file(const fs::path& file, const fs::path& target, bool sync) {
    // pg_dump -Fa opens with fopen "ab": never create, truncate or follow a link here, and
    // only a regular file.
    posix::Fd out;
    try {
        out = posix::open_nofollow_regular(target.string(), O_WRONLY);
    } catch (const posix::Error& e) {
        throw PublishError(std::string("could not open for appending: ") + e.what());
    }
    // Not O_APPEND: copy_file_range refuses it. The run's lock keeps other runs out.
    if (::lseek(out.get(), 0, SEEK_END) < 0)
        throw_publish_error("could not seek to the end of", target, errno);
    append_file_to_fd(file, out.get(), sync);
    try {
        out.close(target.string());
    } catch (const posix::Error& e) {
        throw PublishError(e.what());
    }
}

namespace {

posix::Fd directory_fd(const fs::path& p) {
    try {
        return posix::open_directory(p.string());
    } catch (const posix::Error& e) {
        throw PublishError(e.what());
    }
}

std::vector<std::string> entry_names(const fs::path& dir) {
    std::vector<std::string> names;
    boost::system::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; it != end; it.increment(ec)) {
        if (ec)
            break;
        names.push_back(it->path().filename().string());
    }
    if (ec)
        throw PublishError("could not list " + dir.string() + ": " + ec.message());
    return names;
}

} // namespace

void move_entries_into(const fs::path& partial, const fs::path& dir, bool sync) {
    posix::Fd from = directory_fd(partial), to = directory_fd(dir);
    std::vector<std::string> names = entry_names(partial);
    // toc.dat last: without it, pg_restore refuses the directory, so a crash while moving
    // leaves no archive that looks complete but lacks data files.
    std::stable_partition(names.begin(), names.end(),
                          [](const std::string& n) { return n != "toc.dat"; });
    std::vector<std::string> moved;
    auto undo_and_fail = [&](const std::string& what, const std::string& name, int err) {
        for (const std::string& m : moved)
            ::renameat2(to.get(), m.c_str(), from.get(), m.c_str(), RENAME_NOREPLACE);
        throw PublishError(what + " " + (partial / name).string() + " to " + (dir / name).string() +
                           ": " + std::strerror(err));
    };
    for (const std::string& n : names) {
        if (n == "toc.dat" && sync && ::fsync(to.get()) != 0)
            undo_and_fail("could not fsync the directory before moving", n, errno);
        if (::renameat2(from.get(), n.c_str(), to.get(), n.c_str(), RENAME_NOREPLACE) != 0)
            undo_and_fail("could not move", n, errno);
        moved.push_back(n);
    }
    testing::crash_point("after-move-entries", dir.string());
    if (::unlinkat(to.get(), partial.filename().c_str(), AT_REMOVEDIR) != 0)
        throw_publish_error("could not remove the emptied partial", partial, errno);
    if (sync && ::fsync(to.get()) != 0)
        throw_publish_error("could not fsync", dir, errno);
}

WritebackStarter::WritebackStarter(fs::path partial, unsigned long long step, bool start_writeback)
    : partial_(std::move(partial)), step_(step), start_writeback_(start_writeback) {
    // The thread takes no signal: the forwarding handlers must interrupt the main thread's
    // waits, and a handler run on this thread would not.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old);
    thread_ = std::thread([this] { loop(); });
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

WritebackStarter::~WritebackStarter() {
    {
        std::lock_guard<std::mutex> g(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void WritebackStarter::loop() {
    constexpr unsigned long long kMiB = 1ULL << 20;
    std::map<std::string, unsigned long long> started; // file name -> bytes handed over
    auto kick = [&](int dirfd, const char* name, const std::string& key) {
        struct stat st {};
        if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            return;
        unsigned long long& done = started[key];
        if (!start_writeback_) {
            // --no-sync: one read-only open and close once pg_dump has written (see the
            // header); `done` marks it done.
            if (done == 0 && st.st_size > 0 && dirfd == AT_FDCWD &&
                posix::try_open_at(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK))
                done = 1;
            return;
        }
        unsigned long long end = static_cast<unsigned long long>(st.st_size) & ~(kMiB - 1);
        if (end < done + step_)
            return;
        const posix::Fd fd = posix::try_open_at(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        if (!fd)
            return;
        if (::sync_file_range(fd.get(), static_cast<off_t>(done), static_cast<off_t>(end - done),
                              SYNC_FILE_RANGE_WRITE) == 0) {
            started_ += end - done;
            done = end;
        }
    };
    std::unique_lock<std::mutex> lk(mu_);
    while (!cv_.wait_for(lk, std::chrono::milliseconds(100), [this] { return stop_; })) {
        lk.unlock();
        struct stat st {};
        if (::lstat(partial_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
            kick(AT_FDCWD, partial_.c_str(), "");
        } else if (S_ISDIR(st.st_mode)) {
            posix::Fd dfd = posix::try_open(partial_.string(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            DIR* d = dfd ? ::fdopendir(dfd.get()) : nullptr;
            if (d) {
                const int fd = dfd.release(); // owned by d now
                while (struct dirent* e = ::readdir(d))
                    if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN)
                        kick(fd, e->d_name, e->d_name);
                ::closedir(d);
            }
        }
        lk.lock();
    }
}

} // namespace pds::publish
