#include "publish/durable.hpp"
#include "publish/output_target.hpp"
#include "publish/partial.hpp"
#include "publish_util.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = boost::filesystem;
using namespace pds::publish;
using namespace pds::publish::test;

TEST_CASE("a second lock on the same target fails at once - release removes the lock file",
          "[publish]") {
    fs::path d = fresh_dir("lock");
    {
        TargetLock first(d / "x.dump");
        CHECK(fs::exists(d / "x.dump.lock"));
        CHECK_THROWS_AS(TargetLock(d / "x.dump"), LockedError);
        TargetLock other(d / "y.dump"); // another target in the same directory is independent
    }
    CHECK_FALSE(fs::exists(d / "x.dump.lock"));
    TargetLock again(d / "x.dump");
}

TEST_CASE("create_partial never follows or reuses an existing name", "[publish]") {
    fs::path d = fresh_dir("partial");
    REQUIRE(::symlink("/etc/passwd", (d / "a.partial").c_str()) == 0);
    CHECK_THROWS_AS(create_partial(d / "a.partial", false), PublishError);
    std::string desc = remove_stale_partial(d / "a.partial").description;
    CHECK(desc.rfind("symlink " + (d / "a.partial").string(), 0) == 0);
    CHECK(fs::exists("/etc/passwd"));
    create_partial(d / "a.partial", false);
    CHECK(partial_untouched(d / "a.partial"));
    create_partial(d / "dir.partial", true);
    CHECK(partial_untouched(d / "dir.partial"));
    CHECK(remove_stale_partial(d / "nothing.partial").description.empty());
}

TEST_CASE("output shapes from -f", "[publish]") {
    fs::path d = fresh_dir("shapes");
    auto t = resolve_output(with_file((d / "new.dump").string()), pds::cli::Format::Custom);
    CHECK(t.shape == Shape::File);
    CHECK(t.partial == d / "new.dump.partial");
    CHECK(resolve_output(with_file("/dev/null"), pds::cli::Format::Custom).shape ==
          Shape::Passthrough);
    CHECK(resolve_output(with_file(d.string()), pds::cli::Format::Custom).shape ==
          Shape::Passthrough);
    auto dir = resolve_output(with_file((d / "out").string()), pds::cli::Format::Directory);
    CHECK(dir.shape == Shape::Directory);
    CHECK(dir.error.empty());
    std::ofstream(d / "f") << "x";
    auto nonempty = resolve_output(with_file(d.string()), pds::cli::Format::Directory);
    CHECK(nonempty.error.find("File exists") != std::string::npos);
}

TEST_CASE("output shapes from stdout", "[publish]") {
    fs::path d = fresh_dir("stdout");
    pds::cli::ParsedArgs none;
    none.format = pds::cli::Format::Plain;
    int fresh = ::open((d / "fresh.sql").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    auto t = resolve_output(none, pds::cli::Format::Plain, fresh);
    CHECK(t.shape == Shape::StdoutFile);
    CHECK(t.final_path == d / "fresh.sql");
    CHECK(::write(fresh, "x", 1) == 1);
    CHECK(resolve_output(none, pds::cli::Format::Plain, fresh).shape == Shape::StdoutAppend);
    ::close(fresh);
    int app = ::open((d / "app.sql").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    CHECK(resolve_output(none, pds::cli::Format::Plain, app).shape == Shape::StdoutAppend);
    ::close(app);
    int p[2];
    REQUIRE(::pipe(p) == 0);
    auto pipe_t = resolve_output(none, pds::cli::Format::Plain, p[1]);
    CHECK(pipe_t.shape == Shape::Passthrough);
    CHECK(pipe_t.passthrough_why == "standard output is a pipe");
    ::close(p[0]);
    ::close(p[1]);
    auto dash = none;
    dash.file = "-";
    int f2 = ::open((d / "dash.sql").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(resolve_output(dash, pds::cli::Format::Plain, f2).shape == Shape::StdoutFile);
    ::close(f2);
}

TEST_CASE("append of verified bytes goes after existing content", "[publish]") {
    fs::path d = fresh_dir("append");
    std::ofstream(d / "src") << "verified";
    int out = ::open((d / "dst").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    REQUIRE(::write(out, "head;", 5) == 5);
    append_file_to_fd(d / "src", out, true);
    ::close(out);
    std::ifstream in((d / "dst").string());
    std::string s((std::istreambuf_iterator<char>(in)), {});
    CHECK(s == "head;verified");
}
