// Writing the result record beside the dump. One function, so that it can move to the file
// layer (src/fs, AtomicFile) without touching its callers.
#pragma once

#include <string>

namespace pds::restore {

// Temporary file in the same directory, fsync, rename, fsync the directory; throws
// std::runtime_error naming the path and the errno text.
void write_record_atomically(const std::string& path, const std::string& content);

} // namespace pds::restore
