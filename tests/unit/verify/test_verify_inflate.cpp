// ISA-L's inflate (Decompressor::create_fast) against zlib's (Decompressor::create), the
// reference: on every stream the fast one accepts, zlib accepts too and both give the same
// output; through check_exact() every problem reads as zlib's; the header rules ISA-L does
// not apply like zlib (window size, reserved gzip flags, FHCRC) go to zlib.
#include "archive/archive_builder.hpp"
#include "verify/decompress.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>
#include <zlib.h>

using namespace pds::verify::detail;
using pds::verify::testing::deflate_bytes;

namespace {

struct Collect : OutputSink {
    std::string data;
    void write(const std::uint8_t* p, std::size_t n) override {
        data.append(reinterpret_cast<const char*>(p), n);
    }
};

struct Outcome {
    bool ok = false;
    std::string problem, output;
};

// Feeds stream in pieces of random sizes (seeded) to dec.
Outcome run(Decompressor& dec, const std::string& stream, unsigned seed) {
    Collect sink;
    dec.reset();
    dec.set_sink(&sink);
    Outcome o;
    try {
        std::mt19937 rng(seed);
        std::size_t at = 0;
        while (at < stream.size()) {
            const std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + rng() % 9000);
            dec.feed(reinterpret_cast<const std::uint8_t*>(stream.data() + at), n);
            at += n;
        }
        dec.finish();
        o.ok = true;
    } catch (const Corrupt& e) {
        o.problem = e.what();
    }
    dec.set_sink(nullptr);
    o.output = sink.data;
    return o;
}

// check_exact() over the whole stream: the verdict the verifier reports.
Outcome exact(Codec codec, const std::string& stream, unsigned seed) {
    auto fast = Decompressor::create_fast(codec);
    std::unique_ptr<Decompressor> reference;
    Outcome o;
    try {
        check_exact(
            codec, fast.get(), reference,
            [&](Decompressor* dec) {
                o = run(*dec, stream, seed);
                if (!o.ok)
                    throw_problem(o.problem);
            },
            [] {});
    } catch (const Corrupt&) {
        // o holds the reference's verdict
    }
    return o;
}

std::string sample_data(std::mt19937& rng, std::size_t n) {
    std::string s;
    while (s.size() < n) {
        if (rng() % 3 == 0)
            for (int i = 0; i < 50; ++i)
                s += static_cast<char>(rng());
        else
            s += std::to_string(rng()) + "\tsome text of a row\t2026-12-03\n";
    }
    s.resize(n);
    return s;
}

} // namespace

TEST_CASE("inflate: the build has ISA-L on x86-64 and arm64", "[inflate]") {
#if defined(__x86_64__) || defined(__aarch64__)
    CHECK(Decompressor::has_fast(Codec::Zlib));
    CHECK(Decompressor::has_fast(Codec::Gzip));
#endif
    CHECK_FALSE(Decompressor::has_fast(Codec::Lz4));
    CHECK_FALSE(Decompressor::has_fast(Codec::Zstd));
}

TEST_CASE("inflate: good streams give zlib's output", "[inflate]") {
    std::mt19937 rng(7);
    for (int round = 0; round < 40; ++round) {
        const std::string data = sample_data(rng, rng() % (round < 20 ? 5000 : 900000));
        for (int bits : {15, 31}) {
            const Codec codec = bits == 15 ? Codec::Zlib : Codec::Gzip;
            std::string stream = deflate_bytes(data, 1 + round % 9, bits);
            if (bits == 31 && round % 4 == 0) // several gzip members back to back
                stream += deflate_bytes(data.substr(0, data.size() / 2), 6, 31);
            auto fast = Decompressor::create_fast(codec);
            auto reference = Decompressor::create(codec);
            const Outcome f = run(*fast, stream, round), z = run(*reference, stream, round + 1);
            INFO("round " << round << " codec " << codec_name(codec));
            REQUIRE(z.ok);
            REQUIRE(f.ok);
            CHECK(f.output == z.output);
            CHECK(fast->tail() == reference->tail());
            CHECK(fast->out_bytes() == reference->out_bytes());
        }
    }
}

TEST_CASE("inflate: header rules ISA-L does not apply like zlib go to zlib", "[inflate]") {
    const std::string data(20000, 'x');
    // A zlib header declaring a 64 KiB window (CINFO 8): zlib refuses it.
    std::string z = deflate_bytes(data, 6, 15);
    z[0] = static_cast<char>(0x88);
    z[1] = static_cast<char>((31 - (0x88 * 256) % 31) % 31);
    const Outcome window = exact(Codec::Zlib, z, 1);
    CHECK_FALSE(window.ok);
    CHECK(window.problem == "zlib data error: invalid window size");
    // Reserved gzip flag bits: zlib refuses the member.
    std::string g = deflate_bytes(data, 6, 31);
    std::string reserved = g;
    reserved[3] = static_cast<char>(reserved[3] | 0x20);
    const Outcome flags = exact(Codec::Gzip, reserved, 2);
    CHECK_FALSE(flags.ok);
    CHECK(flags.problem == "gzip data error: unknown header flags set");
    // A good FHCRC: zlib accepts, whatever ISA-L makes of it.
    std::string hcrc = g.substr(0, 10);
    hcrc[3] = static_cast<char>(hcrc[3] | 0x02);
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(hcrc.data()), 10);
    hcrc += static_cast<char>(crc & 0xff);
    hcrc += static_cast<char>((crc >> 8) & 0xff);
    hcrc += g.substr(10);
    const Outcome good = exact(Codec::Gzip, hcrc, 3);
    CHECK(good.ok);
    CHECK(good.output == data);
    // A wrong FHCRC: zlib refuses it.
    std::string bad_hcrc = hcrc;
    bad_hcrc[10] = static_cast<char>(bad_hcrc[10] ^ 1);
    const Outcome bad = exact(Codec::Gzip, bad_hcrc, 4);
    CHECK_FALSE(bad.ok);
    CHECK(bad.problem == "gzip data error: header crc mismatch");
    // A zlib stream with more bytes after its end, gzip trailing zeros, a wrong checksum.
    CHECK(exact(Codec::Zlib, deflate_bytes(data, 6, 15) + "x", 5).problem ==
          "zlib stream continues for 1 byte after its end marker");
    CHECK(exact(Codec::Gzip, g + std::string(2, '\0'), 6).problem ==
          "gzip data error: incorrect header check");
    std::string sum = deflate_bytes(data, 6, 15);
    sum.back() = static_cast<char>(sum.back() ^ 1);
    CHECK(exact(Codec::Zlib, sum, 7).problem == "zlib data error: incorrect data check");
    std::string len = g;
    len.back() = static_cast<char>(len.back() ^ 1);
    CHECK(exact(Codec::Gzip, len, 8).problem == "gzip data error: incorrect length check");
}

TEST_CASE("inflate: damaged streams - what ISA-L accepts zlib accepts, problems are zlib's",
          "[inflate]") {
    std::mt19937 rng(20261203);
    std::size_t fast_refused_zlib_accepted = 0, both_refused = 0;
    for (int round = 0; round < 3000; ++round) {
        const std::string data = sample_data(rng, 1 + rng() % 40000);
        const int bits = round % 2 ? 31 : 15;
        const Codec codec = bits == 15 ? Codec::Zlib : Codec::Gzip;
        std::string s = deflate_bytes(data, 1 + round % 9, bits);
        switch (round % 4) {
        case 0:
            s[rng() % s.size()] = static_cast<char>(rng());
            break;
        case 1:
            s[rng() % s.size()] ^= static_cast<char>(1u << (rng() % 8));
            break;
        case 2:
            s.resize(rng() % s.size());
            break;
        default:
            for (int k = 0; k < 4; ++k)
                s[rng() % std::min<std::size_t>(s.size(), 64)] = static_cast<char>(rng());
            break;
        }
        auto fast = Decompressor::create_fast(codec);
        auto reference = Decompressor::create(codec);
        const Outcome f = run(*fast, s, round), z = run(*reference, s, round);
        INFO("round " << round << " codec " << codec_name(codec));
        if (f.ok) {
            REQUIRE(z.ok);
            REQUIRE(f.output == z.output);
        } else if (z.ok) {
            ++fast_refused_zlib_accepted;
        } else {
            ++both_refused;
        }
        const Outcome e = exact(codec, s, round);
        REQUIRE(e.ok == z.ok);
        REQUIRE(e.problem == z.problem);
    }
    CHECK(both_refused > 2000);
    // Streams ISA-L refuses and zlib accepts pass through check_exact (none seen so far).
    CHECK(fast_refused_zlib_accepted < 50);
}
