// Reading and writing whole files in tests. A path may be given as std::string, a C string,
// std::filesystem::path or boost::filesystem::path.
#pragma once

#include <boost/filesystem/path.hpp>
#include <filesystem>
#include <string>

namespace pds::test {

struct PathArg {
    PathArg(const std::string& p) : path(p) {}
    PathArg(const char* p) : path(p) {}
    PathArg(const std::filesystem::path& p) : path(p.string()) {}
    PathArg(const boost::filesystem::path& p) : path(p.string()) {}
    std::string path;
};

// The whole file; throws std::runtime_error naming the path and the errno text when it
// cannot be opened or read.
std::string read_file(const PathArg& p);
// The same, but "" when the file cannot be opened: the read_file of the integration harness
// and of the verify and posix tests (/proc entries of processes that are gone, files a test
// removed on purpose).
std::string read_file_or_empty(const PathArg& p);
// Creates or truncates the file and writes content; throws like read_file.
void write_file(const PathArg& p, const std::string& content);

} // namespace pds::test
