// Archives this machine's pg_dump 15 cannot write (archive versions 1.15 and 1.16, LZ4 and
// zstd compression), built byte by byte per pg_dump's source: see archive_builder.hpp for
// the layout. No server needed.
#include "archive/archive_builder.hpp"
#include "support.hpp"
#include "verdicts.hpp"

#include <catch2/catch.hpp>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

const char* name(Compression c) {
    const char* names[] = {"none", "gzip", "lz4", "zstd"};
    return names[static_cast<int>(c)];
}

void require_ok(const fs::path& p) {
    for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
        const Verdict v = verify(p, l);
        INFO(p.filename() << " at " << level_name(l) << ": " << v.problem);
        REQUIRE(v.ok);
    }
}

// Cuts every `step` bytes from `from` and every byte of the last 64; all rejected at level.
void require_cuts_rejected(const std::string& bytes, const fs::path& p, std::uint64_t from,
                           std::uint64_t step, Level level) {
    std::vector<std::uint64_t> offsets = cuts(from, bytes.size(), bytes.size(), step);
    const auto tail = cuts(bytes.size() - 64, bytes.size(), bytes.size(), 1);
    offsets.insert(offsets.end(), tail.begin(), tail.end());
    for (std::uint64_t cut : offsets) {
        write_file(p, bytes.substr(0, cut));
        const Verdict v = verify(p, level);
        INFO("cut at byte " << cut << " of " << bytes.size());
        REQUIRE_FALSE(v.ok);
    }
}

const std::vector<std::pair<int, Compression>> kVariants = {
    {14, Compression::None}, {14, Compression::Gzip}, {15, Compression::None},
    {15, Compression::Gzip}, {15, Compression::Lz4},  {15, Compression::Zstd},
    {16, Compression::None}, {16, Compression::Gzip}, {16, Compression::Lz4},
    {16, Compression::Zstd}};

} // namespace

TEST_CASE("synthetic custom archives 1.14-1.16, every compression: accepted, info filled",
          "[synthetic]") {
    TempDir tmp;
    for (const auto& [minor, c] : kVariants) {
        for (bool offsets : {true, false}) {
            const auto p = tmp / ("a-1." + std::to_string(minor) + "-" + name(c) + ".dump");
            write_file(p, build_custom(sample_archive(minor, c), offsets));
            require_ok(p);
            const Verdict v = verify(p, Level::Full);
            CHECK(v.info.archive_version == "1." + std::to_string(minor));
            CHECK(v.info.compression == name(c));
            CHECK(v.info.database == "synth");
            CHECK(v.info.created == "2025-06-01 12:34:56");
            CHECK(v.info.entries == sample_archive(minor, c).entries.size());
            CHECK(v.info.data_entries == (minor >= 16 ? 5u : 4u));
        }
    }
}

TEST_CASE("synthetic custom archives: cuts are rejected at structure", "[synthetic]") {
    TempDir tmp;
    for (const auto& [minor, c] : kVariants) {
        INFO("1." << minor << " " << name(c));
        const std::string bytes = build_custom(sample_archive(minor, c), true, 1000);
        require_cuts_rejected(bytes, tmp / "cut.dump", 1, 97, Level::Structure);
    }
}

TEST_CASE("synthetic: a flipped byte in a checksummed LZ4 or zstd frame is caught at full",
          "[synthetic]") {
    TempDir tmp;
    for (Compression c : {Compression::Lz4, Compression::Zstd}) {
        SynthArchive a = sample_archive(16, c);
        a.checksums = true;
        std::string bytes = build_custom(a, true, 1 << 20); // one chunk per stream
        const std::string big = compress(c, a.entries[8].data, true, true);
        const auto at = bytes.find(big);
        REQUIRE(at != std::string::npos);
        bytes[at + big.size() / 2] ^= 0x01;
        const auto p = tmp / "flip.dump";
        write_file(p, bytes);
        CHECK(verify(p, Level::Structure).ok); // framing intact: only decompression can tell
        const Verdict v = verify(p, Level::Full);
        INFO(name(c) << ": " << v.problem);
        REQUIRE_FALSE(v.ok);
        CHECK(v.problem.find("table public.big (dumpId 101)") == 0);
    }
}

TEST_CASE("synthetic: header fields of other versions are not misread", "[synthetic]") {
    TempDir tmp;
    const auto p = tmp / "h.dump";
    const std::string good = build_custom(sample_archive(16, Compression::Zstd));
    SECTION("1.16 layout (relkind) labelled 1.15 is rejected") {
        std::string b = good;
        b[6] = 15;
        write_file(p, b);
        CHECK_FALSE(verify(p, Level::Toc).ok);
    }
    SECTION("version 1.17 is newer than we know") {
        std::string b = good;
        b[6] = 17;
        write_file(p, b);
        require_rejected(p, Level::Toc, "newer");
    }
    SECTION("compression algorithm 4 does not exist") {
        std::string b = good;
        b[11] = 4;
        write_file(p, b);
        require_rejected(p, Level::Toc, "compression algorithm 4");
    }
    SECTION("a custom file with the TOC format code") {
        std::string b = good;
        b[10] = 3;
        write_file(p, b);
        CHECK_FALSE(verify(p, Level::Toc).ok);
    }
    SECTION("zstd data read as lz4") {
        std::string b = good;
        b[11] = 2;
        write_file(p, b);
        CHECK(verify(p, Level::Structure).ok); // chunk framing does not depend on the codec
        CHECK_FALSE(verify(p, Level::Full).ok);
    }
}

TEST_CASE("synthetic directory dumps with lz4 and zstd files", "[synthetic]") {
    TempDir tmp;
    for (const auto& [minor, c] : kVariants) {
        const auto dir = tmp / ("d-1." + std::to_string(minor) + "-" + name(c));
        write_directory(sample_archive(minor, c), dir);
        require_ok(dir);
        const std::string big = "101.dat" + std::string(suffix(c));
        const std::string bytes = read_file(dir / big);
        // Framed codecs (and gzip's header) are checked at structure, the rest at full.
        const Level framing = c == Compression::Gzip ? Level::Full : Level::Structure;
        INFO("1." << minor << " " << name(c));
        require_cuts_rejected(bytes, dir / big, 1, c == Compression::None ? 1021 : 211, framing);
        write_file(dir / big, bytes);
        require_ok(dir);
    }
}

TEST_CASE("synthetic directory: a flipped byte in checksummed lz4/zstd files", "[synthetic]") {
    TempDir tmp;
    for (Compression c : {Compression::Lz4, Compression::Zstd}) {
        SynthArchive a = sample_archive(16, c);
        a.checksums = true;
        const auto dir = tmp / name(c);
        write_directory(a, dir);
        const auto big = dir / ("101.dat" + std::string(suffix(c)));
        flip_byte(big, size_of(big) / 2);
        CHECK(verify(dir, Level::Structure).ok);
        require_rejected_starting(dir, Level::Full, "table public.big (dumpId 101): 101.dat");
    }
}

TEST_CASE("synthetic tar archives 1.15 and 1.16 (blobs_NNNN.toc)", "[synthetic]") {
    TempDir tmp;
    for (int minor : {14, 15, 16}) {
        const auto p = tmp / ("a-" + std::to_string(minor) + ".tar");
        const std::string bytes = build_tar(sample_archive(minor, Compression::None));
        write_file(p, bytes);
        require_ok(p);
        require_cuts_rejected(bytes, p, 1, 509, Level::Structure);
    }
}

TEST_CASE("synthetic plain dumps compressed with lz4 and zstd", "[synthetic]") {
    TempDir tmp;
    const std::string text = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc123\n\n"
                             "SET statement_timeout = 0;\n" +
                             std::string(200000, '-') +
                             "\n--\n-- PostgreSQL database dump complete\n--\n\n"
                             "\\unrestrict abc123\n\n";
    for (Compression c : {Compression::Lz4, Compression::Zstd}) {
        const auto p = tmp / (std::string("a.sql") + suffix(c));
        const std::string bytes = compress(c, text, false, false);
        write_file(p, bytes);
        require_ok(p);
        CHECK(verify(p, Level::Toc).info.compression == name(c));
        require_cuts_rejected(bytes, p, 1, 101, Level::Toc);
        write_file(p, compress(c, text.substr(0, text.size() - 20), false, false));
        CHECK_FALSE(verify(p, Level::Toc).ok); // complete stream, incomplete text
    }
}
