// The archive header and table of contents shared by the custom, tar and directory formats,
// read the way pg_restore reads them (pg_backup_archiver.c: ReadHead, ReadToc, ReadInt,
// ReadStr, ReadOffset), for archive versions 1.10 to 1.16 (pg_dump 8.0 to 18).
#pragma once

#include "verify/file_reader.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace pds::verify::detail {

constexpr int archive_version(int major, int minor, int rev) {
    return (major * 256 + minor) * 256 + rev;
}
constexpr int kVers_1_10 = archive_version(1, 10, 0); // tablespace; oldest we read
constexpr int kVers_1_11 = archive_version(1, 11, 0); // TOC section field
constexpr int kVers_1_14 = archive_version(1, 14, 0); // tableam (pg_dump 12-15)
constexpr int kVers_1_15 = archive_version(1, 15, 0); // compression algorithm byte (16)
constexpr int kVers_1_16 = archive_version(1, 16, 0); // relkind, several BLOBS (17, 18)
constexpr int kVersMax = archive_version(1, 16, 255);

// ArchiveFormat values of pg_backup.h as stored in the header's format byte. A directory
// dump's toc.dat carries the tar code (pg_backup_directory.c reads it as archTar).
constexpr int kFormatCustom = 1;
constexpr int kFormatTar = 3;

enum class Codec { None, Zlib, Gzip, Lz4, Zstd };
const char* codec_name(Codec c); // none, gzip (also for zlib), lz4, zstd

struct Header {
    int vmaj = 0, vmin = 0, vrev = 0, version = 0;
    int int_size = 0, off_size = 0, format = 0;
    Codec compression = Codec::None; // of data blocks/files; Zlib for custom gzip blocks
    std::string created;             // "YYYY-MM-DD HH:MM:SS" as recorded (pg_dump's local time)
    std::string database, server_version, dump_version;
    std::string version_string() const; // "1.14"
};

// K_OFFSET_* of pg_backup_archiver.h: the data-position flag of a custom-format entry.
constexpr int kOffsetPosNotSet = 1; // data written, position unknown (output was a pipe)
constexpr int kOffsetPosSet = 2;
constexpr int kOffsetNoData = 3;

enum class TocExtra { DataOffset, FileName }; // custom; tar and directory

// A TOC entry that has data (hadDumper). Entries without data are counted, not kept.
struct DataEntry {
    std::int32_t dump_id = 0;
    std::string desc, tag, nspace; // truncated copies, for messages
    bool copy = false;             // COPY data: pg_dump ends it with "\.\n\n\n"
    std::string copy_stmt;         // "COPY public.t (a, b) FROM stdin;\n", at most 64 KiB kept
    bool copy_stmt_whole = false;  // copy_stmt is the whole statement
    int offset_state = 0;          // custom
    std::uint64_t offset = 0;      // custom, valid when offset_state == kOffsetPosSet
    std::string filename;          // tar, directory
    bool is_blobs() const { return desc == "BLOBS"; }
    std::string label() const; // "table public.t (dumpId 212)"
};

struct Toc {
    std::uint64_t entries = 0;
    std::vector<DataEntry> data;
};

// pg_dump's integer: a sign byte, then int_size bytes, least significant first.
std::int64_t read_archive_int(Reader& r, const Header& h);

// Reads magic, version, sizes, format, compression, creation time, names. `expected_format`
// is the format byte pg_restore would insist on.
Header read_header(Reader& r, int expected_format);

// Reads the entry count and every entry with all its fields, then the format's extra field.
Toc read_toc(Reader& r, const Header& h, TocExtra extra);

} // namespace pds::verify::detail
