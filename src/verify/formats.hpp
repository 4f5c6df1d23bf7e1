// One verifier per archive format. Each throws Corrupt with the first problem it finds and
// fills ArchiveInfo as far as it got; verify_path() turns that into the Verdict.
#pragma once

#include "verify/archive_toc.hpp"
#include "verify/checked_streams.hpp"
#include "verify/verify.hpp"

#include <boost/filesystem/path.hpp>
#include <string>

namespace pds::verify::detail {

// jobs: worker threads for the compressed streams (1: none); checked: streams already
// decompressed (may be null); count_rows: fill info.counts at `full`; see VerifyOptions.
void verify_custom(const boost::filesystem::path& path, Level level, ArchiveInfo& info,
                   unsigned jobs, const CheckedStreams* checked = nullptr, bool count_rows = false);
void verify_tar(const boost::filesystem::path& path, Level level, ArchiveInfo& info,
                bool count_rows = false);
void verify_directory(const boost::filesystem::path& path, Level level, ArchiveInfo& info,
                      unsigned jobs, bool count_rows = false);
void verify_plain(const boost::filesystem::path& path, Level level, ArchiveInfo& info);

// Copies what the header and TOC say into info.
void fill_info(ArchiveInfo& info, const Header& h, const Toc* toc);

// pg_dump ends the data of every table dumped with COPY with "\.\n\n\n" (dumpTableData_copy),
// so data that does not end that way was cut short. `tail` is the last bytes of the data.
void check_copy_terminator(const DataEntry& e, const std::string& tail);

// The end of a tar archive: size a multiple of 512 and the last 1024 bytes zero. Cheap, so
// the toc level does it too.
void check_tar_end(const File& f);

} // namespace pds::verify::detail
