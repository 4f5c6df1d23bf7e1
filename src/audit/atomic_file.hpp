// Replacing a file so that readers (node_exporter, the next audit) see the old or the new
// content, never a torn one, even across a crash: temporary in the same directory, fsync,
// rename, fsync the directory.
#pragma once

#include <string>

namespace pds::audit {

// posix::write_file_atomically (O_EXCL temporary, fsync, rename, directory fsync). Throws
// std::runtime_error naming the path and the errno text. The new file gets mode
// 0666 & ~umask, like a file the shell would create. The temporary never outlives a failure.
void write_file_atomically(const std::string& path, const std::string& content);

} // namespace pds::audit
