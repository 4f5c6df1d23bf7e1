// Custom-format archives made by the real pg_dump 15 from the test server's database "app",
// intact and damaged the ways a failed or killed backup leaves them.
#include "support.hpp"
#include "verdicts.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

void require_ok_at_every_level(const fs::path& p) {
    for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
        const Verdict v = verify(p, l);
        INFO(p << " at level " << level_name(l) << ": " << v.problem);
        REQUIRE(v.ok);
    }
}

// Cuts a copy of `original` at every offset (largest first: each cut only shortens the file)
// and requires `level` to reject every one.
void require_cuts_rejected(const fs::path& original, const fs::path& work,
                           std::vector<std::uint64_t> offsets, Level level) {
    fs::copy_file(original, work, fs::copy_options::overwrite_existing);
    std::sort(offsets.rbegin(), offsets.rend());
    for (std::uint64_t cut : offsets) {
        truncate_file(work, cut);
        const Verdict v = verify(work, level);
        INFO("cut at byte " << cut << " of " << size_of(original) << ", level "
                            << level_name(level));
        REQUIRE_FALSE(v.ok);
        REQUIRE_FALSE(v.problem.empty());
    }
}

struct Block {
    std::uint64_t begin, end;
};

// The data blocks in file order, from pg_restore's view of the archive.
std::vector<Block> blocks_of(const fs::path& archive) {
    const auto offsets = custom_block_offsets(archive);
    REQUIRE(offsets.size() == 6); // five tables and the large objects
    std::vector<Block> out;
    for (std::size_t i = 0; i < offsets.size(); ++i)
        out.push_back({offsets[i], i + 1 < offsets.size() ? offsets[i + 1] : size_of(archive)});
    return out;
}

// The block of public.big, by far the largest.
Block largest(const std::vector<Block>& blocks) {
    return *std::max_element(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) {
        return a.end - a.begin < b.end - b.begin;
    });
}

// Cuts across the first, the middle (largest) and the last data block, at and around
// every block boundary, and EOF-1.
std::vector<std::uint64_t> block_cuts(const fs::path& archive) {
    const auto blocks = blocks_of(archive);
    const std::uint64_t size = size_of(archive);
    std::vector<std::uint64_t> out;
    for (const Block& b : {blocks.front(), largest(blocks), blocks.back()}) {
        const auto c = cuts(b.begin, b.end, size);
        out.insert(out.end(), c.begin(), c.end());
    }
    for (const Block& b : blocks) {
        const auto c = cuts(b.begin, b.begin, size, 1);
        out.insert(out.end(), c.begin(), c.end());
    }
    out.push_back(size - 1);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

} // namespace

TEST_CASE("custom: intact archives verify at every level and report what they hold", "[custom]") {
    TempDir tmp;
    const auto z0 = tmp / "z0.dump", z6 = tmp / "z6.dump", piped = tmp / "piped.dump";
    pg_dump("-Fc -Z0", z0);
    pg_dump("-Fc -Z6", z6);
    pg_dump("-Fc", piped, true);
    for (const auto& p : {z0, z6, piped})
        require_ok_at_every_level(p);

    const Verdict v = verify(z6, Level::Full);
    CHECK(v.info.format == ArchiveFormat::Custom);
    CHECK(v.info.archive_version == "1.14");
    CHECK(v.info.pg_dump_version.rfind("15.", 0) == 0);
    CHECK(v.info.server_version.rfind("15.", 0) == 0);
    CHECK(v.info.database == "app");
    CHECK(v.info.compression == "gzip");
    CHECK(std::regex_match(
        v.info.created,
        std::regex("20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]")));
    CHECK(v.info.data_entries == 6);
    CHECK(v.info.entries > v.info.data_entries);
    CHECK(v.info.file_bytes == size_of(z6));
    CHECK(v.info.data_bytes > 1000000); // the table "big" alone compresses to megabytes
    CHECK(v.info.data_bytes < v.info.file_bytes);
    CHECK(verify(z0, Level::Structure).info.compression == "none");
}

TEST_CASE("custom: pg_restore -l accepts a half archive - the verifier does not", "[custom]") {
    TempDir tmp;
    const auto dump = tmp / "a.dump";
    pg_dump("-Fc", dump);
    truncate_file(dump, size_of(dump) / 2);
    run_with_server("\"$PG_BIN/pg_restore\" -l " + dump.string() + " > /dev/null");
    require_rejected_starting(dump, Level::Structure, "table public.big (dumpId ");
}

TEST_CASE("custom -Z0: every cut across first, middle and last block is rejected", "[custom]") {
    TempDir tmp;
    const auto dump = tmp / "z0.dump";
    pg_dump("-Fc -Z0", dump);
    require_cuts_rejected(dump, tmp / "cut.dump", block_cuts(dump), Level::Structure);
}

TEST_CASE("custom -Z6: every cut across first, middle and last block is rejected", "[custom]") {
    TempDir tmp;
    const auto dump = tmp / "z6.dump";
    pg_dump("-Fc -Z6", dump);
    const auto offsets = block_cuts(dump);
    require_cuts_rejected(dump, tmp / "cut.dump", offsets, Level::Structure);
    std::vector<std::uint64_t> some; // full repeats structure's walk; a sample suffices
    for (std::size_t i = 0; i < offsets.size(); i += 16)
        some.push_back(offsets[i]);
    require_cuts_rejected(dump, tmp / "cut.dump", some, Level::Full);
}

TEST_CASE("custom: a pipe-written archive (no offsets) verifies, and its cuts do not", "[custom]") {
    TempDir tmp;
    const auto dump = tmp / "piped.dump";
    pg_dump("-Fc", dump, true);
    require_ok_at_every_level(dump);
    const std::uint64_t size = size_of(dump);
    require_cuts_rejected(dump, tmp / "cut.dump", cuts(size / 2, size, size, 64 * 1024),
                          Level::Structure);
}

TEST_CASE("custom: a block cut right before its terminator is named precisely", "[custom]") {
    TempDir tmp;
    const auto dump = tmp / "z6.dump";
    pg_dump("-Fc -Z6", dump);
    // Cutting off the 5-byte zero length (sign byte, 4-byte integer) that ends the block of
    // public.big leaves it without its terminator.
    const std::uint64_t cut = largest(blocks_of(dump)).end - 5;
    truncate_file(dump, cut);
    const Verdict v = verify(dump, Level::Structure);
    REQUIRE_FALSE(v.ok);
    const std::string at = std::to_string(cut);
    CHECK_THAT(v.problem, Catch::Matches("table public\\.big \\(dumpId [0-9]+\\): data block ends "
                                         "at byte " +
                                         at + ", file size " + at + ", expected terminator"));
}

TEST_CASE("custom: a zeroed range is rejected - -Z0 at structure, -Z6 at full", "[custom]") {
    TempDir tmp;
    for (const char* z : {"-Z0", "-Z6"}) {
        const auto dump = tmp / (std::string("a") + z + ".dump");
        pg_dump(std::string("-Fc ") + z, dump);
        const Block big = largest(blocks_of(dump));
        const std::uint64_t middle = (big.begin + big.end) / 2;
        zero_range(dump, middle, 4096);
        const Level promised = std::string(z) == "-Z0" ? Level::Structure : Level::Full;
        const Verdict v = verify(dump, promised);
        INFO(z << ": " << v.problem);
        REQUIRE_FALSE(v.ok);
        CHECK(v.problem.find("public.big") != std::string::npos);
    }
}

TEST_CASE("custom: a flipped byte inside compressed data is caught at full", "[custom]") {
    TempDir tmp;
    const auto dump = tmp / "z6.dump";
    pg_dump("-Fc -Z6", dump);
    const Block big = largest(blocks_of(dump));
    // Most of these land in compressed bytes, which chunk framing cannot judge: only
    // decompression (zlib's checks and its Adler-32) can.
    for (std::uint64_t off : {big.begin + 100000, big.begin + 700001, big.end - 3000}) {
        const auto copy = tmp / "flip.dump";
        fs::copy_file(dump, copy, fs::copy_options::overwrite_existing);
        flip_byte(copy, off);
        const Verdict v = verify(copy, Level::Full);
        INFO("flipped byte at " << off << ": " << v.problem);
        REQUIRE_FALSE(v.ok);
        CHECK(v.problem.find("public.big") != std::string::npos);
    }
}
