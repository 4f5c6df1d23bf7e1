// Removing a directory tree that other users may be changing while we remove it (a stale
// partial in a shared backup directory). Boost 1.74's remove_all is path based: it lstats an
// entry and then opens it again by name, so a directory swapped for a symbolic link in
// between makes it delete files behind the link (the CVE-2022-21658 class). This walk works
// only through directory descriptors: openat(O_NOFOLLOW|O_DIRECTORY), fstatat
// (AT_SYMLINK_NOFOLLOW), unlinkat. A link is removed as a link, never followed; a swap is an
// error, not a deletion elsewhere.
#pragma once

#include "posix/fd.hpp"

#include <string>

namespace pds::posix {

struct RemoveTreeOptions {
    // Refuse (Error with EPERM) when the top entry is not owned by the effective user. For
    // root this still refuses another user's entry: pass false where root may remove any.
    bool top_must_be_own = false;
};

// Removes `path`: a file, a symbolic link (the link itself) or a whole directory tree.
// Does not cross into another mounted filesystem (Error with EXDEV). Returns false when
// `path` did not exist. Throws Error naming the entry and the errno text.
bool remove_tree(const std::string& path, const RemoveTreeOptions& options = {});

// The same for `name` (one component) inside the open directory `dirfd`; `display` is the
// path used in messages.
bool remove_tree_at(int dirfd, const std::string& name, const std::string& display,
                    const RemoveTreeOptions& options = {});

} // namespace pds::posix
