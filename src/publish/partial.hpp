// The .partial a run writes into: per-target lock, stale partials, exclusive creation.
#pragma once

#include <boost/filesystem/path.hpp>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <sys/types.h>

namespace pds::publish {

// Another run owns the target (exit status 5, reason=locked).
struct LockedError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A system call failed while preparing or publishing; the message names the path and errno.
struct PublishError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Bytes a partial's name must leave free under NAME_MAX for the names made from it:
// ".failure.json" and the failure record's O_EXCL temp suffix ".XXXXXX".
constexpr std::size_t kPartialNameReserve = 20;

// `p` itself when its file name plus `reserve` bytes fits the directory's NAME_MAX; otherwise
// the same directory and a shortened name: the first bytes of the name, "~", 16 hex digits
// of a hash of the whole name, and the name's last suffix (".partial", ".lock"). The result
// is the same for every run on the same name, so runs still meet at one lock and one partial.
boost::filesystem::path fit_name(const boost::filesystem::path& p, std::size_t reserve = 0);

// The lock file's name: FINAL.lock (shortened by fit_name when FINAL is long).
boost::filesystem::path lock_path_for(const boost::filesystem::path& final_path);

// An exclusive flock, taken without waiting, on FINAL.lock; or, when FINAL's directory is
// not writable, on FINAL itself (see lock_target()). The lock file is created 0644 whatever
// the umask (it holds no data) so that a lock left behind by a run of another user (root
// killed with SIGKILL) can still be opened, read-only, and locked by the next run. It is
// removed on release; acquisition re-checks that the locked inode is still the one at the
// path, so a concurrent release-and-unlink never lets two runs both believe they own it.
class TargetLock {
public:
    // lock_target: flock FINAL itself (it must exist as a regular file or directory).
    explicit TargetLock(const boost::filesystem::path& final_path, bool lock_target = false);
    ~TargetLock();
    TargetLock(const TargetLock&) = delete;
    TargetLock& operator=(const TargetLock&) = delete;
    const boost::filesystem::path& path() const { return path_; }

private:
    boost::filesystem::path path_;
    int fd_ = -1;
    bool remove_on_release_ = true;
};

// Write and search permission on the directory holding `p` (effective ids). Without them no
// lock file and no partial can be made beside `p` and nothing can be renamed onto it.
bool parent_writable(const boost::filesystem::path& p);

// "directory D is not writable by uid U (owner uid O, mode 0755)" for error messages.
std::string describe_parent(const boost::filesystem::path& p);

// What remove_stale_partial() did: removed (this user's own leftover of the expected kind)
// or moved aside (another user's, or not the kind this run writes). "" when nothing was there.
struct StaleOutcome {
    std::string description; // "file P (N bytes, modified ...)"
    std::string moved_to;    // non-empty when moved aside instead of removed
};

// Clear a partial left by an earlier run, and its .failure.json. A symlink is removed itself,
// never followed. A file or directory of the kind this run writes (`directory`) and owned by
// the running user is removed; a directory only through directory descriptors (openat with
// O_NOFOLLOW, unlinkat), so a link swapped in for a subdirectory is never followed. Anything
// else (owned by another user, a directory where a file is expected, a FIFO) is never
// deleted: it is renamed aside, to NAME.aside-INODE.partial (pg_dump-safe-audit lists it);
// when even that is refused (sticky directory), PublishError says what to remove by hand.
StaleOutcome remove_stale_partial(const boost::filesystem::path& partial, bool directory = false);

// Remove a directory tree through directory file descriptors only (openat O_NOFOLLOW |
// O_DIRECTORY, fstatat AT_SYMLINK_NOFOLLOW, unlinkat), never following a symlink.
void remove_tree_nofollow(const boost::filesystem::path& dir);

// Refuse to replace FINAL where the kernel would refuse pg_dump to open it for writing:
// a regular file this user may not write (chmod 444, another user's file), and, as
// fs.protected_regular does, a file owned by another user (not the directory's owner) in a
// sticky directory that others may write (/tmp). Throws PublishError naming the rule.
void check_final_replaceable(const boost::filesystem::path& final_path);

// True when FINAL exists and is owned by the effective user: only then are its mode and
// group carried over to the new dump.
bool final_owned_by_us(const boost::filesystem::path& final_path);

// The mode bits a new file of ours may have: 0666 & ~umask, and no wider than an existing
// FINAL's (a 0600 dump is never replaced through a 0644 partial or failure record).
mode_t file_mode_limit(const boost::filesystem::path& final_path);

// Create the partial exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0666 & ~umask as pg_dump's
// fopen would, narrowed to an existing FINAL's mode; a directory with mode 0700 as pg_dump's
// mkdir would), before pg_dump writes a byte.
void create_partial(const boost::filesystem::path& partial, bool directory,
                    const boost::filesystem::path& final_path = {});

// Bytes held by a partial (a file's size, or the sum of a directory's regular files).
unsigned long long partial_bytes(const boost::filesystem::path& partial);

// True when the partial is still exactly as created: an empty file or empty directory.
bool partial_untouched(const boost::filesystem::path& partial);

} // namespace pds::publish
