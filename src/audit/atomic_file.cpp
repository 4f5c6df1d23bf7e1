#include "audit/atomic_file.hpp"

#include "posix/atomic_file.hpp"

namespace pds::audit {

void write_file_atomically(const std::string& path, const std::string& content) {
    posix::write_file_atomically(path, content, posix::default_file_mode());
}

} // namespace pds::audit
