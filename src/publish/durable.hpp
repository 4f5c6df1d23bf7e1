// Durability primitives: fsync, atomic rename, append of verified bytes. POSIX, as in
// PostgreSQL's durable_rename(): fsync the file, rename, fsync the directory.
#pragma once

#include <boost/filesystem/path.hpp>

namespace pds::publish {

// fsync a file, or every file and directory of a tree (directory-format dumps) and the tree.
void fsync_tree(const boost::filesystem::path& p);

// fsync the directory holding `p`, so a rename or unlink in it is durable.
void fsync_parent(const boost::filesystem::path& p);

// When `final_path` already exists as a regular file, give `partial` its permission bits and
// (where the process may) its group, so replacing a dump does not change who may read it.
void carry_over_attributes(const boost::filesystem::path& partial,
                           const boost::filesystem::path& final_path);

// rename(2) partial onto final_path (atomic in one filesystem), then fsync the directory.
void rename_into_place(const boost::filesystem::path& partial,
                       const boost::filesystem::path& final_path, bool sync);

// Append the whole of `file` to `fd` at its current position (copy_file_range, falling back
// to read/write), then fsync fd. On error the bytes appended so far are cut off again
// (ftruncate to the original end) so that nothing partial is left appended.
void append_file_to_fd(const boost::filesystem::path& file, int fd, bool sync);

} // namespace pds::publish
