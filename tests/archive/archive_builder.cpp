#include "archive/archive_builder.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

namespace pds::verify::testing {
namespace {

constexpr int kIntSize = 4, kOffSize = 8;

class Writer {
public:
    void u8(int v) { out += static_cast<char>(v); }
    void integer(std::int64_t v) {
        u8(v < 0 ? 1 : 0);
        std::uint64_t m = static_cast<std::uint64_t>(v < 0 ? -v : v);
        for (int i = 0; i < kIntSize; ++i, m >>= 8)
            u8(static_cast<int>(m & 0xFF));
    }
    void str(const std::string& s) {
        integer(static_cast<std::int64_t>(s.size()));
        out += s;
    }
    void null_str() { integer(-1); }
    void offset(int flag, std::uint64_t v) {
        u8(flag);
        for (int i = 0; i < kOffSize; ++i, v >>= 8)
            u8(static_cast<int>(v & 0xFF));
    }
    // A chunk sequence: length-prefixed pieces of at most `chunk` bytes, then a zero length.
    void chunks(const std::string& payload, std::size_t chunk) {
        for (std::size_t at = 0; at < payload.size(); at += chunk) {
            const std::string piece = payload.substr(at, chunk);
            integer(static_cast<std::int64_t>(piece.size()));
            out += piece;
        }
        integer(0);
    }
    std::string out;
};

std::string version_of(int minor) {
    return minor >= 16 ? "17.2" : minor == 15 ? "16.4" : "15.8";
}

void header(Writer& w, const SynthArchive& a, int format_byte) {
    w.out += "PGDMP";
    w.u8(1);
    w.u8(a.minor);
    w.u8(0);
    w.u8(kIntSize);
    w.u8(kOffSize);
    w.u8(format_byte);
    if (a.minor >= 15)
        w.u8(static_cast<int>(a.compression)); // pg_compress_algorithm: none gzip lz4 zstd
    else
        w.integer(a.compression == Compression::None ? 0 : -1); // Z_DEFAULT_COMPRESSION
    for (int v : {56, 34, 12, 1, 5, 125, 0})                    // 2025-06-01 12:34:56, no DST
        w.integer(v);
    w.str("synth");
    w.str(version_of(a.minor));
    w.str(version_of(a.minor));
}

// Everything of a TOC entry up to the format's extra field.
void entry_fields(Writer& w, const SynthArchive& a, const SynthEntry& e) {
    w.integer(e.dump_id);
    w.integer(e.has_data ? 1 : 0);
    w.str(e.desc == "TABLE DATA" || e.desc == "BLOBS" ? "0" : "1259");
    w.str(std::to_string(16384 + e.dump_id));
    w.str(e.tag);
    w.str(e.desc);
    w.integer(e.section);
    w.str(e.defn);
    w.str("");
    if (e.copy_stmt.empty())
        w.null_str();
    else
        w.str(e.copy_stmt);
    if (e.nspace.empty())
        w.null_str();
    else
        w.str(e.nspace);
    w.str("");
    if (a.minor >= 14)
        w.str(e.desc == "TABLE" ? "heap" : "");
    if (a.minor >= 16)
        w.integer(e.desc == "TABLE" ? 'r' : 0); // relkind
    w.str("postgres");
    w.str("false");
    for (int d : e.deps)
        w.str(std::to_string(d));
    w.null_str();
}

std::string blobs_toc_name(const SynthArchive& a, const SynthEntry& e) {
    return a.minor >= 16 ? "blobs_" + std::to_string(e.dump_id) + ".toc" : "blobs.toc";
}

std::string toc_bytes(const SynthArchive& a, const std::vector<std::uint64_t>* offsets,
                      int format_byte, bool tar_names) {
    Writer w;
    header(w, a, format_byte);
    w.integer(static_cast<std::int64_t>(a.entries.size()));
    std::size_t data_index = 0;
    for (const auto& e : a.entries) {
        entry_fields(w, a, e);
        if (format_byte == 1) {
            if (!e.has_data)
                w.offset(3, 0);
            else if (offsets)
                w.offset(2, (*offsets)[data_index++]);
            else
                w.offset(1, 0);
        } else if (!e.has_data) {
            w.str("");
        } else if (e.desc == "BLOBS" && !tar_names) {
            w.str(blobs_toc_name(a, e));
        } else {
            w.str(std::to_string(e.dump_id) + ".dat");
        }
    }
    return w.out;
}

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
    REQUIRE(out.good());
}

std::string big_table_rows() {
    std::string rows;
    std::uint32_t x = 12345;
    for (int i = 1; rows.size() < 300000; ++i) {
        rows += std::to_string(i) + '\t';
        for (int k = 0; k < 40; ++k) {
            x = x * 1103515245u + 12345u;
            rows += "0123456789abcdef"[(x >> 16) & 15];
        }
        rows += '\n';
    }
    return rows;
}

} // namespace

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
    put(265, "postgres");
    put(297, "postgres");
    put(148, "        ");
    unsigned sum = 0;
    for (unsigned char c : h)
        sum += c;
    std::snprintf(num, sizeof num, "%06o", sum);
    put(148, std::string(num) + std::string(1, '\0') + " ");
    return h + data + std::string((512 - data.size() % 512) % 512, '\0');
}

const char* suffix(Compression c) {
    switch (c) {
    case Compression::None:
        return "";
    case Compression::Gzip:
        return ".gz";
    case Compression::Lz4:
        return ".lz4";
    case Compression::Zstd:
        return ".zst";
    }
    return "";
}

std::string deflate_bytes(const std::string& data, int level, int window_bits) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, data.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(&out[0]);
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string compress(Compression c, const std::string& data, bool zlib_format, bool checksums) {
    switch (c) {
    case Compression::None:
        return data;
    case Compression::Gzip:
        return deflate_bytes(data, 6, zlib_format ? 15 : 31);
    case Compression::Lz4: {
        if (data.empty() && !zlib_format)
            return ""; // LZ4Stream_close writes nothing for a stream never written to
        LZ4F_preferences_t prefs{};
        prefs.frameInfo.contentChecksumFlag =
            checksums ? LZ4F_contentChecksumEnabled : LZ4F_noContentChecksum;
        std::string out(LZ4F_compressFrameBound(data.size(), &prefs), '\0');
        const std::size_t n =
            LZ4F_compressFrame(&out[0], out.size(), data.data(), data.size(), &prefs);
        REQUIRE_FALSE(LZ4F_isError(n));
        out.resize(n);
        return out;
    }
    case Compression::Zstd: {
        ZSTD_CCtx* ctx = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, checksums ? 1 : 0);
        std::string out(ZSTD_compressBound(data.size()), '\0');
        const std::size_t n = ZSTD_compress2(ctx, &out[0], out.size(), data.data(), data.size());
        ZSTD_freeCCtx(ctx);
        REQUIRE_FALSE(ZSTD_isError(n));
        out.resize(n);
        return out;
    }
    }
    return data;
}

SynthArchive sample_archive(int minor, Compression c) {
    SynthArchive a;
    a.minor = minor;
    a.compression = c;
    auto add = [&a](SynthEntry e) { a.entries.push_back(std::move(e)); };
    add({1,
         "ENCODING",
         "ENCODING",
         "",
         "SET client_encoding = 'UTF8';\n",
         "",
         1,
         false,
         "",
         {},
         {}});
    add({2,
         "STDSTRINGS",
         "STDSTRINGS",
         "",
         "SET standard_conforming_strings = 'on';\n",
         "",
         1,
         false,
         "",
         {},
         {}});
    add({10, "SCHEMA", "other", "", "CREATE SCHEMA other;\n", "", 2, false, "", {}, {}});
    add({20,
         "TABLE",
         "t_small",
         "public",
         "CREATE TABLE public.t_small (id int, name text);\n",
         "",
         2,
         false,
         "",
         {},
         {}});
    add({21,
         "TABLE",
         "big",
         "public",
         "CREATE TABLE public.big (id int, v text);\n",
         "",
         2,
         false,
         "",
         {},
         {}});
    add({22,
         "TABLE",
         "empty",
         "other",
         "CREATE TABLE other.empty (x int);\n",
         "",
         2,
         false,
         "",
         {},
         {10}});
    if (minor >= 16)
        add({30, "BLOB METADATA", "16401..16403", "", "", "", 2, false, "", {}, {}});
    add({100,
         "TABLE DATA",
         "t_small",
         "public",
         "",
         "COPY public.t_small (id, name) FROM stdin;\n",
         3,
         true,
         "1\tone\n2\ttwo\n\\.\n\n\n",
         {},
         {20}});
    add({101,
         "TABLE DATA",
         "big",
         "public",
         "",
         "COPY public.big (id, v) FROM stdin;\n",
         3,
         true,
         big_table_rows() + "\\.\n\n\n",
         {},
         {21}});
    add({102,
         "TABLE DATA",
         "empty",
         "other",
         "",
         "COPY other.empty (x) FROM stdin;\n",
         3,
         true,
         "\\.\n\n\n",
         {},
         {22}});
    SynthEntry blobs{110, "BLOBS", "BLOBS", "", "", "", 3, true, "", {}, {}};
    blobs.blobs = {{16401, std::string(5000, 'x')}, {16402, ""}};
    if (minor < 16)
        blobs.blobs.push_back({16403, "tail"});
    add(blobs);
    if (minor >= 16) {
        SynthEntry second{111, "BLOBS", "BLOBS", "", "", "", 3, true, "", {}, {}};
        second.blobs = {{16403, "tail"}};
        add(second);
    }
    add({200,
         "CONSTRAINT",
         "t_small_pkey",
         "public",
         "ALTER TABLE ONLY public.t_small ADD CONSTRAINT t_small_pkey PRIMARY KEY (id);\n",
         "",
         4,
         false,
         "",
         {},
         {20}});
    return a;
}

std::string build_custom(const SynthArchive& a, bool offsets, std::size_t chunk) {
    std::vector<std::string> blocks;
    for (const auto& e : a.entries) {
        if (!e.has_data)
            continue;
        Writer w;
        if (e.desc == "BLOBS") {
            w.u8(3);
            w.integer(e.dump_id);
            for (const auto& blob : e.blobs) {
                w.integer(blob.first);
                w.chunks(compress(a.compression, blob.second, true, a.checksums), chunk);
            }
            w.integer(0);
        } else {
            w.u8(1);
            w.integer(e.dump_id);
            w.chunks(compress(a.compression, e.data, true, a.checksums), chunk);
        }
        blocks.push_back(w.out);
    }
    // Offsets have a fixed width, so the TOC is as long with them as without.
    std::vector<std::uint64_t> at;
    std::uint64_t pos = toc_bytes(a, nullptr, 1, false).size();
    for (const auto& b : blocks) {
        at.push_back(pos);
        pos += b.size();
    }
    std::string out = toc_bytes(a, offsets ? &at : nullptr, 1, false);
    for (const auto& b : blocks)
        out += b;
    return out;
}

std::string build_toc(const SynthArchive& a, int format_byte) {
    return toc_bytes(a, nullptr, format_byte, false);
}

void write_directory(const SynthArchive& a, const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    write_bytes(dir / "toc.dat", toc_bytes(a, nullptr, 3, false));
    for (const auto& e : a.entries) {
        if (!e.has_data)
            continue;
        if (e.desc != "BLOBS") {
            write_bytes(dir / (std::to_string(e.dump_id) + ".dat" + suffix(a.compression)),
                        compress(a.compression, e.data, false, a.checksums));
            continue;
        }
        std::string list;
        for (const auto& blob : e.blobs) {
            const std::string name = "blob_" + std::to_string(blob.first) + ".dat";
            list += std::to_string(blob.first) + " " + name + "\n";
            write_bytes(dir / (name + suffix(a.compression)),
                        compress(a.compression, blob.second, false, a.checksums));
        }
        write_bytes(dir / blobs_toc_name(a, e), list); // never compressed
    }
}

std::string build_tar(const SynthArchive& a) {
    REQUIRE(a.compression == Compression::None);
    std::string out = tar_member("toc.dat", toc_bytes(a, nullptr, 3, true));
    for (const auto& e : a.entries) {
        if (!e.has_data)
            continue;
        if (e.desc != "BLOBS") {
            out += tar_member(std::to_string(e.dump_id) + ".dat", e.data);
            continue;
        }
        std::string list;
        for (const auto& blob : e.blobs) {
            const std::string name = "blob_" + std::to_string(blob.first) + ".dat";
            list += std::to_string(blob.first) + " " + name + "\n";
            out += tar_member(name, blob.second);
        }
        out += tar_member(blobs_toc_name(a, e), list);
    }
    out += tar_member("restore.sql", "--\n-- restore script\n--\n");
    return out + std::string(1024, '\0');
}

std::string mutate(std::string b, std::mt19937& rng, int kind) {
    if (b.empty())
        return b;
    const std::size_t at = rng() % b.size();
    switch (kind % 4) {
    case 0:
        for (int k = 0; k < 1 + kind % 3; ++k)
            b[rng() % b.size()] = static_cast<char>(rng());
        break;
    case 1:
        b.resize(at);
        break;
    case 2: {
        const std::size_t len = std::min<std::size_t>(b.size() - at, 1 + rng() % 300);
        b.replace(at, len, std::string(len, '\0'));
        break;
    }
    default: {
        const std::size_t len = std::min<std::size_t>(b.size() - at, 5);
        b.replace(at, len, std::string(len, '\x7f'));
        break;
    }
    }
    return b;
}

} // namespace pds::verify::testing
