// The partial layer: names that fit NAME_MAX, stale partials removed only when they are this
// user's own of the expected kind (else moved aside), modes no wider than the final dump,
// the O_EXCL failure record.
#include "publish/partial.hpp"
#include "publish_util.hpp"
#include "report/failure_line.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;
using namespace pds::publish;
using namespace pds::publish::test;

namespace {

struct Umask {
    mode_t old;
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
};

} // namespace

TEST_CASE("fit_name keeps short names and shortens long ones the same way every time",
          "[partial]") {
    fs::path d = fresh_dir("fit");
    CHECK(fit_name(d / "app.dump.partial", kPartialNameReserve) == d / "app.dump.partial");
    for (std::size_t len : {235u, 236u, 247u, 250u, 255u}) {
        std::string final_name(len, 'a');
        fs::path p = fit_name(d / (final_name + ".partial"), kPartialNameReserve);
        INFO(len);
        CHECK(p.parent_path() == d);
        CHECK(p.filename().string().size() + kPartialNameReserve <= 255);
        CHECK(p.filename().string().size() > 200);
        CHECK(p == fit_name(d / (final_name + ".partial"), kPartialNameReserve));
        CHECK(p.extension() == ".partial");
        // a different name of the same prefix gets a different partial
        CHECK(p != fit_name(d / (final_name + "b.partial"), kPartialNameReserve));
        // the partial and its failure record can really be created
        create_partial(p, false);
        CHECK(pds::report::write_failure_record(p.string(), {{"reason", "x"}}).empty());
        CHECK(fs::exists(p.string() + ".failure.json"));
        TargetLock lock(d / final_name); // FINAL.lock fits too
        CHECK(lock.path().filename().string().size() <= 255);
    }
}

TEST_CASE("a stale directory partial of this user is removed without following links",
          "[partial]") {
    fs::path d = fresh_dir("stale-tree");
    fs::create_directories(d / "victim");
    std::ofstream(d / "victim" / "keep") << "x";
    fs::create_directories(d / "t.partial" / "sub" / "deeper");
    std::ofstream(d / "t.partial" / "sub" / "deeper" / "f") << "y";
    REQUIRE(::symlink((d / "victim").c_str(), (d / "t.partial" / "sub" / "link").c_str()) == 0);
    REQUIRE(::symlink((d / "victim" / "keep").c_str(), (d / "t.partial" / "flink").c_str()) == 0);
    StaleOutcome o = remove_stale_partial(d / "t.partial", true);
    CHECK(o.moved_to.empty());
    CHECK_FALSE(fs::exists(fs::symlink_status(d / "t.partial")));
    CHECK(fs::exists(d / "victim" / "keep"));
}

TEST_CASE("a stale partial of the wrong kind is moved aside, never removed", "[partial]") {
    fs::path d = fresh_dir("stale-kind");
    fs::create_directories(d / "t.dump.partial" / "x");
    std::ofstream(d / "t.dump.partial.failure.json") << "{}";
    StaleOutcome o = remove_stale_partial(d / "t.dump.partial", false); // a file was expected
    REQUIRE_FALSE(o.moved_to.empty());
    CHECK(fs::is_directory(fs::path(o.moved_to) / "x"));
    CHECK(fs::path(o.moved_to).extension() == ".partial");
    CHECK(fs::exists(o.moved_to + ".failure.json"));
    CHECK_FALSE(fs::exists(d / "t.dump.partial"));
    CHECK_FALSE(fs::exists(d / "t.dump.partial.failure.json"));
}

TEST_CASE("the partial and the failure record are no wider than the final dump", "[partial]") {
    fs::path d = fresh_dir("modes");
    Umask um(022);
    std::ofstream(d / "secret.dump") << "old";
    REQUIRE(::chmod((d / "secret.dump").c_str(), 0600) == 0);
    create_partial(d / "secret.dump.partial", false, d / "secret.dump");
    CHECK(mode_of(d / "secret.dump.partial") == 0600);
    CHECK(file_mode_limit(d / "secret.dump") == 0600);
    CHECK(pds::report::write_failure_record((d / "secret.dump.partial").string(), {},
                                            file_mode_limit(d / "secret.dump"))
              .empty());
    CHECK(mode_of(d / "secret.dump.partial.failure.json") == 0600);
    // without a final: pg_dump's 0666 & ~umask
    create_partial(d / "new.dump.partial", false, d / "new.dump");
    CHECK(mode_of(d / "new.dump.partial") == 0644);
    CHECK(file_mode_limit(d / "new.dump") == 0644);
}

TEST_CASE("the failure record's temp file is made with O_EXCL: a planted file is not used",
          "[partial]") {
    fs::path d = fresh_dir("record-excl");
    // The old fixed temp name, planted: it must be neither truncated nor renamed into place.
    std::ofstream(d / "a.partial.failure.json.tmp") << "planted";
    REQUIRE(::symlink("/nonexistent-target", (d / "a.partial.failure.json.XXXXXX").c_str()) == 0);
    CHECK(pds::report::write_failure_record((d / "a.partial").string(), {{"reason", "r"}}).empty());
    std::ifstream in((d / "a.partial.failure.json").string());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text.find("\"reason\":\"r\"") != std::string::npos);
    std::ifstream planted((d / "a.partial.failure.json.tmp").string());
    std::string p((std::istreambuf_iterator<char>(planted)), std::istreambuf_iterator<char>());
    CHECK(p == "planted");
}
