// Plain-format dumps made by the real pg_dump 15 (15.18 writes the \restrict/\unrestrict
// lines of CVE-2025-8714), uncompressed and with gzip (-Z6).
#include "support.hpp"
#include "verdicts.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace pds::verify;
using namespace pds::verify::testing;

namespace {

// Every 4 KiB across the first, middle and last 64 KiB, and the last 200 bytes one by one
// (the trailer and the \unrestrict line).
std::vector<std::uint64_t> text_cuts(std::uint64_t size) {
    std::vector<std::uint64_t> out;
    for (std::uint64_t begin : {std::uint64_t{0}, size / 2, size - 65536}) {
        const auto c = cuts(begin, begin + 65536, size);
        out.insert(out.end(), c.begin(), c.end());
    }
    const auto tail = cuts(size - 200, size, size, 1);
    out.insert(out.end(), tail.begin(), tail.end());
    std::sort(out.rbegin(), out.rend());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void require_cuts_rejected(const fs::path& original, const fs::path& work) {
    fs::copy_file(original, work, fs::copy_options::overwrite_existing);
    for (std::uint64_t cut : text_cuts(size_of(original))) {
        truncate_file(work, cut);
        const Verdict v = verify(work, Level::Toc);
        INFO("cut at byte " << cut << " of " << size_of(original));
        REQUIRE_FALSE(v.ok);
    }
}

} // namespace

TEST_CASE("plain: intact dumps verify at every level", "[plain]") {
    TempDir tmp;
    const auto sql = tmp / "a.sql", gz = tmp / "a.sql.gz";
    pg_dump("-Fp", sql);
    pg_dump("-Fp -Z6", gz);
    REQUIRE(read_file(sql).find("\n\\restrict ") != std::string::npos); // 15.14+ writes it
    for (const auto& p : {sql, gz})
        for (Level l : {Level::Toc, Level::Structure, Level::Full}) {
            const Verdict v = verify(p, l);
            INFO(p << " at " << level_name(l) << ": " << v.problem);
            REQUIRE(v.ok);
            CHECK(v.info.format == ArchiveFormat::Plain);
            CHECK(v.info.pg_dump_version.rfind("15.", 0) == 0);
        }
    CHECK(verify(gz, Level::Toc).info.compression == "gzip");
    CHECK(verify(sql, Level::Toc).info.compression == "none");
}

TEST_CASE("plain: every cut is rejected at toc level", "[plain]") {
    TempDir tmp;
    const auto sql = tmp / "a.sql";
    pg_dump("-Fp", sql);
    require_cuts_rejected(sql, tmp / "cut.sql");
}

TEST_CASE("plain -Z6: every cut is rejected at toc level (decompressed to its end)", "[plain]") {
    TempDir tmp;
    const auto gz = tmp / "a.sql.gz";
    pg_dump("-Fp -Z6", gz);
    require_cuts_rejected(gz, tmp / "cut.sql.gz");
}

TEST_CASE("plain -Z6: a flipped byte or zeroed range is rejected", "[plain]") {
    TempDir tmp;
    const auto gz = tmp / "a.sql.gz";
    pg_dump("-Fp -Z6", gz);
    SECTION("flipped byte") {
        flip_byte(gz, size_of(gz) / 2);
    }
    SECTION("zeroed range") {
        zero_range(gz, size_of(gz) / 3, 4096);
    }
    require_rejected(gz, Level::Toc, "gzip");
}

// Fakes derived from a real dump, for what this machine's pg_dump 15.18 cannot write.
TEST_CASE("plain: trailers of older and newer minor releases", "[plain]") {
    TempDir tmp;
    const auto sql = tmp / "a.sql";
    pg_dump("-Fp", sql);
    const std::string real = read_file(sql);
    const auto restrict_at = real.find("\n\\restrict ");
    const auto restrict_end = real.find('\n', restrict_at + 1);
    const std::string key = real.substr(restrict_at + 11, restrict_end - restrict_at - 11);
    const std::string unrestrict = "\\unrestrict " + key + "\n\n";
    REQUIRE(real.size() > unrestrict.size());
    REQUIRE(real.compare(real.size() - unrestrict.size(), unrestrict.size(), unrestrict) == 0);
    const std::string without_unrestrict = real.substr(0, real.size() - unrestrict.size());

    SECTION("before 15.14: no \\restrict, no \\unrestrict") {
        std::string old = without_unrestrict;
        old.erase(restrict_at + 1, restrict_end - restrict_at);
        write_file(sql, old);
        const Verdict v = verify(sql, Level::Toc);
        INFO(v.problem);
        CHECK(v.ok);
    }
    SECTION("\\restrict at the start but no \\unrestrict at the end") {
        write_file(sql, without_unrestrict);
        require_rejected(sql, Level::Toc, "matching \\unrestrict");
    }
    SECTION("\\unrestrict with another key") {
        write_file(sql, without_unrestrict + "\\unrestrict " + key + "Z\n\n");
        CHECK_FALSE(verify(sql, Level::Toc).ok);
    }
    SECTION("an empty file") {
        write_file(sql, "");
        const Verdict v = verify(sql, Level::Toc);
        REQUIRE_FALSE(v.ok);
        CHECK(v.problem == "file is empty");
    }
}
