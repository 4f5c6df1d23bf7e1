// Native archive verifier: proves a pg_dump output is complete without spawning processes.
//
// Levels (what each proves is documented in README.md and man/pg_dump-safe.1):
//   Toc        cheap: archive header readable; plain format ends with pg_dump's trailer
//   Structure  every TOC entry parsed, every data block/file present and framed to its end
//   Full       Structure + every compressed stream decompressed to its end
#pragma once

#include <boost/filesystem/path.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pds::verify {

namespace detail {
class CheckedStreams;
}

enum class Level { Toc, Structure, Full };
const char* level_name(Level l); // "toc", "structure", "full"
std::optional<Level> parse_level(const std::string& s);

enum class ArchiveFormat { Unknown, Custom, Tar, Directory, Plain };
const char* archive_format_name(ArchiveFormat f);

// The rows of each COPY entry and the large objects of an archive, counted by a `full`
// walk as it decompressed the data (VerifyOptions::count_rows; line_count.hpp).
struct CopyCount {
    std::string copy_stmt; // the TOC entry's "COPY ... FROM stdin;\n"
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0; // of the rows, newlines included, without the "\." terminator
};
struct DataCounts {
    std::vector<CopyCount> copies;   // the entries with COPY data, in TOC order
    std::uint64_t large_objects = 0; // distinct OIDs
};

struct ArchiveInfo {
    ArchiveFormat format = ArchiveFormat::Unknown;
    std::string archive_version; // "1.14" (custom/tar/directory); empty for plain
    std::string pg_dump_version; // "15.18" as recorded in the archive, when known
    std::string server_version;
    std::string database;
    std::string created;       // archive creation time, "YYYY-MM-DD HH:MM:SS" (local time)
    std::string compression;   // "none", "gzip", "lz4", "zstd"
    std::uint64_t entries = 0; // TOC entries
    std::uint64_t data_entries = 0;
    // Bytes of table data and large objects as stored in the archive (compressed size when
    // the archive is compressed), summed while the data blocks, members or files are walked.
    // Only a complete walk measures it: an ok verdict at structure or full for the custom,
    // tar and directory formats (data_bytes_known). Otherwise it is 0 and not known: the toc
    // level reads no data, a failed walk stopped part way, and a plain dump's SQL text has
    // no separate table data.
    std::uint64_t data_bytes = 0;
    bool data_bytes_known = false;
    // Bytes of the file; of a directory dump, toc.dat plus, once the walk completed, every
    // data file (a failed walk counts toc.dat alone, whatever the number of jobs).
    std::uint64_t file_bytes = 0;
    // Set by an ok verdict at `full` of a custom, tar or directory archive when
    // VerifyOptions::count_rows asked for it and every COPY entry had pg_dump's shape.
    std::shared_ptr<const DataCounts> counts;
};

// Whether an ok verdict of this format at this level has measured ArchiveInfo::data_bytes.
bool measures_data_bytes(ArchiveFormat format, Level level);

struct Verdict {
    bool ok = false;
    std::string problem; // first problem found, precise ("table public.t (dumpId 212): ...")
    ArchiveInfo info;
};

// The format of a dump file or directory, from its content; Unknown if it cannot be read.
ArchiveFormat detect_format(const boost::filesystem::path& path);

struct VerifyOptions {
    // Worker threads that decompress the independent streams of one archive (the data
    // blocks of a custom archive at `full`; the data files of a directory dump at
    // `structure` and `full`). 0: the CPUs available, at most 8. 1: no thread, the serial
    // verifier. The verdict is the same whatever the count: the first problem in file order.
    unsigned jobs = 0;
    // Streams of a custom archive that verify::Follower (follow.hpp) decompressed whole
    // while pg_dump wrote the file; `full` reuses those whose bytes are unchanged.
    const detail::CheckedStreams* checked = nullptr;
    // At `full`: count the rows of every COPY entry and the large objects as the data is
    // decompressed (ArchiveInfo::counts), for the content manifest.
    bool count_rows = false;
};

// Verify a dump file or a directory dump at the given level. Format is detected from the
// content (magic "PGDMP", tar header, toc.dat, gzip/lz4/zstd magic, else plain SQL).
// Never throws for a bad archive: problems are verdicts. Throws only for programming errors.
Verdict verify_path(const boost::filesystem::path& path, Level level,
                    const VerifyOptions& options = {});

} // namespace pds::verify
