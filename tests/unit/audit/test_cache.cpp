// The verification cache: unchanged files are not read again; the file is replaced
// atomically and survives damage.
#include "audit/cache.hpp"
#include "support.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

using namespace pds::audit;
using namespace pds::audit::test;
using pds::verify::Level;

namespace {

const std::string kBody = "PGDMP" + std::string(2000, 'x');

JsonValue run_json(const std::vector<std::string>& args, std::string* err = nullptr) {
    std::vector<std::string> all{"--format=json"};
    all.insert(all.end(), args.begin(), args.end());
    Run r = audit(all);
    INFO(r.err);
    REQUIRE(r.status <= 2);
    if (err)
        *err = r.err;
    return strict_json(r.out);
}

std::vector<std::string> dir_entries(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : boost::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    return names;
}

} // namespace

TEST_CASE("a cached verdict answers only for the same file identity and a compatible level") {
    VerifyCache c;
    FileId id{1, 2, 3000, 1234567890123};
    pds::verify::Verdict good;
    good.ok = true;
    good.info.database = "app";
    c.store("/b/app.dump", id, Level::Structure, good);
    REQUIRE(c.lookup("/b/app.dump", id, Level::Structure));
    CHECK(c.lookup("/b/app.dump", id, Level::Structure)->info.database == "app");
    CHECK(c.lookup("/b/app.dump", id, Level::Toc));        // good at structure: good at toc
    CHECK_FALSE(c.lookup("/b/app.dump", id, Level::Full)); // full was never proven
    for (FileId other : {FileId{9, 2, 3000, 1234567890123}, FileId{1, 9, 3000, 1234567890123},
                         FileId{1, 2, 3001, 1234567890123}, FileId{1, 2, 3000, 1234567890124}})
        CHECK_FALSE(c.lookup("/b/app.dump", other, Level::Structure));
    CHECK_FALSE(c.lookup("/b/other.dump", id, Level::Structure));

    pds::verify::Verdict bad;
    bad.problem = "truncated";
    c.store("/b/bad.dump", id, Level::Structure, bad);
    CHECK(c.lookup("/b/bad.dump", id, Level::Full)); // bad at structure: bad at full
    CHECK_FALSE(c.lookup("/b/bad.dump", id, Level::Toc));

    TempDir t;
    c.save(t / "sub/dir/cache");
    VerifyCache d;
    std::string warning;
    d.load(t / "sub/dir/cache", warning);
    CHECK(warning.empty());
    CHECK(d.size() == 2);
    REQUIRE(d.lookup("/b/bad.dump", id, Level::Structure));
    CHECK(d.lookup("/b/bad.dump", id, Level::Structure)->problem == "truncated");
    CHECK(d.lookup("/b/app.dump", id, Level::Structure)->ok);
}

TEST_CASE("with the cache, unchanged files are not read again - changed ones are") {
    TempDir t;
    const std::string root = t / "root", cache = t / "state/audit-cache";
    make_dirs(root + "/sub");
    for (int i = 0; i < 5; ++i)
        write_file(root + "/sub/app-2026-11-2" + std::to_string(i) + ".dump", kBody);
    write_file(root + "/odd\tname\n-2026-11-20.dump", kBody);

    JsonValue first = run_json({"--cache=" + cache, root});
    CHECK(first.at("verified").as_int() == 6);
    CHECK(first.at("from_cache").as_int() == 0);
    CHECK(read_file(cache).rfind("pg_dump-safe-audit verify cache 1\n", 0) == 0);
    CHECK(dir_entries(t / "state") == std::vector<std::string>{"audit-cache"}); // no temp left

    JsonValue second = run_json({"--cache=" + cache, root});
    CHECK(second.at("verified").as_int() == 0);
    CHECK(second.at("from_cache").as_int() == 6);
    for (const auto& f : second.at("finals").items)
        CHECK(f.at("cached").boolean);
    // Same verdicts from the cache as from reading.
    for (std::size_t i = 0; i < 6; ++i) {
        CHECK(second.at("finals")[i].at("verdict").text ==
              first.at("finals")[i].at("verdict").text);
        CHECK(second.at("finals")[i].at("problem").text ==
              first.at("finals")[i].at("problem").text);
        CHECK(second.at("finals")[i].at("format").text == first.at("finals")[i].at("format").text);
    }

    write_file(root + "/sub/app-2026-11-23.dump", kBody + "more"); // changed size and mtime
    JsonValue third = run_json({"--cache=" + cache, root});
    CHECK(third.at("verified").as_int() == 1);
    CHECK(third.at("from_cache").as_int() == 5);

    // A stricter level is not answered by verdicts of a looser one.
    JsonValue full = run_json({"--cache=" + cache, "--verify=full", root});
    CHECK(full.at("verified").as_int() + full.at("from_cache").as_int() == 6);

    const std::string before = read_file(cache);
    JsonValue forced = run_json({"--no-cache", root});
    CHECK(forced.at("verified").as_int() == 6);
    CHECK(read_file(cache) == before); // --no-cache neither reads nor writes it
}

TEST_CASE("the default cache lives under XDG_CACHE_HOME, else ~/.cache") {
    TempDir t;
    make_dirs(t / "root");
    write_file(t / "root/app-2026-11-20.dump", kBody);
    Run r = run_binary({t / "root"}, {{"XDG_CACHE_HOME", t / "xdg"}});
    CHECK(r.status <= 2);
    CHECK(file_size(t / "xdg/pg_dump-safe/audit-cache") > 0);
    Run h = run_binary({t / "root"}, {{"HOME", t / "home"}}, {"XDG_CACHE_HOME"});
    CHECK(h.status <= 2);
    CHECK(file_size(t / "home/.cache/pg_dump-safe/audit-cache") > 0);
}

TEST_CASE("a damaged or unwritable cache is a warning, never a failed audit") {
    TempDir t;
    const std::string root = t / "root";
    make_dirs(root);
    write_file(root + "/app-2026-11-20.dump", kBody);
    write_file(t / "cache", "something else entirely\n");
    std::string err;
    JsonValue a = run_json({"--cache=" + (t / "cache"), root}, &err);
    CHECK(err.find("warning: ignoring cache") != std::string::npos);
    CHECK(a.at("verified").as_int() == 1);
    CHECK(read_file(t / "cache").rfind("pg_dump-safe-audit verify cache 1\n", 0) == 0);

    write_file(t / "cache", read_file(t / "cache") + "garbage\tline\n");
    JsonValue b = run_json({"--cache=" + (t / "cache"), root}, &err);
    CHECK(b.at("from_cache").as_int() == 1); // the good line still counts

    // A cache path below a regular file cannot be created.
    JsonValue c = run_json({"--cache=" + (root + "/app-2026-11-20.dump/cache"), root}, &err);
    CHECK(err.find("warning: cannot") != std::string::npos);
    CHECK(err.find("Not a directory") != std::string::npos);
    CHECK(c.at("verified").as_int() == 1);
}

TEST_CASE("cache entries of vanished files are dropped, those of other roots kept") {
    TempDir t;
    make_dirs(t / "a");
    make_dirs(t / "b");
    write_file(t / "a/app-2026-11-20.dump", kBody);
    write_file(t / "a/app-2026-11-21.dump", kBody);
    write_file(t / "b/crm-2026-11-20.dump", kBody);
    const std::string cache = t / "cache";
    run_json({"--cache=" + cache, t / "a", t / "b"});
    ::unlink((t / "a/app-2026-11-20.dump").c_str());
    run_json({"--cache=" + cache, t / "a"});
    const std::string text = read_file(cache);
    CHECK(text.find(t / "a/app-2026-11-20.dump") == std::string::npos);
    CHECK(text.find(t / "a/app-2026-11-21.dump") != std::string::npos);
    CHECK(text.find(t / "b/crm-2026-11-20.dump") != std::string::npos);
}

TEST_CASE("a FIFO planted at the cache path is a warning and no hang") {
    // Before the cache was read through the posix layer, opening the FIFO blocked the audit
    // forever (no writer). SIGALRM's default action ends this test program if it hangs.
    TempDir t;
    const std::string root = t / "root";
    make_dirs(root);
    write_file(root + "/app-2026-11-20.dump", kBody);
    REQUIRE(::mkfifo((t / "cache").c_str(), 0600) == 0);
    std::string err;
    ::alarm(30);
    JsonValue a = run_json({"--cache=" + (t / "cache"), root}, &err);
    ::alarm(0);
    CHECK(err.find("warning: cannot read cache: ") != std::string::npos);
    CHECK(err.find("not a regular file") != std::string::npos);
    CHECK(a.at("verified").as_int() == 1);
}
