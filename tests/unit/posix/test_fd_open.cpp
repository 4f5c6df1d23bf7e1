// Fd, write_all/read_all, errno messages and open_nofollow_regular against real links,
// FIFOs, directories and files owned by another user.
#include "posix/fd.hpp"
#include "posix/open.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace pds::posix;
using namespace pds::posix::test;

namespace {

bool fd_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

int open_code(const std::string& path, int flags, const OpenRules& rules = {}) {
    try {
        open_nofollow_regular(path, flags, 0644, rules);
        return 0;
    } catch (const Error& e) {
        return e.code();
    }
}

} // namespace

TEST_CASE("Fd closes its descriptor once - moves and releases", "[posix]") {
    int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(raw >= 0);
    {
        Fd a(raw);
        Fd b(std::move(a));
        CHECK_FALSE(a);
        CHECK(b.get() == raw);
        CHECK(fd_open(raw));
    }
    CHECK_FALSE(fd_open(raw));
    Fd c(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int kept = c.release();
    CHECK(fd_open(kept));
    ::close(kept);
}

TEST_CASE("errors name the path and the errno text", "[posix]") {
    const Error e("could not open", "/x/y", ENOENT);
    CHECK(std::string(e.what()) == "could not open /x/y: No such file or directory");
    CHECK(e.code() == ENOENT);
    TempDir t;
    try {
        write_all(-1, "abc", t / "f");
        FAIL("write_all to a bad descriptor succeeded");
    } catch (const Error& err) {
        CHECK(std::string(err.what()) == "could not write " + (t / "f") + ": Bad file descriptor");
    }
}

TEST_CASE("write_all and read_all move every byte", "[posix]") {
    TempDir t;
    std::string big(3 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096)
        big[i] = static_cast<char>(i / 4096);
    {
        Fd f = open_nofollow_regular(t / "big", O_WRONLY | O_CREAT | O_EXCL);
        write_all(f.get(), big, t / "big");
        f.close(t / "big");
    }
    Fd r = open_nofollow_regular(t / "big", O_RDONLY);
    CHECK(read_all(r.get(), t / "big") == big);
    Fd r2 = open_nofollow_regular(t / "big", O_RDONLY);
    CHECK_THROWS_WITH(read_all(r2.get(), t / "big", 1000),
                      Catch::Contains("refusing to read more than 1000 bytes of " + (t / "big")));
}

TEST_CASE("open_nofollow_regular refuses a symbolic link and never writes through it", "[posix]") {
    TempDir t;
    write_file(t / "victim", "secret");
    REQUIRE(::symlink((t / "victim").c_str(), (t / "link").c_str()) == 0);
    REQUIRE(::symlink((t / "absent").c_str(), (t / "dangling").c_str()) == 0);
    CHECK(open_code(t / "link", O_RDONLY) == ELOOP);
    CHECK(open_code(t / "link", O_WRONLY | O_TRUNC) == ELOOP);
    CHECK(open_code(t / "dangling", O_WRONLY | O_CREAT) == ELOOP);
    CHECK(read_file(t / "victim") == "secret");
    CHECK(::access((t / "absent").c_str(), F_OK) != 0); // not created through the link
    CHECK_THROWS_WITH(open_nofollow_regular(t / "link", O_RDONLY),
                      "refusing " + (t / "link") + ": it is a symbolic link, not a regular file");
}

TEST_CASE("open_nofollow_regular refuses a FIFO without blocking - for reading and writing",
          "[posix]") {
    TempDir t;
    REQUIRE(::mkfifo((t / "fifo").c_str(), 0666) == 0);
    for (int flags : {O_RDONLY, O_WRONLY, O_WRONLY | O_CREAT | O_APPEND, O_RDWR}) {
        CAPTURE(flags);
        const int rc = run_with_deadline([&] { return open_code(t / "fifo", flags); }, 5);
        CHECK(rc == EINVAL); // -1 would mean it hung
    }
    CHECK_THROWS_WITH(open_nofollow_regular(t / "fifo", O_RDONLY),
                      "refusing " + (t / "fifo") + ": it is a FIFO, not a regular file");
}

TEST_CASE("open_nofollow_regular refuses directories and devices", "[posix]") {
    TempDir t;
    REQUIRE(::mkdir((t / "d").c_str(), 0755) == 0);
    CHECK(open_code(t / "d", O_RDONLY) == EINVAL);
    CHECK(open_code(t / "d", O_WRONLY | O_CREAT) == EINVAL);
    CHECK(open_code("/dev/null", O_WRONLY) == EINVAL);
}

TEST_CASE("open_nofollow_regular clears O_NONBLOCK and applies O_TRUNC only after the checks",
          "[posix]") {
    TempDir t;
    write_file(t / "mine", "old content");
    Fd f = open_nofollow_regular(t / "mine", O_WRONLY | O_TRUNC);
    CHECK((::fcntl(f.get(), F_GETFL) & O_NONBLOCK) == 0);
    CHECK((::fcntl(f.get(), F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(read_file(t / "mine").empty());

    write_file(t / "planted", "the attacker's file");
    REQUIRE(::chown((t / "planted").c_str(), nobody_uid(), nogroup_gid()) == 0);
    CHECK(open_code(t / "planted", O_WRONLY | O_TRUNC, {Owner::self_or_root, false}) == EPERM);
    CHECK(read_file(t / "planted") == "the attacker's file");
}

TEST_CASE("open_nofollow_regular checks the owner where asked", "[posix]") {
    TempDir t;
    write_file(t / "foreign", "x");
    REQUIRE(::chown((t / "foreign").c_str(), nobody_uid(), nogroup_gid()) == 0);
    write_file(t / "own", "x");
    CHECK(open_code(t / "foreign", O_RDONLY) == 0); // Owner::any
    CHECK(open_code(t / "foreign", O_RDONLY, {Owner::self_or_root, false}) == EPERM);
    CHECK(open_code(t / "own", O_RDONLY, {Owner::self_or_root, false}) == 0);
    CHECK_THROWS_WITH(open_nofollow_regular(t / "foreign", O_RDONLY, 0, {Owner::self_or_root}),
                      Catch::StartsWith("refusing " + (t / "foreign") + ": it is owned by uid " +
                                        std::to_string(nobody_uid())));
}

TEST_CASE("open_nofollow_regular refuses files others may write where asked", "[posix]") {
    TempDir t;
    const OpenRules strict{Owner::self_or_root, true};
    write_file(t / "conf", "x");
    REQUIRE(::chmod((t / "conf").c_str(), 0644) == 0);
    CHECK(open_code(t / "conf", O_RDONLY, strict) == 0);
    REQUIRE(::chmod((t / "conf").c_str(), 0666) == 0);
    CHECK(open_code(t / "conf", O_RDONLY, strict) == EPERM);
    CHECK(open_code(t / "conf", O_RDONLY) == 0);
    REQUIRE(::chmod((t / "conf").c_str(), 0664) == 0);
    REQUIRE(::chown((t / "conf").c_str(), 0, 0) == 0);
    CHECK(open_code(t / "conf", O_RDONLY, strict) == 0); // group root may write, as in sudo
    REQUIRE(::chown((t / "conf").c_str(), 0, nogroup_gid()) == 0);
    CHECK(open_code(t / "conf", O_RDONLY, strict) == EPERM);
    CHECK_THROWS_WITH(open_nofollow_regular(t / "conf", O_RDONLY, 0, strict),
                      Catch::Contains("mode 0664 lets other users write it"));
}
