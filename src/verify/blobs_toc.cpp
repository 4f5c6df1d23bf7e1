#include "verify/blobs_toc.hpp"

#include <cctype>

namespace pds::verify::detail {

bool is_plain_file_name(const std::string& name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
}

std::string blob_file_base(const std::string& name) {
    std::string base = name;
    for (const std::string suffix : {".gz", ".lz4", ".zst"})
        if (base.size() > suffix.size() &&
            base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
            base.resize(base.size() - suffix.size());
            break;
        }
    if (base.size() <= 9 || base.compare(0, 5, "blob_") != 0 ||
        base.compare(base.size() - 4, 4, ".dat") != 0 ||
        base.find_first_not_of("0123456789", 5) != base.size() - 4)
        return {};
    return base;
}

void BlobTocParser::write(const std::uint8_t* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (data[i] == '\n') {
            line();
            continue;
        }
        if (line_.size() >= 1024)
            throw_problem("line " + std::to_string(number_ + 1) + " is longer than 1024 bytes");
        line_ += static_cast<char>(data[i]);
    }
}

void BlobTocParser::finish() {
    if (!line_.empty())
        throw_problem("last line \"" + printable(line_) +
                      "\" has no newline: the file is cut short");
}

void BlobTocParser::line() {
    ++number_;
    const std::string where = "line " + std::to_string(number_) + " \"" + printable(line_) + "\"";
    const std::size_t space = line_.find(' ');
    if (space == std::string::npos || space == 0 || space > 10)
        throw_problem(where + " is not \"<oid> <file name>\"");
    std::uint64_t oid = 0;
    for (std::size_t i = 0; i < space; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(line_[i])))
            throw_problem(where + " does not start with an OID");
        oid = oid * 10 + static_cast<std::uint64_t>(line_[i] - '0');
    }
    if (oid == 0 || oid > 0xFFFFFFFFull)
        throw_problem(where + ": OID out of range");
    const std::string file = line_.substr(space + 1);
    if (!is_plain_file_name(file))
        throw_problem(where + ": \"" + printable(file) + "\" is not a plain file name");
    line_.clear();
    handler_(static_cast<std::uint32_t>(oid), file);
}

} // namespace pds::verify::detail
