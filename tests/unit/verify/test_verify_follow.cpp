// verify::Follower (src/verify/follow.hpp): a thread decompresses the streams of a custom
// archive while it is written, and the verifier of the finished file reuses what it proved.
// The verdict must be verify_path()'s, word for word, with the same ArchiveInfo, on every
// input: the seed corpus's archives written the way pg_dump writes them (TOC without
// offsets, data appended, TOC rewritten with offsets at the end), cut mid-block, mutated
// after the follower read them (so its records no longer match), mutated as written, and
// real pg_dump 15 dumps followed while pg_dump writes them.
#include "archive/seed_corpus.hpp"
#include "support.hpp"
#include "verdicts.hpp"
#include "verify/follow.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <thread>
#include <unistd.h>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

class RawFile {
public:
    explicit RawFile(const fs::path& p) : fd_(::open(p.c_str(), O_WRONLY | O_CLOEXEC)) {
        REQUIRE(fd_ >= 0);
    }
    ~RawFile() { ::close(fd_); }
    void write_at(const std::string& b, std::size_t from, std::size_t n) {
        REQUIRE(::pwrite(fd_, b.data() + from, n, static_cast<off_t>(from)) ==
                static_cast<ssize_t>(n));
    }
    void truncate(std::size_t n) { REQUIRE(::ftruncate(fd_, static_cast<off_t>(n)) == 0); }

private:
    int fd_;
};

struct Followed {
    Verdict verdict;
    std::size_t recorded = 0, reused = 0;
    std::string stopped_by;
};

// The file is created empty (the partial), a Follower starts, `initial` is appended in
// pieces with pauses (pg_dump writing), then the file is made `final_bytes` in place (the
// TOC rewrite; a later change of any byte, or a shorter file), and the follower's verdict
// is taken.
// With wait_for_streams, the final bytes are written only once the follower has recorded
// that many streams (or 5 s have passed).
Followed follow_write(const fs::path& p, const std::string& initial, const std::string& final_bytes,
                      Level level, unsigned jobs, std::size_t wait_for_streams = 0,
                      std::size_t piece = 4096) {
    fs::remove(p);
    write_file(p, "");
    Followed out;
    Follower follower(boost::filesystem::path(p.string()));
    {
        RawFile f(p);
        for (std::size_t at = 0; at < initial.size(); at += piece) {
            f.write_at(initial, at, std::min(piece, initial.size() - at));
            if ((at / piece) % 8 == 7)
                std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
        for (int i = 0; i < 500 && follower.stats().streams < wait_for_streams; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (final_bytes != initial) {
            f.write_at(final_bytes, 0, final_bytes.size());
            f.truncate(final_bytes.size());
        }
    }
    VerifyOptions o;
    o.jobs = jobs;
    out.verdict = follower.verify(level, o);
    if (const detail::CheckedStreams* c = follower.finish()) {
        out.recorded = c->size();
        out.reused = c->reused();
    }
    out.stopped_by = follower.stats().stopped_by;
    return out;
}

std::size_t compared = 0;
// The follower's verdict against verify_path()'s on the final bytes, serial and parallel.
Followed require_same(const fs::path& p, const std::string& initial, const std::string& final_bytes,
                      const std::string& what, Level level = Level::Full,
                      std::size_t wait_for_streams = 0) {
    Followed last;
    for (unsigned jobs : {1u, 2u}) {
        last = follow_write(p, initial, final_bytes, level, jobs, wait_for_streams);
        const std::string expected = describe(verify_jobs(p, level, jobs));
        INFO(what << " at " << level_name(level) << ", " << jobs << " jobs; follower recorded "
                  << last.recorded << ", reused " << last.reused << ", stopped by '"
                  << last.stopped_by << "'");
        REQUIRE(describe(last.verdict) == expected);
        REQUIRE(describe(last.verdict) == describe(verify_jobs(p, level, 1)));
        ++compared;
    }
    return last;
}

struct Variant {
    int minor;
    Compression c;
    const char* name;
};
const Variant variants[] = {
    {14, Compression::None, "v14-none"}, {14, Compression::Gzip, "v14-gzip"},
    {15, Compression::Gzip, "v15-gzip"}, {15, Compression::Lz4, "v15-lz4"},
    {15, Compression::Zstd, "v15-zstd"}, {16, Compression::None, "v16-none"},
    {16, Compression::Gzip, "v16-gzip"}, {16, Compression::Lz4, "v16-lz4"},
    {16, Compression::Zstd, "v16-zstd"},
};

} // namespace

TEST_CASE("follow: archives written as pg_dump writes them get verify_path's verdict, and "
          "every compressed stream is decompressed once",
          "[follow]") {
    TempDir tmp;
    for (const Variant& v : variants) {
        const SynthArchive a = sample_archive(v.minor, v.c);
        // Same length: only the TOC's offset fields differ (K_OFFSET_POS_NOT_SET, then SET).
        const std::string written = build_custom(a, false, 4096);
        const std::string final_bytes = build_custom(a, true, 4096);
        REQUIRE(written.size() == final_bytes.size());
        for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
            const Followed f = require_same(tmp / "c.dump", written, final_bytes, v.name, l);
            CHECK(f.verdict.ok);
            if (l == Level::Full && v.c != Compression::None) {
                CHECK(f.recorded >= 3); // tables with data and every large object
                CHECK(f.reused == f.recorded);
                CHECK(f.stopped_by.empty());
            } else {
                CHECK(f.reused == 0);
            }
        }
        // No offsets at all (pg_dump writing to a file it cannot seek).
        require_same(tmp / "c.dump", written, written, std::string(v.name) + " no offsets");
    }
    CHECK(compared > 0);
}

TEST_CASE("follow: every seed of the fuzz corpus, written progressively, gets verify_path's "
          "verdict",
          "[follow]") {
    TempDir tmp;
    const fs::path corpus = tmp / "corpus";
    REQUIRE(write_seed_corpus(corpus) > 0);
    std::vector<fs::path> seeds;
    for (const auto& e : fs::directory_iterator(corpus))
        seeds.push_back(e.path());
    std::sort(seeds.begin(), seeds.end());
    for (const fs::path& seed : seeds) {
        const std::string bytes = read_file(seed);
        // Every seed (other formats too: the follower gives up, the verdict is the normal
        // one), written as it is and cut in the middle.
        require_same(tmp / "seed", bytes, bytes, seed.filename().string());
        require_same(tmp / "seed", bytes.substr(0, bytes.size() / 2),
                     bytes.substr(0, bytes.size() / 2), seed.filename().string() + " cut");
    }
    CHECK(seeds.size() > 10);
}

TEST_CASE("follow: a dump cut mid-block (pg_dump killed) gets verify_path's verdict", "[follow]") {
    TempDir tmp;
    for (const Variant& v : variants) {
        const std::string full = build_custom(sample_archive(v.minor, v.c), true, 700);
        for (std::size_t cut :
             {full.size() / 7, full.size() / 2, full.size() - 1, full.size() - 5}) {
            const std::string b = full.substr(0, cut);
            const Followed f = require_same(tmp / "cut.dump", b, b,
                                            std::string(v.name) + " cut at " + std::to_string(cut));
            CHECK_FALSE(f.verdict.ok);
        }
    }
}

TEST_CASE("follow: bytes changed after the follower read them are decompressed again", "[follow]") {
    TempDir tmp;
    for (const Variant& v : variants) {
        if (v.c == Compression::None)
            continue;
        SynthArchive a = sample_archive(v.minor, v.c);
        a.checksums = true; // else a flipped LZ4 or zstd literal decompresses cleanly
        const std::string written = build_custom(a, false, 4096);
        const std::string good = build_custom(a, true, 4096);
        // The longest stream, as the follower records it.
        detail::CheckedStream longest;
        std::size_t streams = 0;
        {
            write_file(tmp / "good.dump", good);
            Follower follower(boost::filesystem::path((tmp / "good.dump").string()));
            const detail::CheckedStreams* c = follower.finish();
            REQUIRE(c != nullptr);
            streams = c->size();
            for (const detail::CheckedStream& s : c->streams())
                if (s.end - s.start > longest.end - longest.start)
                    longest = s;
        }
        // A flipped byte in the middle of that stream's compressed data: the follower
        // decompressed the good bytes; the finished file's must be decompressed again, and
        // fail. Reusing the record without comparing the bytes would pass it.
        std::string bad = good;
        const std::size_t at = static_cast<std::size_t>((longest.start + longest.end) / 2);
        bad[at] = static_cast<char>(bad[at] ^ 0x55);
        REQUIRE_FALSE(verify_jobs(tmp / "good.dump", Level::Full, 1).problem.size());
        const Followed f =
            require_same(tmp / "flip.dump", written, bad, v.name, Level::Full, streams);
        INFO(v.name << ": byte " << at << " flipped: " << describe(f.verdict));
        CHECK_FALSE(f.verdict.ok);
        CHECK(f.recorded == streams);
        CHECK(f.reused < f.recorded);
        // Shorter at the end (the file shrank after being followed).
        const Followed s =
            require_same(tmp / "short.dump", written, good.substr(0, good.size() - 3),
                         std::string(v.name) + " shrunk", Level::Full, streams);
        CHECK_FALSE(s.verdict.ok);
    }
}

TEST_CASE("follow: mutated archives, as written or changed afterwards, get verify_path's verdict",
          "[follow]") {
    TempDir tmp;
    std::mt19937 rng(20261203);
    for (const Variant& v : variants) {
        const SynthArchive a = sample_archive(v.minor, v.c);
        const std::string written = build_custom(a, false, 1000);
        const std::string good = build_custom(a, true, 1000);
        for (int round = 0; round < 8; ++round) {
            const std::string bad = mutate(good, rng, round);
            const std::string what = std::string(v.name) + " round " + std::to_string(round);
            require_same(tmp / "m.dump", written, bad, what + " changed after");
            require_same(tmp / "m.dump", bad, bad, what + " as written");
        }
    }
}

TEST_CASE("follow: a path that names another file when pg_dump is done is verified alone",
          "[follow]") {
    TempDir tmp;
    const SynthArchive a = sample_archive(16, Compression::Gzip);
    const std::string good = build_custom(a, true, 4096);
    const fs::path p = tmp / "c.dump";
    write_file(p, "");
    Follower follower(boost::filesystem::path(p.string()));
    write_file(tmp / "other", good);
    {
        RawFile f(p);
        f.write_at(good, 0, good.size());
    }
    // Wait until the follower has recorded the streams of the file it follows.
    for (int i = 0; i < 500 && follower.stats().streams == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    fs::rename(tmp / "other", p);
    CHECK(follower.finish() == nullptr);
    CHECK(follower.stats().stopped_by == "the path no longer names the file followed");
    CHECK(describe(follower.verify(Level::Full, {})) == describe(verify_jobs(p, Level::Full, 1)));
}

TEST_CASE("follow: stopping a follower whose file never completes returns at once", "[follow]") {
    TempDir tmp;
    const fs::path p = tmp / "c.dump";
    write_file(p, "PGDMP");
    const auto begin = std::chrono::steady_clock::now();
    {
        Follower follower(boost::filesystem::path(p.string()));
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
    } // pg_dump failed: the run destroys the follower
    CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(2));
    Follower missing(boost::filesystem::path((tmp / "absent").string()));
    CHECK(missing.finish() == nullptr);
    CHECK_FALSE(missing.stats().stopped_by.empty());
}

TEST_CASE("follow: real pg_dump 15 dumps followed while pg_dump writes them", "[follow]") {
    TempDir tmp;
    for (const char* args : {"-Fc -Z6", "-Fc -Z1", "-Fc -Z0", "-Fc -Z6 --blobs"}) {
        for (unsigned jobs : {1u, 2u}) {
            const fs::path p = tmp / "real.dump";
            fs::remove(p);
            write_file(p, "");
            Follower follower(boost::filesystem::path(p.string()));
            pg_dump(args, p);
            VerifyOptions o;
            o.jobs = jobs;
            const Verdict v = follower.verify(Level::Full, o);
            INFO(args << ", " << jobs << " jobs; stopped by '" << follower.stats().stopped_by
                      << "'");
            CHECK(v.ok);
            CHECK(describe(v) == describe(verify_jobs(p, Level::Full, 1)));
            const detail::CheckedStreams* c = follower.finish();
            if (std::string(args).find("-Z0") != std::string::npos) {
                CHECK(c == nullptr);
            } else {
                REQUIRE(c != nullptr);
                CHECK(follower.stats().stopped_by.empty());
                CHECK(c->size() == custom_block_offsets(p).size());
                CHECK(c->reused() == c->size());
            }
            // Cut mid-block, as a killed pg_dump leaves it.
            const std::string whole = read_file(p);
            for (std::size_t cut : {whole.size() / 3, whole.size() - 2}) {
                const std::string b = whole.substr(0, cut);
                const Followed f = require_same(
                    tmp / "cut.dump", b, b, std::string(args) + " cut at " + std::to_string(cut));
                CHECK_FALSE(f.verdict.ok);
            }
        }
    }
}

TEST_CASE("follow: stream_crc32 is CRC-32 (the check value), piece by piece", "[follow]") {
    const std::string check = "123456789";
    const auto* p = reinterpret_cast<const std::uint8_t*>(check.data());
    CHECK(detail::stream_crc32(0, p, check.size()) == 0xCBF43926u);
    CHECK(detail::stream_crc32(detail::stream_crc32(0, p, 4), p + 4, 5) == 0xCBF43926u);
    CHECK(detail::stream_crc32(0, p, 0) == 0u);
}
