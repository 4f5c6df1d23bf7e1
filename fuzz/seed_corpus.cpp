// Writes the seed corpus of pds_fuzz_verify into $PDS_SEED_DIR: archives as pg_dump writes
// them, built by the unit tests' archive builder (tests/unit/verify/archive_builder.hpp),
// for archive versions 1.14 (pg_dump 15), 1.15 (16) and 1.16 (17/18) and every compression
// that version can hold:
//   custom-*     custom format, with and without data offsets (small chunks)
//   toc-*        the toc.dat of a directory dump alone
//   dir-*        a directory dump packed as a tar archive (the fuzzer unpacks it)
//   tar-*        tar format (never compressed)
//   plain-*      plain SQL, with and without \restrict, uncompressed and gzip/lz4/zstd
// The big table of the sample archive is shrunk so that every seed is a few KB: the fuzzer
// mutates small inputs much faster. Usage: PDS_SEED_DIR=DIR pds_fuzz_seed_corpus
#define CATCH_CONFIG_MAIN
#include "archive_builder.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace stdfs = std::filesystem;
using namespace pds::verify::testing;

void write_seed(const stdfs::path& dir, const std::string& name, const std::string& bytes) {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    REQUIRE(out.good());
}

std::string read_all(const stdfs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in.good());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One ustar member: the layout pg_dump's tar format writes (see archive_builder.cpp).
std::string tar_member(const std::string& name, const std::string& data) {
    std::string h(512, '\0');
    auto put = [&h](std::size_t at, const std::string& s) { h.replace(at, s.size(), s); };
    char num[16];
    put(0, name);
    put(100, "0000600");
    put(108, "0000000");
    put(116, "0000000");
    std::snprintf(num, sizeof num, "%011o", static_cast<unsigned>(data.size()));
    put(124, num);
    put(136, "14770000000");
    put(156, "0");
    put(257, std::string("ustar\0"
                         "00",
                         8));
    put(148, "        ");
    unsigned sum = 0;
    for (unsigned char c : h)
        sum += c;
    std::snprintf(num, sizeof num, "%06o", sum);
    put(148, std::string(num) + std::string(1, '\0') + " ");
    return h + data + std::string((512 - data.size() % 512) % 512, '\0');
}

// A directory dump as a tar archive: toc.dat first, then the other files by name.
std::string pack_directory(const stdfs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : stdfs::directory_iterator(dir))
        if (e.path().filename() != "toc.dat")
            names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    std::string out = tar_member("toc.dat", read_all(dir / "toc.dat"));
    for (const auto& n : names)
        out += tar_member(n, read_all(dir / n));
    return out + std::string(1024, '\0');
}

SynthArchive small_archive(int minor, Compression c) {
    SynthArchive a = sample_archive(minor, c);
    for (auto& e : a.entries)
        if (e.desc == "TABLE DATA" && e.tag == "big")
            e.data = "1\taaaaaaaaaaaaaaaaaaaa\n2\tbbbbbbbbbbbbbbbbbbbb\n3\t\\N\n\\.\n\n\n";
    return a;
}

std::string plain_sql(bool restrict_key) {
    std::string s = "--\n-- PostgreSQL database dump\n--\n\n";
    if (restrict_key)
        s += "\\restrict Ab12Cd34Ef56\n\n";
    s += "-- Dumped from database version 15.14 (Debian 15.14-0+deb12u1)\n"
         "-- Dumped by pg_dump version 15.14 (Debian 15.14-0+deb12u1)\n\n"
         "SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\n\n"
         "CREATE TABLE public.t (id integer, name text);\n\n"
         "COPY public.t (id, name) FROM stdin;\n1\tone\n2\ttwo\n\\.\n\n\n"
         "--\n-- PostgreSQL database dump complete\n--\n\n";
    if (restrict_key)
        s += "\\unrestrict Ab12Cd34Ef56\n\n";
    return s;
}

} // namespace

TEST_CASE("write the seed corpus of pds_fuzz_verify") {
    const char* out_env = std::getenv("PDS_SEED_DIR");
    REQUIRE(out_env != nullptr);
    const stdfs::path out = out_env;
    stdfs::create_directories(out);
    const stdfs::path scratch = out / ".scratch";

    struct Variant {
        int minor;
        Compression c;
        const char* name;
    };
    const Variant variants[] = {
        {14, Compression::None, "v14-none"}, {14, Compression::Gzip, "v14-gzip"},
        {15, Compression::None, "v15-none"}, {15, Compression::Gzip, "v15-gzip"},
        {15, Compression::Lz4, "v15-lz4"},   {15, Compression::Zstd, "v15-zstd"},
        {16, Compression::None, "v16-none"}, {16, Compression::Gzip, "v16-gzip"},
        {16, Compression::Lz4, "v16-lz4"},   {16, Compression::Zstd, "v16-zstd"},
    };
    int seeds = 0;
    for (const Variant& v : variants) {
        const SynthArchive a = small_archive(v.minor, v.c);
        const std::string n = v.name;
        write_seed(out, "custom-" + n, build_custom(a));
        write_seed(out, "custom-nooffsets-" + n, build_custom(a, false, 37));
        write_seed(out, "toc-" + n, build_toc(a, 3));
        stdfs::remove_all(scratch);
        write_directory(a, scratch);
        write_seed(out, "dir-" + n, pack_directory(scratch));
        seeds += 4;
        if (v.c == Compression::None) {
            write_seed(out, "tar-" + n, build_tar(a));
            ++seeds;
        }
    }
    // LZ4/zstd with content checksums, which pg_dump does not write but may one day.
    SynthArchive checked = small_archive(16, Compression::Zstd);
    checked.checksums = true;
    write_seed(out, "custom-v16-zstd-checksums", build_custom(checked));
    checked.compression = Compression::Lz4;
    write_seed(out, "custom-v16-lz4-checksums", build_custom(checked));
    seeds += 2;
    stdfs::remove_all(scratch);

    for (bool key : {false, true}) {
        const std::string sql = plain_sql(key);
        const std::string k = key ? "restrict-" : "";
        write_seed(out, "plain-" + k + "none", sql);
        write_seed(out, "plain-" + k + "gzip", compress(Compression::Gzip, sql, false, false));
        write_seed(out, "plain-" + k + "lz4", compress(Compression::Lz4, sql, false, false));
        write_seed(out, "plain-" + k + "zstd", compress(Compression::Zstd, sql, false, false));
        seeds += 4;
    }
    std::printf("wrote %d seeds into %s\n", seeds, out.string().c_str());
}
