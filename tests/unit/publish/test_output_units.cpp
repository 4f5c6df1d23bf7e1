// Output shapes of -Fd/-Fa/stdout and the durability helpers that publish them.
#include "publish/durable.hpp"
#include "publish/output_target.hpp"
#include "publish/partial.hpp"
#include "publish_util.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = boost::filesystem;
using namespace pds::publish;
using namespace pds::publish::test;

TEST_CASE("directory format: trailing slashes, existing empty directories, stale inside partials",
          "[output]") {
    using pds::cli::Format;
    fs::path d = fresh_dir("fd-shapes");
    auto absent = resolve_output(with_file((d / "new").string() + "//", Format::Directory),
                                 Format::Directory);
    CHECK(absent.shape == Shape::Directory);
    CHECK(absent.final_path == d / "new");
    CHECK(absent.partial == d / "new.partial"); // beside it, never new/.partial
    fs::create_directory(d / "empty");
    auto inside =
        resolve_output(with_file((d / "empty/").string(), Format::Directory), Format::Directory);
    CHECK(inside.shape == Shape::DirectoryInside);
    CHECK(inside.error.empty());
    CHECK(inside.partial == d / "empty" / kInsidePartialName);
    // A partial a killed run left inside does not make the directory "non-empty".
    fs::create_directory(d / "empty" / kInsidePartialName);
    CHECK(resolve_output(with_file((d / "empty").string(), Format::Directory), Format::Directory)
              .error.empty());
    std::ofstream(d / "empty" / "toc.dat") << "x";
    CHECK_FALSE(
        resolve_output(with_file((d / "empty").string(), Format::Directory), Format::Directory)
            .error.empty());
    CHECK(resolve_output(with_file("/", Format::Directory), Format::Directory).final_path == "/");
}

TEST_CASE("append format onto an existing file appends, onto a new name it is an ordinary file",
          "[output]") {
    using pds::cli::Format;
    fs::path d = fresh_dir("fa-shapes");
    auto a = with_file((d / "x.sql").string(), Format::Plain);
    a.append = true;
    CHECK(resolve_output(a, Format::Plain).shape == Shape::File);
    std::ofstream(d / "x.sql") << "-- old\n";
    CHECK(resolve_output(a, Format::Plain).shape == Shape::FileAppend);
    std::ofstream(d / "v") << "verified";
    append_file_to_file(d / "v", d / "x.sql", true);
    CHECK(slurp(d / "x.sql") == "-- old\nverified");
    CHECK(copies_into_existing(Shape::FileAppend));
    CHECK(copies_into_existing(Shape::StdoutFile));
    CHECK_FALSE(copies_into_existing(Shape::DirectoryInside));
    // A symlink is never appended through.
    fs::create_symlink(d / "x.sql", d / "link.sql");
    CHECK_THROWS_AS(append_file_to_file(d / "v", d / "link.sql", false), PublishError);
    CHECK(slurp(d / "x.sql") == "-- old\nverified");
}

TEST_CASE("move_entries_into moves everything in, removes the partial, never replaces a name",
          "[output]") {
    fs::path d = fresh_dir("move-entries");
    fs::path part = d / kInsidePartialName;
    fs::create_directory(part);
    for (const char* n : {"toc.dat", "3364.dat.gz", "blobs.toc"})
        std::ofstream(part / n) << n;
    move_entries_into(part, d, true);
    CHECK_FALSE(fs::exists(part));
    CHECK(slurp(d / "toc.dat") == "toc.dat");
    CHECK(slurp(d / "3364.dat.gz") == "3364.dat.gz");

    fs::path d2 = fresh_dir("move-entries-clash");
    fs::path p2 = d2 / kInsidePartialName;
    fs::create_directory(p2);
    for (const char* n : {"a.dat", "b.dat", "toc.dat"})
        std::ofstream(p2 / n) << "new";
    std::ofstream(d2 / "b.dat") << "someone else's";
    CHECK_THROWS_AS(move_entries_into(p2, d2, false), PublishError);
    CHECK(slurp(d2 / "b.dat") == "someone else's");
    CHECK_FALSE(fs::exists(d2 / "toc.dat")); // toc.dat is last, so never moved here
    CHECK_FALSE(fs::exists(d2 / "a.dat"));   // moved back
    CHECK(slurp(p2 / "a.dat") == "new");
}

TEST_CASE("WritebackStarter starts writeback of whole MiB while the file grows", "[output]") {
    fs::path d = fresh_dir("writeback");
    int fd = ::open((d / "p").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    WritebackStarter wb(d / "p", 1 << 20);
    std::string mib(1 << 20, 'x');
    for (int i = 0; i < 3; ++i)
        REQUIRE(::write(fd, mib.data(), mib.size()) == static_cast<ssize_t>(mib.size()));
    REQUIRE(::write(fd, "tail", 4) == 4); // past the last whole MiB: never handed over
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (wb.started_bytes() < (3u << 20) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(wb.started_bytes() == (3u << 20));
    ::close(fd);

    // A directory partial: each file is followed on its own.
    fs::create_directory(d / "dir");
    WritebackStarter wbd(d / "dir", 1 << 20);
    std::ofstream(d / "dir" / "a.dat") << mib << mib;
    std::ofstream(d / "dir" / "b.dat") << mib;
    until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (wbd.started_bytes() < (3u << 20) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(wbd.started_bytes() == (3u << 20));
}
