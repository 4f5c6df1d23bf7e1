// The seed corpus of the fuzzer pds_fuzz_verify (fuzz/seed_corpus.cpp writes it), shared with
// the tests that run the verifier over the same archives (test_verify_parallel): archives as
// pg_dump writes them, built by archive_builder.hpp, for archive versions 1.14 (pg_dump 15),
// 1.15 (16) and 1.16 (17/18) and every compression that version can hold:
//   custom-*     custom format, with and without data offsets (small chunks)
//   toc-*        the toc.dat of a directory dump alone
//   dir-*        a directory dump packed as a tar archive (the fuzzer unpacks it)
//   tar-*        tar format (never compressed)
//   plain-*      plain SQL, with and without \restrict, uncompressed and gzip/lz4/zstd
// The big table of the sample archive is shrunk (small_archive) so that every seed is a few
// KB: the fuzzer mutates small inputs much faster.
#pragma once

#include "archive/archive_builder.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace pds::verify::testing {

struct SeedVariant {
    int minor; // archive version 1.minor
    Compression c;
    const char* name; // "v14-none", "v15-lz4", ...
};

// Every archive version with every compression it can hold (1.14: none, gzip).
const std::vector<SeedVariant>& seed_variants();

// sample_archive(minor, c) with the ~300 KB table shrunk to three rows.
SynthArchive small_archive(int minor, Compression c);

// A directory dump as a tar archive: toc.dat first, then the other files by name.
std::string pack_directory(const std::filesystem::path& dir);

// A plain-format dump of one small table, with or without pg_dump's \restrict lines.
std::string plain_sql(bool restrict_key);

// Writes the whole corpus into dir (created; a scratch subdirectory is used and removed);
// returns the number of seeds written. Failures are Catch2 assertions.
int write_seed_corpus(const std::filesystem::path& dir);

} // namespace pds::verify::testing
