#include "archive/seed_corpus.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

namespace pds::verify::testing {
namespace {

namespace stdfs = std::filesystem;

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

} // namespace

const std::vector<SeedVariant>& seed_variants() {
    static const std::vector<SeedVariant> variants = {
        {14, Compression::None, "v14-none"}, {14, Compression::Gzip, "v14-gzip"},
        {15, Compression::None, "v15-none"}, {15, Compression::Gzip, "v15-gzip"},
        {15, Compression::Lz4, "v15-lz4"},   {15, Compression::Zstd, "v15-zstd"},
        {16, Compression::None, "v16-none"}, {16, Compression::Gzip, "v16-gzip"},
        {16, Compression::Lz4, "v16-lz4"},   {16, Compression::Zstd, "v16-zstd"},
    };
    return variants;
}

SynthArchive small_archive(int minor, Compression c) {
    SynthArchive a = sample_archive(minor, c);
    for (auto& e : a.entries)
        if (e.desc == "TABLE DATA" && e.tag == "big")
            e.data = "1\taaaaaaaaaaaaaaaaaaaa\n2\tbbbbbbbbbbbbbbbbbbbb\n3\t\\N\n\\.\n\n\n";
    return a;
}

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

int write_seed_corpus(const stdfs::path& out) {
    stdfs::create_directories(out);
    const stdfs::path scratch = out / ".scratch";
    int seeds = 0;
    for (const SeedVariant& v : seed_variants()) {
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
    return seeds;
}

} // namespace pds::verify::testing
