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

// fsync a directory (after a rename or unlink in it). Throws Error.
void fsync_directory(int dirfd, const std::string& path);

// A file-type word for messages: "a FIFO", "a directory", "a symbolic link", ...
const char* file_type_name(mode_t mode);

// Checks an fstat result against `rules` and that it is a regular file; throws Error as
// open_nofollow_regular does.
void check_regular(const struct stat& st, const std::string& path, const OpenRules& rules);

} // namespace pds::posix
