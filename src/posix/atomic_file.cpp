#include "posix/atomic_file.hpp"

#include "posix/open.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pds::posix {
namespace {

std::string random_suffix() {
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[8];
    if (::getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bytes)) {
        // No entropy yet (early boot): uniqueness, not secrecy, is what matters; O_EXCL
        // guarantees we never open someone else's file whatever the name.
        auto t = static_cast<unsigned long long>(
            std::chrono::steady_clock::now().time_since_epoch().count());
        t ^= static_cast<unsigned long long>(::getpid()) << 32;
        for (auto& b : bytes) {
            b = static_cast<unsigned char>(t);
            t = t * 6364136223846793005ULL + 1442695040888963407ULL;
        }
    }
    std::string s;
    for (unsigned char b : bytes)
        s += chars[b % (sizeof chars - 1)];
    return s;
}

} // namespace

mode_t default_file_mode() noexcept {
    return static_cast<mode_t>(0666 & ~current_umask());
}

AtomicFile::AtomicFile(const std::string& path, mode_t mode) : path_(path) {
    const auto slash = path.rfind('/');
    dir_ = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    final_name_ = slash == std::string::npos ? path : path.substr(slash + 1);
    if (final_name_.empty() || final_name_ == "." || final_name_ == "..")
        throw Error("not a file name: " + path, EINVAL);
    dir_fd_ = open_directory(dir_, true);
    // Keep the temporary's name within NAME_MAX however long the final name is.
    const std::string stem = "." + final_name_.substr(0, 200) + ".tmp.";
    const std::string prefix = slash == std::string::npos ? "" : path.substr(0, slash + 1);
    for (int attempt = 0; attempt < 100; ++attempt) {
        temp_name_ = stem + random_suffix();
        temp_path_ = prefix + temp_name_;
        fd_ = Fd(::openat(dir_fd_.get(), temp_name_.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
        if (fd_)
            break;
        if (errno != EEXIST)
            throw_errno("could not create a temporary file in", dir_, errno);
    }
    if (!fd_)
        throw_errno("could not create a temporary file in", dir_, EEXIST);
    if (::fchmod(fd_.get(), mode) != 0) {
        const int err = errno;
        ::unlinkat(dir_fd_.get(), temp_name_.c_str(), 0);
        done_ = true;
        throw_errno("could not set the mode of", temp_path_, err);
    }
}

AtomicFile::~AtomicFile() {
    if (!done_)
        ::unlinkat(dir_fd_.get(), temp_name_.c_str(), 0);
}

void AtomicFile::write(std::string_view data) {
    posix::write_all(fd_.get(), data, temp_path_);
}

void AtomicFile::commit(bool durable) {
    if (done_)
        throw Error("internal error: commit of a finished temporary " + temp_path_, EINVAL);
    if (durable && ::fsync(fd_.get()) != 0)
        throw_errno("could not fsync", temp_path_, errno);
    fd_.close(temp_path_);
    if (::renameat(dir_fd_.get(), temp_name_.c_str(), dir_fd_.get(), final_name_.c_str()) != 0)
        throw_errno("could not rename " + temp_path_ + " to", path_, errno);
    done_ = true;
    if (durable)
        fsync_directory(dir_fd_.get(), dir_);
}

void write_file_atomically(const std::string& path, std::string_view content, mode_t mode) {
    AtomicFile f(path, mode);
    f.write(content);
    f.commit();
}

} // namespace pds::posix
