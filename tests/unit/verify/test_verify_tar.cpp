// Tar-format archives made by the real pg_dump 15 (which refuses to compress tar archives:
// "compression is not supported by tar archive format"), intact and damaged.
#include "support.hpp"
#include "verdicts.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

std::vector<std::uint64_t> member_cuts(const fs::path& tar) {
    const auto members = tar_members(tar);
    const std::uint64_t size = size_of(tar);
    // The NNNN.dat members (the five tables' data), in file order. toc.dat also ends in
    // ".dat" but holds the TOC, and blob_OID.dat holds the large object: neither is one.
    std::vector<const TarMember*> data;
    for (const auto& m : members)
        if (m.name.size() > 4 && m.name.compare(m.name.size() - 4, 4, ".dat") == 0 &&
            m.name != "toc.dat" && m.name.compare(0, 5, "blob_") != 0)
            data.push_back(&m);
    REQUIRE(data.size() == 5);
    const auto* big = *std::max_element(data.begin(), data.end(),
                                        [](auto* a, auto* b) { return a->size < b->size; });
    std::vector<std::uint64_t> out;
    for (const TarMember* m : {data.front(), big, data.back()}) {
        const auto c = cuts(m->header, m->data + m->size, size);
        out.insert(out.end(), c.begin(), c.end());
    }
    for (const auto& m : members) { // every header start, data start and data end, exactly
        for (std::uint64_t at :
             {m.header, m.data, m.data + m.size, (m.data + m.size + 511) / 512 * 512})
            if (at > 0 && at < size)
                out.push_back(at);
    }
    for (std::uint64_t back : {1, 511, 512, 513, 1023, 1024})
        out.push_back(size - back);
    std::sort(out.rbegin(), out.rend());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// Recomputes the checksum of the tar header at `header` after a test changed it, writing the
// whole 8-byte field the way pg_dump writes it (print_tar_number): seven octal digits and a
// space. Writing only six digits would leave the old seventh digit behind and make the
// checksum, not the change, the first problem.
void rewrite_checksum(std::string& bytes, std::size_t header) {
    unsigned sum = 0;
    for (int i = 0; i < 512; ++i)
        sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(bytes[header + i]);
    char field[9];
    std::snprintf(field, sizeof field, "%07o ", sum);
    bytes.replace(header + 148, 8, field, 8);
}

} // namespace

TEST_CASE("tar: an intact archive verifies at every level", "[tar]") {
    TempDir tmp;
    const auto tar = tmp / "a.tar";
    pg_dump("-Ft", tar);
    for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
        const Verdict v = verify(tar, l);
        INFO(level_name(l) << ": " << v.problem);
        REQUIRE(v.ok);
        CHECK(v.info.format == ArchiveFormat::Tar);
        CHECK(v.info.database == "app");
        CHECK(v.info.data_entries == 6);
    }
    CHECK(verify(tar, Level::Structure).info.data_bytes > 8000000); // uncompressed "big"
}

TEST_CASE("tar: every cut across first, middle and last data member is rejected", "[tar]") {
    TempDir tmp;
    const auto tar = tmp / "a.tar", work = tmp / "cut.tar";
    pg_dump("-Ft", tar);
    fs::copy_file(tar, work);
    for (std::uint64_t cut : member_cuts(tar)) { // largest first
        truncate_file(work, cut);
        for (Level l : {Level::Toc, Level::Structure}) {
            // toc checks that the file ends with the two zero blocks that close a tar: cheap,
            // and enough to see any cut.
            const Verdict v = verify(work, l);
            INFO("cut at byte " << cut << ", level " << level_name(l));
            REQUIRE_FALSE(v.ok);
        }
    }
}

TEST_CASE("tar: an archive without its end-of-archive blocks is rejected", "[tar]") {
    TempDir tmp;
    const auto tar = tmp / "a.tar";
    pg_dump("-Ft", tar);
    truncate_file(tar, size_of(tar) - 1024); // every member whole, the two zero blocks gone
    for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
        require_rejected(tar, l, "zero blocks");
    }
}

TEST_CASE("tar: a zeroed member header and a zeroed data tail are rejected at structure", "[tar]") {
    TempDir tmp;
    const auto tar = tmp / "a.tar";
    pg_dump("-Ft", tar);
    const auto members = tar_members(tar);
    const auto big = *std::max_element(members.begin(), members.end(),
                                       [](auto& a, auto& b) { return a.size < b.size; });
    SECTION("header of the largest member zeroed") {
        zero_range(tar, big.header, 512);
        const Verdict v = verify(tar, Level::Structure);
        REQUIRE_FALSE(v.ok);
        INFO(v.problem);
    }
    SECTION("last 4 KiB of the largest member's data zeroed") {
        zero_range(tar, big.data + big.size - 4096, 4096);
        require_rejected(tar, Level::Structure, "COPY terminator");
    }
    SECTION("a byte of a member header flipped (checksum)") {
        flip_byte(tar, big.header + 130);
        require_rejected(tar, Level::Structure, "checksum");
    }
}

TEST_CASE("tar: a member the TOC names is missing", "[tar]") {
    TempDir tmp;
    const auto tar = tmp / "a.tar";
    pg_dump("-Ft", tar);
    // Rename the member of the first table: same length name, valid header checksum
    // recomputed, so only the missing name can fail the check.
    std::string bytes = read_file(tar);
    const auto members = tar_members(tar);
    const auto victim = std::find_if(members.begin(), members.end(), [](const TarMember& m) {
        return m.name.size() == 8 && m.name.compare(4, 4, ".dat") == 0;
    });
    REQUIRE(victim != members.end());
    bytes[victim->header + 5] = 'x'; // "3368.dat" -> "3368.xat"
    rewrite_checksum(bytes, victim->header);
    write_file(tar, bytes);
    require_rejected(tar, Level::Structure, "\"" + victim->name + "\" is missing");
    CHECK(verify(tar, Level::Toc).ok); // the TOC itself is intact
}

TEST_CASE("tar: a large-object list cut at a line boundary is rejected", "[tar]") {
    TempDir tmp;
    const auto tar = tmp / "a.tar";
    pg_dump("-Ft", tar);
    // Set the size of the blobs.toc member to 0 (its only line boundary: the seed has one
    // large object), checksum recomputed, its data block removed: the archive stays well
    // framed, the line is gone.
    std::string bytes = read_file(tar);
    const auto members = tar_members(tar);
    const auto victim = std::find_if(members.begin(), members.end(),
                                     [](const TarMember& m) { return m.name == "blobs.toc"; });
    REQUIRE(victim != members.end());
    REQUIRE(victim->size > 0);
    REQUIRE(victim->size <= 512);
    bytes.erase(victim->data, 512);
    bytes.replace(victim->header + 124, 12, "00000000000 ", 12);
    rewrite_checksum(bytes, victim->header);
    write_file(tar, bytes);
    CHECK(verify(tar, Level::Toc).ok);
    for (Level level : {Level::Structure, Level::Full}) {
        require_rejected(tar, level, "is named by no large-object list");
    }
}
