// The run journal: JSON lines that parse strictly, even with many concurrent writers.
#include "report/journal.hpp"
#include "support/json.hpp"
#include "support/test_util.hpp"
#include "support/writers.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace pds::report;
using namespace pds::test;
using Clock = std::chrono::system_clock;

namespace {

Clock::time_point at_ms(std::time_t secs, int ms) {
    return Clock::from_time_t(secs) + std::chrono::milliseconds(ms);
}

JournalRecord sample_record() {
    JournalRecord r;
    r.start = at_ms(utc(2026, 6, 17, 3), 120);
    r.end = at_ms(utc(2026, 6, 17, 3, 0, 12), 480);
    r.status = "published";
    r.exit_code = 0;
    r.target = "/backups/app-2026-06-17.dump";
    r.series = "app-*.dump";
    r.bytes = 123456;
    r.verify_level = "structure";
    r.phases.dump = 10.1;
    r.phases.verify = 1.25;
    r.phases.sync = 0.3;
    r.phases.rename = 0.001;
    r.phases.retention = 0.02;
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

} // namespace

TEST_CASE("a journal line is one strict JSON object with every field") {
    const std::string line = journal_line(sample_record());
    REQUIRE(line.back() == '\n');
    REQUIRE(line.find('\n') == line.size() - 1);
    const Json j = StrictJson::parse(line);
    CHECK(j.keys == std::vector<std::string>{"start", "end", "duration_s", "status", "reason",
                                             "exit", "target", "series", "bytes", "verify", "pid",
                                             "phases", "content", "detail"});
    CHECK(j.at("start").str == "2026-06-17T03:00:00.120Z");
    CHECK(j.at("end").str == "2026-06-17T03:00:12.480Z");
    CHECK(j.at("duration_s").num == Approx(12.36));
    CHECK(j.at("status").str == "published");
    CHECK(j.at("exit").num == 0);
    CHECK(j.at("bytes").num == 123456);
    CHECK(j.at("target").str == "/backups/app-2026-06-17.dump");
    CHECK(j.at("pid").num == ::getpid());
    const Json& p = j.at("phases");
    CHECK(p.keys ==
          std::vector<std::string>{"dump", "verify", "sync", "rename", "hooks", "retention"});
    CHECK(p.at("dump").num == Approx(10.1));
    CHECK(p.at("verify").num == Approx(1.25));
    CHECK(p.at("hooks").kind == Json::Null); // did not run
}

TEST_CASE("strings are escaped: control characters - quotes - invalid UTF-8 bytes") {
    JournalRecord r = sample_record();
    r.status = "failed";
    r.reason = "disk-full";
    r.exit_code = 1;
    r.detail = std::string("quote\" back\\ nl\n tab\t cr\r bell\x07 del\x7f nul") + '\0' + "end";
    r.target = "/b/caf\xC3\xA9-\xE2\x82\xAC-\xF0\x9F\x92\xBE.dump"; // valid UTF-8
    r.series = "bad\xFF-lone\xC3-overlong\xC0\xAF-surrogate\xED\xA0\x80-big\xF4\x90\x80\x80";
    const std::string line = journal_line(r);
    for (char c : line.substr(0, line.size() - 1))
        CHECK(static_cast<unsigned char>(c) >= 0x20); // no raw control byte
    const Json j = StrictJson::parse(line);
    CHECK(j.at("detail").str == r.detail); // round trip exact, NUL included
    CHECK(j.at("target").str == r.target); // valid UTF-8 passes unchanged
    // Each invalid byte reads back as the text \xHH (the one rule of src/text/text.hpp, the
    // same as the metrics file and the audit).
    CHECK(j.at("series").str == "bad\\xff-lone\\xc3-overlong\\xc0\\xaf-surrogate"
                                "\\xed\\xa0\\x80-big\\xf4\\x90\\x80\\x80");
    CHECK(line.find("\\\\xff") != std::string::npos);
    CHECK(j.at("reason").str == "disk-full");
    CHECK(j.at("exit").num == 1);
}

TEST_CASE("utf8_sequence_length accepts exactly valid UTF-8") {
    CHECK(utf8_sequence_length("a", 0) == 1);
    CHECK(utf8_sequence_length("\xC3\xA9", 0) == 2);
    CHECK(utf8_sequence_length("\xE2\x82\xAC", 0) == 3);
    CHECK(utf8_sequence_length("\xF0\x9F\x92\xBE", 0) == 4);
    CHECK(utf8_sequence_length("\xF4\x8F\xBF\xBF", 0) == 4); // U+10FFFF
    CHECK(utf8_sequence_length("\xC3", 0) == 0);             // truncated
    CHECK(utf8_sequence_length("\xC1\xBF", 0) == 0);         // overlong
    CHECK(utf8_sequence_length("\xE0\x9F\xBF", 0) == 0);     // overlong
    CHECK(utf8_sequence_length("\xED\xA0\x80", 0) == 0);     // surrogate
    CHECK(utf8_sequence_length("\xF4\x90\x80\x80", 0) == 0); // above U+10FFFF
    CHECK(utf8_sequence_length("\x80", 0) == 0);             // stray continuation
    CHECK(utf8_sequence_length("\xE2\x82"
                               "a",
                               0) == 0);
}

TEST_CASE("concurrent runs appending to one journal never interleave lines") {
    TempDir dir;
    const auto journal = dir / "runs.jsonl";
    constexpr int kWriters = 4, kLines = 200;
    run_forked_writers(kWriters, [&](int w) {
        JournalRecord r = sample_record();
        // Lines far above PIPE_BUF, so a torn write would show.
        r.detail = std::string(6000 + 500 * w, static_cast<char>('a' + w));
        for (int i = 0; i < kLines; ++i) {
            r.bytes = static_cast<std::uint64_t>(i);
            append_journal(journal, r);
        }
    });
    const std::string text = read_file(journal);
    REQUIRE(text.back() == '\n');
    const auto lines = lines_of(text);
    REQUIRE(lines.size() == kWriters * kLines);
    std::map<long, std::vector<double>> by_pid;
    for (const std::string& l : lines) {
        Json j;
        REQUIRE_NOTHROW(j = StrictJson::parse(l));
        const std::string& d = j.at("detail").str;
        REQUIRE(d.size() >= 6000);
        const int w = d[0] - 'a';
        REQUIRE(d == std::string(6000 + 500 * w, static_cast<char>('a' + w)));
        by_pid[static_cast<long>(j.at("pid").num)].push_back(j.at("bytes").num);
    }
    REQUIRE(by_pid.size() == kWriters);
    for (const auto& [pid, seq] : by_pid) {
        REQUIRE(seq.size() == kLines);
        for (int i = 0; i < kLines; ++i)
            CHECK(seq[static_cast<std::size_t>(i)] == i); // each writer's lines in its order
    }
}

TEST_CASE("a torn last line left by a crashed writer does not swallow the next record") {
    TempDir dir;
    const auto journal = dir / "runs.jsonl";
    write_file(journal, journal_line(sample_record()) + "{\"start\":\"2026-06-17T0");
    append_journal(journal, sample_record());
    const auto lines = lines_of(read_file(journal));
    REQUIRE(lines.size() == 3);
    CHECK_NOTHROW(StrictJson::parse(lines[0]));
    CHECK_THROWS(StrictJson::parse(lines[1]));
    CHECK_NOTHROW(StrictJson::parse(lines[2]));
}

TEST_CASE("a journal that cannot be opened names the path and the error") {
    TempDir dir;
    const auto journal = dir / "no-such-dir" / "runs.jsonl";
    CHECK_THROWS_WITH(append_journal(journal, sample_record()),
                      Catch::Contains(journal.string()) &&
                          Catch::Contains("No such file or directory"));
}

TEST_CASE("iso8601_utc keeps milliseconds") {
    CHECK(iso8601_utc_ms(at_ms(utc(2026, 12, 31, 23, 59, 59), 999)) == "2026-12-31T23:59:59.999Z");
    CHECK(iso8601_utc_ms(at_ms(0, 0)) == "1970-01-01T00:00:00.000Z");
}
