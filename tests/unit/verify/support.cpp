#include "support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace pds::verify::testing {
namespace {

std::map<std::string, std::string> server_env() {
    const std::string path = std::string(PDS_PGTEST_ROOT) + "/s15/env";
    std::ifstream in(path);
    if (!in)
        FAIL("no test server environment at " << path
                                              << ": the pg15 fixture (pg15-start) did not run");
    std::map<std::string, std::string> env;
    std::string line;
    while (std::getline(in, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos)
            env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

TempDir::TempDir() {
    const fs::path base = fs::path(PDS_BINARY_DIR) / "tmp-verify-tests";
    fs::create_directories(base);
    std::string templ = (base / "t-XXXXXX").string();
    REQUIRE(::mkdtemp(&templ[0]) != nullptr);
    path_ = templ;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void run_with_server(const std::string& command) {
    const auto env = server_env();
    std::string line;
    for (const char* k : {"PGHOST", "PGPORT", "PGUSER"})
        line += std::string(k) + "=" + quote(env.at(k)) + " ";
    line += "PG_BIN=" + quote(env.at("PDS_TEST_BINDIR")) + " ";
    TempDir err_dir;
    const fs::path err = err_dir / "stderr";
    const std::string full = line + "bash -o pipefail -c " + quote(command) + " 2>" + quote(err);
    const int rc = std::system(full.c_str());
    INFO("command: " << command << "\nstderr: " << read_file(err));
    REQUIRE(WIFEXITED(rc));
    REQUIRE(WEXITSTATUS(rc) == 0);
}

void pg_dump(const std::string& args, const fs::path& out, bool pipe) {
    if (pipe)
        run_with_server("\"$PG_BIN/pg_dump\" " + args + " app | cat > " + quote(out.string()));
    else
        run_with_server("\"$PG_BIN/pg_dump\" " + args + " -f " + quote(out.string()) + " app");
}

std::vector<std::uint64_t> custom_block_offsets(const fs::path& archive) {
    TempDir tmp;
    const fs::path script = tmp / "script.sql";
    run_with_server("\"$PG_BIN/pg_restore\" -v -f " + quote(script.string()) + " " +
                    quote(archive.string()));
    std::istringstream in(read_file(script));
    std::set<std::uint64_t> offsets;
    std::string line;
    const std::string tag = "-- Data Pos: ";
    while (std::getline(in, line))
        if (line.compare(0, tag.size(), tag) == 0 && line.size() > tag.size() &&
            line[tag.size()] != '0')
            offsets.insert(std::stoull(line.substr(tag.size())));
    return {offsets.begin(), offsets.end()};
}

std::vector<TarMember> tar_members(const fs::path& archive) {
    const std::string bytes = read_file(archive);
    std::vector<TarMember> out;
    std::uint64_t pos = 0;
    while (pos + 512 <= bytes.size() && bytes[pos] != '\0') {
        TarMember m;
        m.name = bytes.substr(pos, bytes.find('\0', pos) - pos);
        m.header = pos;
        m.data = pos + 512;
        m.size = std::stoull(bytes.substr(pos + 124, 11), nullptr, 8);
        out.push_back(m);
        pos = m.data + (m.size + 511) / 512 * 512;
    }
    return out;
}

std::uint64_t size_of(const fs::path& p) {
    return fs::file_size(p);
}

void truncate_file(const fs::path& p, std::uint64_t size) {
    REQUIRE(::truncate(p.c_str(), static_cast<off_t>(size)) == 0);
}

void zero_range(const fs::path& p, std::uint64_t offset, std::uint64_t length) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(offset));
    f << std::string(length, '\0');
    REQUIRE(f.good());
}

void flip_byte(const fs::path& p, std::uint64_t offset) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0xFF));
    REQUIRE(f.good());
}

void copy_tree(const fs::path& from, const fs::path& to) {
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

Verdict verify(const fs::path& p, Level level) {
    return verify_path(boost::filesystem::path(p.string()), level);
}

std::vector<std::uint64_t> cuts(std::uint64_t begin, std::uint64_t end, std::uint64_t limit,
                                std::uint64_t step) {
    std::set<std::uint64_t> out;
    auto add = [&](std::uint64_t v) {
        if (v >= 1 && v < limit)
            out.insert(v);
    };
    for (std::uint64_t v = begin; v < end; v += step)
        add(v);
    for (std::uint64_t v : {begin - 1, begin, begin + 1, end - 1, end, end + 1})
        add(v);
    return {out.begin(), out.end()};
}

} // namespace pds::verify::testing
