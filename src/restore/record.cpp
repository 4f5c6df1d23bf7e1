#include "restore/record.hpp"

#include "posix/atomic_file.hpp"

#include <sys/stat.h>

namespace pds::restore {

void write_record_atomically(const std::string& path, const std::string& content, mode_t mode) {
    posix::write_file_atomically(path, content, mode);
}

mode_t record_mode(const std::string& dump) {
    struct stat st;
    if (::stat(dump.c_str(), &st) != 0)
        return posix::default_file_mode();
    return (st.st_mode & 0666) & posix::default_file_mode();
}

} // namespace pds::restore
