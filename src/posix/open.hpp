// Opening a path that someone else may have planted something at (a shared backup
// directory, /tmp, a metrics directory): never through a symbolic link, never blocking on a
// FIFO or device, never truncating before the checks, and only a regular file.
#pragma once

#include "posix/fd.hpp"

#include <string>
#include <sys/stat.h>
#include <sys/types.h>

namespace pds::posix {

enum class Owner {
    any,          // whoever owns it
    self_or_root, // the effective user or root (a file another user planted is refused)
};

struct OpenRules {
    Owner owner = Owner::any;
    // Refuse a file that others may write: world-writable, or group-writable with a group
    // other than root's (as sudo does for sudoers). For configuration files.
    bool refuse_writable_by_others = false;
    // Follow a symbolic link in the last component (the checks then apply to the file it
    // names). For files an administrator may manage as links, such as a configuration file.
    bool follow_link = false;
};

// open(2) with O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC|O_NOCTTY added to `flags`, then fstat: the
// file must be a regular file and satisfy `rules`; then O_NONBLOCK is cleared again. O_TRUNC
// in flags is applied (ftruncate) only after the checks passed, so a refused file is never
// truncated. `mode` is used with O_CREAT (the umask applies as usual).
// Throws Error naming the path: ELOOP for a symbolic link, EPERM for a refused owner or mode,
// EINVAL for something that is not a regular file (FIFO, socket, device, directory); a FIFO
// never blocks the call. Other errnos as open(2) reported them (ENOENT, EACCES, ...).
Fd open_nofollow_regular(const std::string& path, int flags, mode_t mode = 0666,
                         const OpenRules& rules = {});

// The same relative to a directory descriptor (name is one component; `display` names the
// file in messages).
Fd open_nofollow_regular_at(int dirfd, const std::string& name, const std::string& display,
                            int flags, mode_t mode = 0666, const OpenRules& rules = {});

// Opens a directory (O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC, read-only), e.g. to fsync it or to
// work relative to it. Throws Error("could not open directory", path, errno).
Fd open_directory(const std::string& path, bool follow_last_link = false);

// The same for `name` (one component, never followed if it is a link) inside the open
// directory `dirfd`; `display` names it in messages.
Fd open_directory_at(int dirfd, const std::string& name, const std::string& display);

// The layer's raw open, for callers that act on each errno themselves (a probe whether pg_dump
// could open a file, a lock file, an O_EXCL create, a best-effort writeback hint): openat(2)
// with O_CLOEXEC|O_NOCTTY added to `flags`, nothing else. On failure the Fd is invalid and
// errno is set. A path someone else could plant at needs O_NOFOLLOW and O_NONBLOCK in
// `flags` and an fstat check, or open_nofollow_regular. No file outside src/posix calls
// open/openat/creat/fopen or a file stream directly (the lint test lint.no_raw_open).
// The const char* forms allocate nothing (for a child between fork and exec).
Fd try_open(const std::string& path, int flags, mode_t mode = 0) noexcept;
Fd try_open(const char* path, int flags, mode_t mode = 0) noexcept;
Fd try_open_at(int dirfd, const std::string& name, int flags, mode_t mode = 0) noexcept;
Fd try_open_at(int dirfd, const char* name, int flags, mode_t mode = 0) noexcept;

// try_open, throwing Error(what, path, errno) on failure.
Fd open_or_throw(const std::string& path, int flags, mode_t mode = 0,
                 const std::string& what = "could not open");

// A whole regular file (open_nofollow_regular with `rules`, then read_all up to `limit`
// bytes). Throws Error naming the path.
std::string read_regular_file(const std::string& path, std::size_t limit,
                              const OpenRules& rules = {});

// At most the last `max` bytes of a regular file (a log's tail), "" when it cannot be read
// (missing, not a regular file, unreadable): for error messages only.
std::string read_tail_or_empty(const std::string& path, std::size_t max,
                               const OpenRules& rules = {}) noexcept;

// At most the first `max` bytes of a regular file (a magic number, a script's first lines),
// "" when it cannot be read (missing, not a regular file, unreadable).
std::string read_head_or_empty(const std::string& path, std::size_t max,
                               const OpenRules& rules = {}) noexcept;

// True when both files can be opened (links followed) and read to their end, and hold the
// same bytes; false otherwise (for "is this executable a copy of that one").
bool same_content(const std::string& a, const std::string& b) noexcept;

// fsync a directory (after a rename or unlink in it). Throws Error.
void fsync_directory(int dirfd, const std::string& path);

// Like ssh and sudo for their configuration: every directory that leads to `path` (the
// directories of its real path after links are followed, and those of the name given, which
// may be a link) must be owned by root or the effective user and writable by no one else:
// anyone who may write a directory on the way could replace the file. A directory that
// others may write is accepted only with the sticky bit (/tmp): there only the owner of the
// entry below, checked in turn, may replace it. Group write is allowed for group root, as
// in check_regular. Throws Error (EPERM) naming the file, the directory, its owner and mode.
void check_trusted_directories(const std::string& path);

// A file-type word for messages: "a FIFO", "a directory", "a symbolic link", ...
const char* file_type_name(mode_t mode);

// Checks an fstat result against `rules` and that it is a regular file; throws Error as
// open_nofollow_regular does.
void check_regular(const struct stat& st, const std::string& path, const OpenRules& rules);

} // namespace pds::posix
