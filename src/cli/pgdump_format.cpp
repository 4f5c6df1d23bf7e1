// Output format and output destination as pg_dump decides them, and its --version line.
#include "cli/pgdump_options.hpp"

#include <cctype>
#include <climits>

namespace pds::cli {
namespace {

// pg_strcasecmp folds ASCII letters only for the names pg_dump compares against.
std::string ascii_lower(const std::string& s) {
    std::string out = s;
    for (char& c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

} // namespace

const char* format_name(Format f) {
    switch (f) {
    case Format::Plain:
        return "plain";
    case Format::Custom:
        return "custom";
    case Format::Tar:
        return "tar";
    case Format::Directory:
        return "directory";
    }
    return "plain";
}

bool is_append_format(const std::string& value) {
    const std::string v = ascii_lower(value);
    return v == "a" || v == "append";
}

std::optional<Format> parse_format(const std::string& value, int /*pg_major*/) {
    // parseArchiveFormat is the same in every supported version, so pg_major is not consulted.
    const std::string v = ascii_lower(value);
    if (v == "c" || v == "custom")
        return Format::Custom;
    if (v == "d" || v == "directory")
        return Format::Directory;
    if (v == "t" || v == "tar")
        return Format::Tar;
    if (v == "p" || v == "plain" || is_append_format(v))
        return Format::Plain;
    return std::nullopt;
}

bool file_is_stdout(const ParsedArgs& parsed) {
    if (!parsed.format || *parsed.format == Format::Directory)
        return false;
    if (!parsed.file)
        return true;
    if (*parsed.format == Format::Plain)
        return *parsed.file == "-";
    return parsed.file->empty(); // custom and tar: "-" is a file named "-"
}

std::optional<int> parse_pg_dump_version_major(const std::string& version_output) {
    // pg_dump prints exactly "pg_dump (PostgreSQL) " PG_VERSION; packagers append to the line.
    const std::string line = version_output.substr(0, version_output.find('\n'));
    const std::string head = "pg_dump (";
    if (line.compare(0, head.size(), head) != 0)
        return std::nullopt;
    const std::size_t close = line.find(") ", head.size());
    if (close == std::string::npos)
        return std::nullopt;
    std::size_t pos = close + 2;
    if (pos >= line.size() || !std::isdigit(static_cast<unsigned char>(line[pos])))
        return std::nullopt;
    long major = 0;
    for (; pos < line.size() && std::isdigit(static_cast<unsigned char>(line[pos])); ++pos) {
        major = major * 10 + (line[pos] - '0');
        if (major > INT_MAX / 10)
            return std::nullopt;
    }
    return static_cast<int>(major);
}

} // namespace pds::cli
