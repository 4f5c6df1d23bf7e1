#include "restore/record.hpp"

#include "audit/atomic_file.hpp"

namespace pds::restore {

void write_record_atomically(const std::string& path, const std::string& content) {
    audit::write_file_atomically(path, content);
}

} // namespace pds::restore
