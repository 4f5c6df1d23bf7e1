// Hostile input: mutated archives must give a verdict, never a crash or a read out of bounds
// (the CI runs this suite under AddressSanitizer and UndefinedBehaviorSanitizer too), and
// length fields must be checked against the file size before use.
#include "archive/archive_builder.hpp"
#include "support.hpp"
#include "verdicts.hpp"

#include <catch2/catch.hpp>
#include <random>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

// pg_dump's int: sign byte, then 4 bytes least significant first.
std::string archive_int(std::int64_t v) {
    std::string s(1, v < 0 ? '\1' : '\0');
    std::uint64_t m = static_cast<std::uint64_t>(v < 0 ? -v : v);
    for (int i = 0; i < 4; ++i, m >>= 8)
        s += static_cast<char>(m & 0xFF);
    return s;
}

void verify_all_levels(const fs::path& p) {
    for (Level l : {Level::Toc, Level::Structure, Level::Full})
        (void)verify(p, l); // any verdict will do; the process must survive
}

} // namespace

TEST_CASE("hostile: thousands of random mutations of every format give verdicts", "[hostile]") {
    TempDir tmp;
    std::mt19937 rng(20250601);
    struct Base {
        std::string name, bytes;
    };
    std::vector<Base> bases = {
        {"c.dump", build_custom(sample_archive(16, Compression::Zstd), true, 700)},
        {"l.dump", build_custom(sample_archive(15, Compression::Lz4), false, 900)},
        {"g.dump", build_custom(sample_archive(14, Compression::Gzip), true, 4096)},
        {"n.dump", build_custom(sample_archive(16, Compression::None), true, 300)},
        {"t.tar", build_tar(sample_archive(16, Compression::None))},
    };
    for (const Base& base : bases) {
        const auto p = tmp / base.name;
        for (int round = 0; round < 300; ++round) {
            std::string b = base.bytes;
            const int kind = round % 4;
            const std::size_t at = rng() % b.size();
            if (kind == 0) { // a few random bytes
                for (int k = 0; k < 1 + round % 5; ++k)
                    b[rng() % b.size()] = static_cast<char>(rng());
            } else if (kind == 1) { // an integer field overwritten with an extreme value
                const std::int64_t values[] = {0x7fffffff, -0x7fffffff, -1, 0, 1 << 30};
                const std::string v = archive_int(values[rng() % 5]);
                b.replace(at, std::min(v.size(), b.size() - at), v.substr(0, b.size() - at));
            } else if (kind == 2) { // truncated
                b.resize(at);
            } else { // a range zeroed
                const std::size_t len = std::min<std::size_t>(b.size() - at, 1 + rng() % 600);
                b.replace(at, len, std::string(len, '\0'));
            }
            write_file(p, b);
            INFO(base.name << " round " << round);
            verify_all_levels(p);
            if (kind == 2)
                CHECK_FALSE(verify(p, Level::Structure).ok);
        }
    }
}

TEST_CASE("hostile: directory toc.dat mutations give verdicts", "[hostile]") {
    TempDir tmp;
    const auto dir = tmp / "d";
    write_directory(sample_archive(16, Compression::Lz4), dir);
    const std::string toc = read_file(dir / "toc.dat");
    std::mt19937 rng(7);
    for (int round = 0; round < 500; ++round) {
        std::string b = toc;
        if (round % 2)
            b.resize(rng() % b.size());
        else
            b[rng() % b.size()] = static_cast<char>(rng());
        write_file(dir / "toc.dat", b);
        verify_all_levels(dir);
        if (round % 2)
            CHECK_FALSE(verify(dir, Level::Toc).ok);
    }
}

TEST_CASE("hostile: lengths beyond the end of the file are named, not followed", "[hostile]") {
    TempDir tmp;
    const auto p = tmp / "len.dump";
    SECTION("a TOC string claiming 2 GB") {
        std::string b = build_custom(sample_archive(16, Compression::None));
        // The database name "synth" is the first string after the 7 date ints.
        const auto at = b.find(archive_int(5) + "synth");
        REQUIRE(at != std::string::npos);
        b.replace(at, 5, archive_int(0x7fffffff));
        write_file(p, b);
        require_rejected_starting(p, Level::Toc,
                                  "header: database name: string of 2147483647 bytes");
    }
    SECTION("an entry count of two billion") {
        SynthArchive a = sample_archive(16, Compression::None);
        std::string b = build_custom(a);
        const auto at = b.find(archive_int(static_cast<std::int64_t>(a.entries.size())) +
                               archive_int(1) + archive_int(0));
        REQUIRE(at != std::string::npos);
        b.replace(at, 5, archive_int(2000000000));
        write_file(p, b);
        require_rejected(p, Level::Toc, "entry count 2000000000 cannot fit");
    }
    SECTION("a chunk claiming more bytes than the file holds") {
        SynthArchive a = sample_archive(16, Compression::None);
        std::string b = build_custom(a, true, 1 << 20);
        const std::string data = a.entries.back().tag == "t_small_pkey" ? a.entries[7].data : "";
        const auto at = b.find(archive_int(static_cast<std::int64_t>(data.size())) + data);
        REQUIRE(at != std::string::npos);
        b.replace(at, 5, archive_int(1000000000));
        write_file(p, b);
        const Verdict v = require_rejected_starting(
            p, Level::Structure, "table public.t_small (dumpId 100): chunk at byte ");
        CHECK(v.problem.find("declares 1000000000 bytes") != std::string::npos);
    }
}

TEST_CASE("hostile: unreadable paths and odd files are verdicts naming the path", "[hostile]") {
    TempDir tmp;
    const Verdict missing = verify(tmp / "nope.dump", Level::Structure);
    REQUIRE_FALSE(missing.ok);
    CHECK(missing.problem.find((tmp / "nope.dump").string()) != std::string::npos);
    CHECK(missing.problem.find("No such file or directory") != std::string::npos);

    fs::create_directories(tmp / "empty_dir");
    const Verdict dir = verify(tmp / "empty_dir", Level::Toc);
    REQUIRE_FALSE(dir.ok);
    CHECK(dir.problem.find("no toc.dat") != std::string::npos);

    write_file(tmp / "pgdmp", "PGDMP");
    CHECK_FALSE(verify(tmp / "pgdmp", Level::Toc).ok);
    write_file(tmp / "junk", std::string(3000, '\xff'));
    CHECK_FALSE(verify(tmp / "junk", Level::Full).ok);
}

TEST_CASE("levels and format names", "[levels]") {
    CHECK(parse_level("toc") == Level::Toc);
    CHECK(parse_level("structure") == Level::Structure);
    CHECK(parse_level("full") == Level::Full);
    CHECK_FALSE(parse_level("Full"));
    CHECK_FALSE(parse_level(""));
    for (Level l : {Level::Toc, Level::Structure, Level::Full})
        CHECK(parse_level(level_name(l)) == l);
    CHECK(std::string(archive_format_name(ArchiveFormat::Directory)) == "directory");
    TempDir tmp;
    write_file(tmp / "c.dump", build_custom(sample_archive(16, Compression::None)));
    write_file(tmp / "t.tar", build_tar(sample_archive(16, Compression::None)));
    write_file(tmp / "p.sql", "select 1;\n");
    CHECK(detect_format(boost::filesystem::path((tmp / "c.dump").string())) ==
          ArchiveFormat::Custom);
    CHECK(detect_format(boost::filesystem::path((tmp / "t.tar").string())) == ArchiveFormat::Tar);
    CHECK(detect_format(boost::filesystem::path((tmp / "p.sql").string())) == ArchiveFormat::Plain);
    CHECK(detect_format(boost::filesystem::path(tmp.path().string())) == ArchiveFormat::Directory);
}
