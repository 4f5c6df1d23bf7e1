// Writing the result record beside the dump through the file layer (src/posix): a fresh
// temporary, fsync, rename, fsync of the directory.
#pragma once

#include <string>
#include <sys/types.h>

namespace pds::restore {

// Throws naming the path and the errno text. `mode`: permission bits of the record.
void write_record_atomically(const std::string& path, const std::string& content, mode_t mode);

// The record holds table names and row counts: no more readable than the dump itself
// (its permission bits without execute; the default file mode when it cannot be read).
mode_t record_mode(const std::string& dump);

} // namespace pds::restore
