#include "report/failure_line.hpp"
#include "report/journal.hpp"

#include <catch2/catch.hpp>

using pds::report::format_line;
using pds::report::json_string;
using pds::report::quote_value;

TEST_CASE("FAILED values are bare when safe and quoted with escapes otherwise", "[report]") {
    CHECK(quote_value("/backups/app.dump") == "/backups/app.dump");
    CHECK(quote_value("") == "\"\"");
    CHECK(quote_value("with space") == "\"with space\"");
    CHECK(quote_value("new\nline") == "\"new\\nline\"");
    CHECK(quote_value("q\"b\\") == "\"q\\\"b\\\\\"");
    CHECK(quote_value("a=b") == "\"a=b\"");
    CHECK(quote_value("bad\xff") == "\"bad\\xff\"");
    CHECK(quote_value("tab\there") == "\"tab\\there\"");
}

TEST_CASE("a FAILED line is one line in the documented field order", "[report]") {
    std::string line = format_line(
        "FAILED",
        {{"target", "/b/x\ny.dump"}, {"partial", "none"}, {"reason", "disk-full"}, {"exit", "1"}});
    CHECK(line == "[backup] FAILED target=\"/b/x\\ny.dump\" partial=none reason=disk-full exit=1");
    CHECK(line.find('\n') == std::string::npos);
}

TEST_CASE("JSON strings keep UTF-8 and escape everything else", "[report]") {
    CHECK(json_string("plain") == "\"plain\"");
    CHECK(json_string("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
    CHECK(json_string("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"");
    CHECK(json_string("bad\xff") == "\"bad\\\\xff\"");
    CHECK(json_string("\x01") == "\"\\u0001\"");
}
