// The Prometheus textfile: strict exposition format, carried-over values, several targets.
#include "report/metrics.hpp"
#include "support/prometheus.hpp"
#include "support/test_util.hpp"
#include "support/writers.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = boost::filesystem;
using namespace pds::report;
using namespace pds::test;
using Clock = std::chrono::system_clock;

namespace {

const char* const kAllFamilies[] = {"pg_dump_safe_last_run_success",
                                    "pg_dump_safe_last_run_timestamp_seconds",
                                    "pg_dump_safe_last_run_duration_seconds",
                                    "pg_dump_safe_last_run_bytes",
                                    "pg_dump_safe_last_run_verify_info",
                                    "pg_dump_safe_last_success_timestamp_seconds",
                                    "pg_dump_safe_last_failure_timestamp_seconds"};

RunMetrics run(bool ok, std::time_t end, const std::string& target = "/b/app-2026-06-17.dump") {
    RunMetrics m;
    m.target = target;
    m.series = "app-*.dump";
    m.success = ok;
    m.end = Clock::from_time_t(end) + std::chrono::milliseconds(250);
    m.duration_seconds = 12.5;
    m.bytes = ok ? 4096 : 17;
    m.verify_level = "structure";
    m.failure_reason = ok ? "" : "disk-full";
    return m;
}

double value(const PromDoc& f, const std::string& name, const std::string& target,
             std::map<std::string, std::string> extra = {}) {
    extra["target"] = target;
    const auto s = f.find(name, extra);
    if (s.size() != 1)
        FAIL(name << " for " << target << ": " << s.size() << " samples");
    return s[0].value;
}

PromDoc load(const fs::path& p) {
    return parse_prometheus(read_file(p));
}

const std::string kT = "/b/app-2026-06-17.dump";

} // namespace

TEST_CASE("a successful run writes every family with HELP and TYPE") {
    TempDir dir;
    const auto file = dir / "pg_dump_safe.prom";
    write_metrics(file, run(true, 1781665200));
    const PromDoc f = load(file);
    for (const char* fam : kAllFamilies) {
        if (std::string(fam) == "pg_dump_safe_last_failure_timestamp_seconds")
            continue; // never failed
        INFO(fam);
        CHECK(f.families.at(fam).type == "gauge");
        CHECK_FALSE(f.families.at(fam).help.empty());
    }
    CHECK(f.find("pg_dump_safe_last_failure_timestamp_seconds").empty());
    CHECK(value(f, "pg_dump_safe_last_run_success", kT) == 1);
    CHECK(value(f, "pg_dump_safe_last_run_timestamp_seconds", kT) == Approx(1781665200.25));
    CHECK(value(f, "pg_dump_safe_last_success_timestamp_seconds", kT) == Approx(1781665200.25));
    CHECK(value(f, "pg_dump_safe_last_run_duration_seconds", kT) == Approx(12.5));
    CHECK(value(f, "pg_dump_safe_last_run_bytes", kT) == 4096);
    CHECK(value(f, "pg_dump_safe_last_run_verify_info", kT, {{"level", "structure"}}) == 1);
    for (const PromSample& s : f.samples)
        CHECK(s.labels.at("series") == "app-*.dump");
}

TEST_CASE("a failed run keeps the last success time and records the reason") {
    TempDir dir;
    const auto file = dir / "pg_dump_safe.prom";
    write_metrics(file, run(true, 1781665200));
    write_metrics(file, run(false, 1781751600));
    PromDoc f = load(file);
    CHECK(value(f, "pg_dump_safe_last_run_success", kT) == 0);
    CHECK(value(f, "pg_dump_safe_last_run_timestamp_seconds", kT) == Approx(1781751600.25));
    CHECK(value(f, "pg_dump_safe_last_success_timestamp_seconds", kT) == Approx(1781665200.25));
    CHECK(value(f, "pg_dump_safe_last_failure_timestamp_seconds", kT, {{"reason", "disk-full"}}) ==
          Approx(1781751600.25));
    CHECK(value(f, "pg_dump_safe_last_run_bytes", kT) == 17);

    SECTION("a second failure with another reason replaces the reason") {
        RunMetrics m = run(false, 1781838000);
        m.failure_reason = "connection";
        write_metrics(file, m);
        f = load(file);
        CHECK(f.find("pg_dump_safe_last_failure_timestamp_seconds").size() == 1);
        CHECK(value(f, "pg_dump_safe_last_failure_timestamp_seconds", kT,
                    {{"reason", "connection"}}) == Approx(1781838000.25));
        CHECK(value(f, "pg_dump_safe_last_success_timestamp_seconds", kT) == Approx(1781665200.25));
    }
    SECTION("the next success keeps the last failure") {
        write_metrics(file, run(true, 1781838000));
        f = load(file);
        CHECK(value(f, "pg_dump_safe_last_run_success", kT) == 1);
        CHECK(value(f, "pg_dump_safe_last_success_timestamp_seconds", kT) == Approx(1781838000.25));
        CHECK(value(f, "pg_dump_safe_last_failure_timestamp_seconds", kT,
                    {{"reason", "disk-full"}}) == Approx(1781751600.25));
    }
}

TEST_CASE("a first run that fails has no last success sample") {
    TempDir dir;
    write_metrics(dir / "m.prom", run(false, 1781665200));
    const PromDoc f = load(dir / "m.prom");
    CHECK(f.find("pg_dump_safe_last_success_timestamp_seconds").empty());
    CHECK(value(f, "pg_dump_safe_last_run_success", kT) == 0);
}

TEST_CASE("several series share one file - a run replaces only its own series' samples") {
    TempDir dir;
    const auto file = dir / "m.prom";
    RunMetrics billing = run(false, 1781665300, "/b/billing.dump");
    billing.series = "/b/billing.dump";
    write_metrics(file, run(true, 1781665200, "/b/app.dump"));
    write_metrics(file, billing);
    write_metrics(file, run(false, 1781665400, "/b/app.dump"));
    const PromDoc f = load(file);
    CHECK(value(f, "pg_dump_safe_last_run_success", "/b/billing.dump") == 0);
    CHECK(value(f, "pg_dump_safe_last_run_success", "/b/app.dump") == 0);
    CHECK(value(f, "pg_dump_safe_last_success_timestamp_seconds", "/b/app.dump") ==
          Approx(1781665200.25));
    CHECK(f.find("pg_dump_safe_last_success_timestamp_seconds", {{"target", "/b/billing.dump"}})
              .empty());
    CHECK(f.find("pg_dump_safe_last_run_success").size() == 2);
}

TEST_CASE("label values are escaped and made valid UTF-8 - control bytes never raw") {
    TempDir dir;
    const auto file = dir / "m.prom";
    RunMetrics m = run(false, 1781665200, "/b/we\"ird\\na\nme-\xFF-caf\xC3\xA9\x1b[2J\r.dump");
    m.failure_reason = "verify-failed";
    write_metrics(file, m);
    write_metrics(file, m); // read back and rewritten: must still be one series
    const std::string text = read_file(file);
    CHECK(text.find("we\\\"ird\\\\na\\nme") != std::string::npos);
    const PromDoc f = load(file);
    // The one rule of src/text: invalid bytes and control characters as the text \xHH.
    const std::string expected = "/b/we\"ird\\na\nme-\\xff-caf\xC3\xA9\\x1b[2J\\x0d.dump";
    for (char c : text)
        CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
    CHECK(value(f, "pg_dump_safe_last_run_success", expected) == 0);
    CHECK(f.find("pg_dump_safe_last_run_success").size() == 1);
    CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("dated targets of one series are one job: the newest run replaces the older target") {
    TempDir dir;
    const auto file = dir / "m.prom";
    write_metrics(file, run(true, 1781665200, "/b/app-2026-06-17.dump"));
    write_metrics(file, run(false, 1781751600, "/b/app-2026-06-18.dump"));
    write_metrics(file, run(true, 1781838000, "/b/app-2026-06-19.dump"));
    const PromDoc f = load(file);
    REQUIRE(f.find("pg_dump_safe_last_run_success").size() == 1);
    CHECK(value(f, "pg_dump_safe_last_run_success", "/b/app-2026-06-19.dump") == 1);
    CHECK(f.find("pg_dump_safe_last_failure_timestamp_seconds").size() == 1);
    CHECK(f.find("pg_dump_safe_last_failure_timestamp_seconds")[0].labels.at("target") ==
          "/b/app-2026-06-18.dump");
}

TEST_CASE("the file is replaced atomically - its mode follows the umask - no temporary left") {
    TempDir dir;
    const auto file = dir / "m.prom";
    const mode_t old = ::umask(027);
    write_metrics(file, run(true, 1781665200));
    ::umask(old);
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640); // issue 13, finding 15: not always 0644
    const ino_t first = st.st_ino;

    REQUIRE(::chmod(file.c_str(), 0640) == 0);
    write_metrics(file, run(true, 1781665300));
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640); // an operator's choice is kept
    CHECK(st.st_ino != first);          // a new file renamed over the old one

    std::vector<std::string> entries;
    for (const auto& e : fs::directory_iterator(dir.path()))
        entries.push_back(e.path().filename().string());
    CHECK(entries == std::vector<std::string>{"m.prom"});
}

TEST_CASE("a metrics file that cannot be written names the path and the error") {
    TempDir dir;
    const auto file = dir / "missing" / "m.prom";
    CHECK_THROWS_WITH(write_metrics(file, run(true, 1781665200)),
                      Catch::Contains((dir / "missing").string()) &&
                          Catch::Contains("No such file or directory"));
}

TEST_CASE("garbage in a previous file is dropped - never copied") {
    TempDir dir;
    const auto file = dir / "m.prom";
    write_file(file, "not a metric line\n{broken\nother_metric{a=\"b\"} 1\n"
                     "pg_dump_safe_last_run_success{target=\"x\" 1\n");
    write_metrics(file, run(true, 1781665200));
    const PromDoc f = load(file);
    CHECK(f.find("other_metric").empty());
    CHECK(f.find("pg_dump_safe_last_run_success").size() == 1);
}

TEST_CASE("concurrent runs of different targets all end up in the shared file") {
    TempDir dir;
    const auto file = dir / "m.prom";
    constexpr int kWriters = 4, kRuns = 25;
    run_forked_writers(kWriters, [&](int w) {
        for (int i = 0; i < kRuns; ++i) {
            RunMetrics m = run(i % 2 == 0, 1781665200 + i, "/b/t" + std::to_string(w));
            m.series = m.target; // four jobs
            m.bytes = static_cast<std::uint64_t>(i);
            write_metrics(file, m);
        }
    });
    const PromDoc f = load(file);
    for (int w = 0; w < kWriters; ++w) {
        const std::string t = "/b/t" + std::to_string(w);
        CHECK(value(f, "pg_dump_safe_last_run_bytes", t) == kRuns - 1);
        CHECK(value(f, "pg_dump_safe_last_success_timestamp_seconds", t) ==
              Approx(1781665200 + 24 + 0.25));
        CHECK(value(f, "pg_dump_safe_last_failure_timestamp_seconds", t,
                    {{"reason", "disk-full"}}) == Approx(1781665200 + 23 + 0.25));
    }
}
