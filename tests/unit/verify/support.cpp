#include "support.hpp"

#include "support/process.hpp"

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

using pds::test::shell_quote;

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
    const auto env = pds::test::server_env("s15");
    pds::test::RunOptions o;
    for (const char* k : {"PGHOST", "PGPORT", "PGUSER"})
        o.env[k] = env.at(k);
    o.env["PG_BIN"] = env.at("PDS_TEST_BINDIR");
    const pds::test::RunResult r = pds::test::run({"bash", "-o", "pipefail", "-c", command}, o);
    INFO("command: " << command << "\nstderr: " << r.err << r.error);
    REQUIRE(r.status == 0);
}

void pg_dump(const std::string& args, const fs::path& out, bool pipe) {
    if (pipe)
        run_with_server("\"$PG_BIN/pg_dump\" " + args + " app | cat > " +
                        shell_quote(out.string()));
    else
        run_with_server("\"$PG_BIN/pg_dump\" " + args + " -f " + shell_quote(out.string()) +
                        " app");
}

std::vector<std::uint64_t> custom_block_offsets(const fs::path& archive) {
    TempDir tmp;
    const fs::path script = tmp / "script.sql";
    run_with_server("\"$PG_BIN/pg_restore\" -v -f " + shell_quote(script.string()) + " " +
                    shell_quote(archive.string()));
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
