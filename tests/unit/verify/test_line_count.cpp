// The line counter behind the content manifest's rows at `full` (verify/line_count.hpp):
// compared with a plain line-by-line count of the same bytes, fed in pieces of every size.
#include "verify/line_count.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using pds::verify::detail::count_newlines;
using pds::verify::detail::LineCount;
using pds::verify::detail::LineCounter;

namespace {

// The reference: split into lines, count the lines that are exactly "\.".
LineCount naive(const std::string& s) {
    LineCount c;
    c.bytes = s.size();
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\n')
            continue;
        ++c.newlines;
        if (i - start == 2 && s[start] == '\\' && s[start + 1] == '.')
            ++c.markers;
        start = i + 1;
    }
    c.counted = true;
    return c;
}

LineCount counted(const std::string& s, std::size_t piece, std::string* tail = nullptr) {
    LineCount c;
    c.newlines = 99; // reset() must clear it
    LineCounter counter(&c);
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
    for (std::size_t i = 0; i < s.size(); i += piece)
        counter.write(p + i, std::min(piece, s.size() - i));
    counter.finish();
    if (tail)
        *tail = counter.tail();
    return c;
}

void require_same(const std::string& s) {
    const LineCount want = naive(s);
    for (std::size_t piece = 1; piece <= 9; ++piece) {
        INFO("piece " << piece << ", text \"" << s << "\"");
        std::string tail;
        const LineCount got = counted(s, piece, &tail);
        REQUIRE(tail == s.substr(s.size() < 8 ? 0 : s.size() - 8)); // the last 8 bytes
        REQUIRE(got.newlines == want.newlines);
        REQUIRE(got.bytes == want.bytes);
        REQUIRE(got.markers == want.markers);
        REQUIRE(got.counted);
    }
    const LineCount whole = counted(s, s.size() + 1);
    REQUIRE(whole.markers == want.markers);
    REQUIRE(whole.newlines == want.newlines);
}

} // namespace

TEST_CASE("line count: marker lines at the start, in the middle, back to back and escaped",
          "[verify][rows]") {
    for (const char* s :
         {"", "\\.\n", "\\.\n\n\n", "1\ta\n\\.\n\n\n", "\\.\n\\.\n", "\\\\.\n", "a\\.\n", "\\.x\n",
          "\n\\.", "x\n\\.\n2\n\\.\n\n\n", "\\.\\.\n", "\n\n\\.\n\\.\n\\.\n", ".\n\\\n", "\\\n.\n"})
        require_same(s);
    CHECK(naive("\\.\n\\.\n").markers == 2);
    CHECK(naive("\\\\.\n").markers == 0); // a value "\." as COPY escapes it is data
}

TEST_CASE("line count: random text of newlines, backslashes and dots, in random pieces",
          "[verify][rows]") {
    std::mt19937 rng(20261203);
    const char alphabet[] = {'\n', '\\', '.', 'a', '\n', '\\', '.'};
    for (int round = 0; round < 2000; ++round) {
        std::string s(rng() % 40, ' ');
        for (char& c : s)
            c = alphabet[rng() % sizeof alphabet];
        require_same(s);
        // Random piece sizes too.
        const LineCount want = naive(s);
        LineCount c;
        LineCounter counter(&c);
        for (std::size_t i = 0; i < s.size();) {
            const std::size_t n = std::min<std::size_t>(1 + rng() % 6, s.size() - i);
            counter.write(reinterpret_cast<const std::uint8_t*>(s.data()) + i, n);
            i += n;
        }
        REQUIRE(c.markers == want.markers);
        REQUIRE(c.newlines == want.newlines);
    }
}

TEST_CASE("line count: newline counting over every alignment", "[verify][rows]") {
    std::mt19937 rng(7);
    std::string s(4096 + 32, 'x'); // every start below plus the longest length fits
    for (char& c : s)
        c = static_cast<char>(rng() % 4 == 0 ? '\n' : rng() % 256);
    for (std::size_t from = 0; from < 16; ++from)
        for (std::size_t len : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8},
                                std::size_t{9}, std::size_t{63}, std::size_t{4096}}) {
            std::uint64_t want = 0;
            for (std::size_t i = from; i < from + len; ++i)
                want += s[i] == '\n';
            REQUIRE(count_newlines(reinterpret_cast<const std::uint8_t*>(s.data()) + from, len) ==
                    want);
        }
}
