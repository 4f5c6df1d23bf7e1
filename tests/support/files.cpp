#include "support/files.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pds::test {
namespace {

[[noreturn]] void throw_io_error(const char* what, const std::string& path, int err) {
    throw std::runtime_error(std::string(what) + " " + path + ": " + std::strerror(err));
}

} // namespace

std::string read_file(const PathArg& p) {
    errno = 0;
    std::ifstream in(p.path, std::ios::binary);
    if (!in)
        throw_io_error("cannot open", p.path, errno);
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad())
        throw_io_error("cannot read", p.path, errno);
    return s.str();
}

std::string read_file_or_empty(const PathArg& p) {
    std::ifstream in(p.path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const PathArg& p, const std::string& content) {
    errno = 0;
    std::ofstream out(p.path, std::ios::binary | std::ios::trunc);
    if (!out)
        throw_io_error("cannot create", p.path, errno);
    out << content;
    out.close();
    if (!out)
        throw_io_error("cannot write", p.path, errno);
}

} // namespace pds::test
