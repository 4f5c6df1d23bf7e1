// Directory-format dumps made by the real pg_dump 15, with gzip (-Z6) and without (-Z0).
#include "support.hpp"
#include "verdicts.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

fs::path largest_file(const fs::path& dir) {
    fs::path best;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename() != "toc.dat" &&
            (best.empty() || e.file_size() > fs::file_size(best)))
            best = e.path();
    return best;
}

// Cuts `file` of the dump at each offset (largest first: each cut only shortens the file).
void require_file_cuts_rejected(const fs::path& dump, const fs::path& file, Level level,
                                std::vector<std::uint64_t> offsets) {
    const std::uint64_t size = size_of(file);
    std::sort(offsets.rbegin(), offsets.rend());
    for (std::uint64_t cut : offsets) {
        truncate_file(file, cut);
        const Verdict v = verify(dump, level);
        INFO(file.filename() << " cut at byte " << cut << " of " << size << ", level "
                             << level_name(level));
        REQUIRE_FALSE(v.ok);
    }
}

} // namespace

TEST_CASE("directory: intact dumps verify at every level", "[directory]") {
    TempDir tmp;
    for (const char* z : {"-Z0", "-Z6"}) {
        const auto dir = tmp / (std::string("d") + z);
        pg_dump(std::string("-Fd ") + z, dir);
        for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
            const Verdict v = verify(dir, l);
            INFO(z << " at " << level_name(l) << ": " << v.problem);
            REQUIRE(v.ok);
            CHECK(v.info.format == ArchiveFormat::Directory);
            CHECK(v.info.database == "app");
            CHECK(v.info.data_entries == 6);
            CHECK(v.info.compression == (std::string(z) == "-Z0" ? "none" : "gzip"));
        }
    }
}

TEST_CASE("directory: a missing data file is rejected at structure", "[directory]") {
    TempDir tmp;
    for (const char* z : {"-Z0", "-Z6"}) {
        const auto dir = tmp / (std::string("d") + z);
        pg_dump(std::string("-Fd ") + z, dir);
        const fs::path victim = largest_file(dir);
        fs::remove(victim);
        CHECK(verify(dir, Level::Toc).ok);
        const Verdict v = require_rejected_starting(dir, Level::Structure, "table public.big");
        CHECK(v.problem.find("is missing") != std::string::npos);
    }
}

TEST_CASE("directory: missing toc.dat, large-object file or list is rejected", "[directory]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    pg_dump("-Fd -Z6", dir);
    SECTION("toc.dat") {
        fs::remove(dir / "toc.dat");
        require_rejected(dir, Level::Toc, "no toc.dat");
    }
    SECTION("a blob file") {
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().rfind("blob_", 0) == 0)
                fs::remove(e.path());
        require_rejected_starting(dir, Level::Structure, "large objects (dumpId");
    }
    SECTION("blobs.toc cut in its only line") {
        truncate_file(dir / "blobs.toc", 10);
        require_rejected(dir, Level::Structure, "no newline");
    }
}

TEST_CASE("directory -Z0: every cut of the largest data file is rejected at structure",
          "[directory]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    pg_dump("-Fd -Z0", dir);
    const fs::path big = largest_file(dir);
    require_file_cuts_rejected(dir, big, Level::Structure, cuts(0, size_of(big), size_of(big)));
    // toc.dat cut anywhere fails even at toc level.
    const auto toc = dir / "toc.dat";
    require_file_cuts_rejected(dir, toc, Level::Toc, cuts(0, size_of(toc), size_of(toc), 16));
}

TEST_CASE("directory -Z6: every cut of the largest data file is rejected at structure and full",
          "[directory]") {
    // Deflate has no framing to walk: structure decompresses gzip files to their trailer.
    for (Level level : {Level::Structure, Level::Full}) {
        TempDir tmp;
        const auto dir = tmp / "d";
        pg_dump("-Fd -Z6", dir);
        const fs::path big = largest_file(dir);
        require_file_cuts_rejected(dir, big, level, cuts(0, size_of(big), size_of(big)));
    }
}

TEST_CASE("directory: a large-object list cut at a line boundary is rejected", "[directory]") {
    // The seed has one large object: its list's only line boundary is the start. pg_restore
    // reads the cut list without complaint and restores the large object empty.
    for (const char* z : {"-Z0", "-Z6"}) {
        TempDir tmp;
        const auto dir = tmp / "d";
        pg_dump(std::string("-Fd ") + z, dir);
        truncate_file(dir / "blobs.toc", 0);
        CHECK(verify(dir, Level::Toc).ok);
        for (Level level : {Level::Structure, Level::Full}) {
            const Verdict v = verify(dir, level);
            INFO(z << " at " << level_name(level) << ": " << v.problem);
            REQUIRE_FALSE(v.ok);
            CHECK(v.problem.find("is named by no large-object list") != std::string::npos);
        }
    }
}

TEST_CASE("directory -Z6: an empty gzip file of COPY data is rejected at structure",
          "[directory]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    pg_dump("-Fd -Z6", dir);
    const fs::path big = largest_file(dir);
    truncate_file(big, 0);
    require_rejected(dir, Level::Structure, "the file is empty");
}

TEST_CASE("directory -Z6: cuts inside a gzip header are rejected at structure", "[directory]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    pg_dump("-Fd -Z6", dir);
    // gzopen() writes a 10-byte header; the smallest deflate data and the 8-byte trailer
    // need 10 more.
    const fs::path big = largest_file(dir);
    require_file_cuts_rejected(dir, big, Level::Structure, cuts(1, 18, size_of(big), 1));
}

TEST_CASE("directory -Z6: a flipped byte or zeroed range in gzip data is caught at full",
          "[directory]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    pg_dump("-Fd -Z6", dir);
    const fs::path big = largest_file(dir);
    SECTION("flipped byte") {
        flip_byte(big, size_of(big) / 2);
    }
    SECTION("zeroed 4 KiB") {
        zero_range(big, size_of(big) / 3, 4096);
    }
    SECTION("flipped byte in the CRC-32 trailer") {
        flip_byte(big, size_of(big) - 6);
    }
    require_rejected_starting(dir, Level::Full, "table public.big");
}

TEST_CASE("directory -Z0: a zeroed tail of a data file is rejected at structure", "[directory]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    pg_dump("-Fd -Z0", dir);
    const fs::path big = largest_file(dir);
    zero_range(big, size_of(big) - 4096, 4096);
    require_rejected(dir, Level::Structure, "COPY terminator");
}
