// Builds pg_dump archives byte by byte, as pg_dump's source writes them, for what this
// machine's pg_dump 15 cannot produce: archive versions 1.15 (pg_dump 16: compression
// algorithm byte) and 1.16 (pg_dump 17/18: relkind, one BLOBS entry per group of large
// objects), and LZ4 and zstd compression. Written from pg_backup_archiver.c (WriteHead,
// WriteToc, WriteInt, WriteStr, WriteOffset), pg_backup_custom.c, pg_backup_directory.c,
// pg_backup_tar.c, compress_gzip.c, compress_lz4.c and compress_zstd.c; independent of the
// verifier's own parser.
//
// Byte layout. int: one sign byte (0 or 1), then int_size (4) bytes of the absolute value,
// least significant first. str: an int length (-1 for NULL), then the bytes, no NUL.
//
//   header    "PGDMP" | major u8 (1) | minor u8 | rev u8 (0) | int_size u8 (4) |
//             off_size u8 (8) | format u8 (1 custom; 3 for the TOC of tar and directory) |
//             1.15+: compression algorithm u8 (0 none, 1 gzip, 2 lz4, 3 zstd)
//             1.14:  compression level int (0 none, -1 or 1..9 gzip) |
//             7 ints: tm_sec tm_min tm_hour tm_mday tm_mon tm_year tm_isdst |
//             str database | str server version | str pg_dump version
//   TOC       int entry count, then per entry:
//             int dumpId | int hadDumper (0/1) | str tableoid | str oid | str tag |
//             str desc | int section (1 none 2 pre-data 3 data 4 post-data) | str defn |
//             str dropStmt | str copyStmt | str namespace | str tablespace |
//             str tableam (1.14+) | int relkind (1.16+) | str owner | str "false" (withOids) |
//             str dependency dumpIds..., NULL str |
//             custom: u8 offset flag (1 not set, 2 set, 3 no data) + 8 bytes offset, LE
//             tar, directory: str data file name ("" for none)
//   custom    header, TOC, then per entry with data, in TOC order, a data block:
//             u8 type (1 BLK_DATA, 3 BLK_BLOBS) | int dumpId | body
//             BLK_DATA body: chunks.  BLK_BLOBS body: { int oid, chunks }*, int 0
//             chunks: { int length > 0, payload }*, int 0. The payloads of one chunk
//             sequence concatenate to one zlib stream (gzip), one LZ4 frame, one zstd
//             frame, or the raw data.
//   directory toc.dat (header + TOC), NNNN.dat[.gz|.lz4|.zst] per TABLE DATA entry,
//             blobs.toc (1.16: blobs_NNNN.toc, one per BLOBS entry) with lines
//             "<oid> blob_<oid>.dat\n", blob_<oid>.dat[.gz|.lz4|.zst]. gzip files are
//             gzip format; lz4 files one LZ4 frame; zstd files one zstd frame.
//   tar       ustar members toc.dat, NNNN.dat..., blob_<oid>.dat..., blobs.toc,
//             restore.sql, then 1024 zero bytes; never compressed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace pds::verify::testing {

enum class Compression { None, Gzip, Lz4, Zstd };

struct SynthEntry {
    int dump_id = 0;
    std::string desc, tag, nspace, defn, copy_stmt;
    int section = 2;
    bool has_data = false;
    std::string data;                                         // TABLE DATA
    std::vector<std::pair<std::uint32_t, std::string>> blobs; // BLOBS
    std::vector<int> deps;
};

struct SynthArchive {
    int minor = 16; // archive version 1.minor
    Compression compression = Compression::None;
    bool checksums = false; // LZ4/zstd content checksums (pg_dump does not ask for them)
    std::vector<SynthEntry> entries;
};

// A plausible dump of a small database: ENCODING, SCHEMA, TABLEs, TABLE DATA for a small,
// a ~300 KB and an empty table, and large objects (two BLOBS entries for 1.16, one before).
SynthArchive sample_archive(int minor, Compression c);

// pg_dump's compressed stream for custom blocks (zlib_format: zlib, not gzip, for Gzip)
// and for files (gzip format for Gzip).
std::string compress(Compression c, const std::string& data, bool zlib_format, bool checksums);
// zlib's deflate of `data` at `level`; window_bits 15: a zlib stream, 31: a gzip member.
std::string deflate_bytes(const std::string& data, int level, int window_bits);

std::string build_custom(const SynthArchive& a, bool offsets = true, std::size_t chunk = 4096);
std::string build_toc(const SynthArchive& a, int format_byte); // header + TOC, file names
void write_directory(const SynthArchive& a, const std::filesystem::path& dir);
std::string build_tar(const SynthArchive& a);
// One ustar member as pg_dump's tar format writes it (mode 0600, owner postgres), padded to
// 512 bytes.
std::string tar_member(const std::string& name, const std::string& data);

const char* suffix(Compression c); // "", ".gz", ".lz4", ".zst"

// Damage of one of four kinds (kind % 4) at a position drawn from rng: random bytes, a cut, a
// zeroed range, an int-sized field overwritten with 0x7f bytes. Deterministic for a seeded rng.
std::string mutate(std::string bytes, std::mt19937& rng, int kind);

} // namespace pds::verify::testing
