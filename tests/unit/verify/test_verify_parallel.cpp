// The parallel verifier (VerifyOptions::jobs > 1) must give exactly the serial verifier's
// verdict: the same ok, the same first problem, word for word, and the same ArchiveInfo, on
// every archive: the synthetic archives of the fuzz seed corpus (tests/archive/seed_corpus.hpp:
// every format, archive version and compression), thousands of deterministic mutations of
// them, and real pg_dump 15 dumps (custom with and without offsets, directory) cut and flipped.
// The same archives compare the verdicts of ISA-L's inflate with zlib's.
#include "archive/seed_corpus.hpp"
#include "support.hpp"
#include "verdicts.hpp"
#include "verify/decompress.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

// Serial (jobs 1) against 2, 3 and 8 workers, at every level, and the serial verdict with
// ISA-L's inflate (the default where the build has it) against zlib's alone.
std::size_t compared = 0;
void require_same_verdicts(const fs::path& p, const std::string& what) {
    for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
        const std::string serial = describe(verify_jobs(p, l, 1));
        detail::Decompressor::set_fast_enabled(false);
        const std::string zlib_only = describe(verify_jobs(p, l, 1));
        detail::Decompressor::set_fast_enabled(true);
        INFO(what << " at level " << level_name(l) << ", zlib only");
        REQUIRE(serial == zlib_only);
        for (unsigned jobs : {2u, 3u, 8u}) {
            INFO(what << " at level " << level_name(l) << " with " << jobs << " jobs");
            REQUIRE(describe(verify_jobs(p, l, jobs)) == serial);
            ++compared;
        }
    }
}

} // namespace

TEST_CASE("parallel: the seed corpus's archives get the serial verdicts", "[parallel]") {
    TempDir tmp;
    for (const SeedVariant& v : seed_variants()) {
        for (bool small : {true, false}) {
            const SynthArchive a =
                small ? small_archive(v.minor, v.c) : sample_archive(v.minor, v.c);
            const std::string n = std::string(v.name) + (small ? "-small" : "-sample");
            write_file(tmp / "c.dump", build_custom(a));
            require_same_verdicts(tmp / "c.dump", "custom-" + n);
            write_file(tmp / "n.dump", build_custom(a, false, 37));
            require_same_verdicts(tmp / "n.dump", "custom-nooffsets-" + n);
            fs::remove_all(tmp / "d");
            write_directory(a, tmp / "d");
            require_same_verdicts(tmp / "d", "dir-" + n);
            if (v.c == Compression::None) {
                write_file(tmp / "t.tar", build_tar(a));
                require_same_verdicts(tmp / "t.tar", "tar-" + n);
            }
        }
    }
    CHECK(compared > 0);
}

TEST_CASE("parallel: mutated custom and tar archives get the serial verdicts", "[parallel]") {
    TempDir tmp;
    std::mt19937 rng(20261203);
    for (const SeedVariant& v : seed_variants()) {
        const SynthArchive a = sample_archive(v.minor, v.c);
        const std::string bases[] = {build_custom(a, true, 700), build_custom(a, false, 4096)};
        for (const std::string& base : bases) {
            for (int round = 0; round < 30; ++round) {
                write_file(tmp / "m.dump", mutate(base, rng, round));
                require_same_verdicts(tmp / "m.dump", std::string("custom ") + v.name + " round " +
                                                          std::to_string(round));
            }
        }
        if (v.c == Compression::None)
            for (int round = 0; round < 30; ++round) {
                write_file(tmp / "m.tar", mutate(build_tar(a), rng, round));
                require_same_verdicts(tmp / "m.tar", std::string("tar ") + v.name + " round " +
                                                         std::to_string(round));
            }
    }
}

TEST_CASE("parallel: directory dumps with damaged data files get the serial verdicts",
          "[parallel]") {
    TempDir tmp;
    std::mt19937 rng(15);
    for (const SeedVariant& v : seed_variants()) {
        const SynthArchive a = sample_archive(v.minor, v.c);
        const fs::path d = tmp / "d";
        fs::remove_all(d);
        write_directory(a, d);
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(d))
            files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (int round = 0; round < 30; ++round) {
            // One or two files damaged (two: the first in TOC order must be reported).
            std::vector<std::pair<fs::path, std::string>> saved;
            for (int k = 0; k <= round % 2; ++k) {
                const fs::path f = files[rng() % files.size()];
                saved.emplace_back(f, read_file(f));
                if (round % 5 == 4)
                    fs::remove(f);
                else
                    write_file(f, mutate(saved.back().second, rng, round / 2));
            }
            require_same_verdicts(d, std::string("directory ") + v.name + " round " +
                                         std::to_string(round));
            for (auto it = saved.rbegin(); it != saved.rend(); ++it)
                write_file(it->first, it->second);
        }
    }
}

TEST_CASE("parallel: two damaged streams - the first in file order is reported", "[parallel]") {
    TempDir tmp;
    const SynthArchive a = sample_archive(16, Compression::Gzip);
    const std::string base = build_custom(a, false, 512);
    // Flip a byte early in the compressed data, and cut the file short near its end: the
    // serial walk stops at the flip, before it reaches the cut the framing walk sees.
    std::string b = base.substr(0, base.size() - 100);
    const std::size_t flip = base.size() / 3;
    b[flip] = static_cast<char>(b[flip] ^ 0x55);
    write_file(tmp / "two.dump", b);
    const Verdict serial = verify_jobs(tmp / "two.dump", Level::Full, 1);
    REQUIRE_FALSE(serial.ok);
    for (unsigned jobs : {2u, 4u}) {
        const Verdict parallel = verify_jobs(tmp / "two.dump", Level::Full, jobs);
        CHECK(parallel.problem == serial.problem);
    }
    require_same_verdicts(tmp / "two.dump", "flip and cut");
}

TEST_CASE("parallel: real pg_dump 15 dumps, cut and flipped, get the serial verdicts",
          "[parallel]") {
    TempDir tmp;
    pg_dump("-Fc -Z6", tmp / "z6.dump");
    pg_dump("-Fc -Z6", tmp / "pipe.dump", true);
    pg_dump("-Fd -Z6", tmp / "dir");
    require_same_verdicts(tmp / "z6.dump", "-Fc -Z6");
    require_same_verdicts(tmp / "pipe.dump", "-Fc -Z6 through a pipe (no offsets)");
    require_same_verdicts(tmp / "dir", "-Fd -Z6");
    std::mt19937 rng(42);
    for (const char* name : {"z6.dump", "pipe.dump"}) {
        const std::string base = read_file(tmp / name);
        for (int round = 0; round < 12; ++round) {
            write_file(tmp / "m.dump", mutate(base, rng, round));
            require_same_verdicts(tmp / "m.dump",
                                  std::string(name) + " round " + std::to_string(round));
        }
    }
}
