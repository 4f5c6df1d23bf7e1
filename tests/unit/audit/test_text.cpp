// Escaping of arbitrary file names and the value syntaxes of the options.
#include "audit/json_reader.hpp"
#include "audit/options.hpp"
#include "audit/text.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace pds::audit;

TEST_CASE("visible() shows control characters and non-UTF-8 bytes as escapes, keeps UTF-8 text") {
    CHECK(visible("plain name.dump") == "plain name.dump");
    CHECK(visible("a\nb\tc\\d") == "a\\nb\\tc\\\\d");
    CHECK(visible(std::string("bad\xff\xfe.dump")) == "bad\\xff\\xfe.dump");
    CHECK(visible("caf\xc3\xa9") == "caf\xc3\xa9");         // é stays
    CHECK(visible(std::string("\x1b[31m")) == "\\x1b[31m"); // no terminal escapes pass
    CHECK(visible(std::string("c1\xc2\x9b")) == "c1\\xc2\\x9b");
    CHECK(visible(std::string("\xed\xa0\x80")) == "\\xed\\xa0\\x80"); // UTF-16 surrogate
    CHECK(visible(std::string("\xc0\xaf")) == "\\xc0\\xaf");          // overlong '/'
    CHECK(display_width(visible("caf\xc3\xa9")) == 4);
}

TEST_CASE("json_string() output is strict JSON, round-trips UTF-8 and marks invalid bytes") {
    const std::string name =
        std::string("we\"ird\\ na\nme\t\x01\x7f caf\xc3\xa9 \xf0\x9f\x92\xbe ") + "\xff\xc3(.dump";
    const std::string doc = "{\"name\": " + json_string(name) + "}";
    JsonValue v = test::strict_json(doc);
    CHECK(v.at("name").text ==
          std::string("we\"ird\\ na\nme\t\x01\x7f caf\xc3\xa9 \xf0\x9f\x92\xbe \\xff\\xc3(.dump"));
    CHECK(is_valid_utf8(doc));
}

TEST_CASE("prom_label() uses the exposition escapes and keeps the value valid UTF-8") {
    CHECK(prom_label("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    CHECK(prom_label(std::string("x\xff")) == "x\\\\xff");
    CHECK(prom_label("caf\xc3\xa9 dump") == "caf\xc3\xa9 dump");
    CHECK(is_valid_utf8(prom_label(std::string("\xfe\xfe\x80"))));
}

TEST_CASE("sizes and durations parse as documented and garbage is refused") {
    CHECK(parse_size("0") == 0u);
    CHECK(parse_size("512") == 512u);
    CHECK(parse_size("10K") == 10240u);
    CHECK(parse_size("1.5G") == 1610612736u);
    CHECK(parse_size("2GiB") == 2147483648u);
    CHECK(parse_size("3MB") == 3145728u);
    CHECK(parse_size("1t") == 1099511627776u);
    CHECK_FALSE(parse_size(""));
    CHECK_FALSE(parse_size("G"));
    CHECK_FALSE(parse_size("-1G"));
    CHECK_FALSE(parse_size("10X"));
    CHECK_FALSE(parse_size("10 G"));
    CHECK(parse_duration("90m") == 5400);
    CHECK(parse_duration("26h") == 93600);
    CHECK(parse_duration("3d") == 259200);
    CHECK(parse_duration("1d12h") == 129600);
    CHECK(parse_duration("45") == 45);
    CHECK(parse_duration("2w") == 1209600);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("h"));
    CHECK_FALSE(parse_duration("3 d"));
    CHECK_FALSE(parse_duration("-3d"));
    CHECK_FALSE(parse_duration("1.5h"));
    CHECK_FALSE(parse_duration("3y"));
}

TEST_CASE("the JSON reader accepts RFC 8259 documents and rejects malformed ones") {
    JsonValue v = parse_json(
        R"( {"a": [1, -2.5e3, true, false, null], "s": "\u00e9\ud83d\udcbe\/", "o": {}} )");
    CHECK(v.at("a").items.size() == 5);
    CHECK(v.at("a")[0].as_int() == 1);
    CHECK(v.at("a")[1].as_double() == -2500.0);
    CHECK(v.at("s").text == "\xc3\xa9\xf0\x9f\x92\xbe/");
    CHECK(v.at("o").members.empty());
    for (const char* bad : {"", "{", "{\"a\":1,}", "[1,]", "{\"a\" 1}", "\"\x01\"", "01", "1.",
                            "\"\\ud800\"", "\"\\x41\"", "{} {}", "nul", "[1] x"}) {
        INFO(bad);
        CHECK_THROWS_AS(parse_json(bad), JsonError);
    }
}
