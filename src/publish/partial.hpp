// The .partial a run writes into: per-target lock, stale partials, exclusive creation.
#pragma once

#include <boost/filesystem/path.hpp>
#include <stdexcept>
#include <string>

namespace pds::publish {

// Another run owns the target (exit status 5, reason=locked).
struct LockedError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A system call failed while preparing or publishing; the message names the path and errno.
struct PublishError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// An exclusive flock on FINAL.lock, taken without waiting. The lock file is removed on
// release; acquisition re-checks that the locked inode is still the one at the path, so a
// concurrent release-and-unlink never lets two runs both believe they own the target.
class TargetLock {
public:
    explicit TargetLock(const boost::filesystem::path& final_path);
    ~TargetLock();
    TargetLock(const TargetLock&) = delete;
    TargetLock& operator=(const TargetLock&) = delete;
    const boost::filesystem::path& path() const { return path_; }

private:
    boost::filesystem::path path_;
    int fd_ = -1;
};

// Remove a partial left by an earlier run (file, directory or symlink: a symlink itself is
// removed, never followed). Returns a description for the log ("" if there was none).
std::string remove_stale_partial(const boost::filesystem::path& partial);

// Create the partial exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 & ~umask as pg_dump's
// fopen would; a directory with mode 0700 as pg_dump's mkdir would).
void create_partial(const boost::filesystem::path& partial, bool directory);

// Bytes held by a partial (a file's size, or the sum of a directory's regular files).
unsigned long long partial_bytes(const boost::filesystem::path& partial);

// True when the partial is still exactly as created: an empty file or empty directory.
bool partial_untouched(const boost::filesystem::path& partial);

} // namespace pds::publish
