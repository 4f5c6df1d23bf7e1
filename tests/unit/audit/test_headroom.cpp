// Headroom on a real small filesystem: a 4 MiB tmpfs mounted for the test (we run as root;
// a failed mount fails the test).
#include "support.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <sys/mount.h>
#include <sys/statvfs.h>

using namespace pds::audit;
using namespace pds::audit::test;

namespace {

const std::time_t kNow = 1795651200; // 2026-11-26 00:00:00 UTC

class Tmpfs {
public:
    explicit Tmpfs(const std::string& dir) : dir_(dir) {
        make_dirs(dir);
        if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=4m,mode=0755") != 0)
            FAIL("mount -t tmpfs -o size=4m on " << dir << ": " << std::strerror(errno));
    }
    ~Tmpfs() {
        if (::umount2(dir_.c_str(), MNT_DETACH) != 0)
            std::fprintf(stderr, "umount %s: %s\n", dir_.c_str(), std::strerror(errno));
    }

private:
    std::string dir_;
};

JsonValue root_json(const std::vector<std::string>& args, int expected) {
    std::vector<std::string> all{"--no-cache", "--verify=none", "--format=json",
                                 "--now=" + std::to_string(kNow)};
    all.insert(all.end(), args.begin(), args.end());
    Run r = audit(all);
    INFO(r.err << r.out);
    REQUIRE(r.status == expected);
    return strict_json(r.out).at("roots")[0];
}

} // namespace

TEST_CASE("headroom of a 4 MiB tmpfs: size, free, need of the next dump, low-space warning") {
    TempDir t;
    const std::string root = t / "fs";
    Tmpfs fs(root);
    const std::size_t K = 1024;
    // app: the newest three are 256K, 768K, 256K; an older 1.5M is beyond --recent=3.
    write_file(root + "/app-2026-11-21.dump", std::string(1536 * K, 'a'));
    write_file(root + "/app-2026-11-23.dump", std::string(256 * K, 'b'));
    write_file(root + "/app-2026-11-24.dump", std::string(768 * K, 'c'));
    write_file(root + "/app-2026-11-25.dump", std::string(256 * K, 'd'));

    struct statvfs vfs;
    REQUIRE(::statvfs(root.c_str(), &vfs) == 0);
    const long long free_now = static_cast<long long>(vfs.f_bavail * vfs.f_frsize);
    REQUIRE(free_now == 1280 * static_cast<long long>(K)); // 4M minus 2.75M of dumps

    JsonValue r = root_json({root}, 0);
    CHECK(r.at("fs_size_bytes").as_int() == 4 * 1024 * 1024);
    CHECK(r.at("free_bytes").as_int() == free_now);
    CHECK(r.at("free_percent").as_double() == Approx(31.25).margin(0.005));
    CHECK(r.at("need_bytes").as_int() == 768 * 1024);
    CHECK(r.at("required_free_bytes").as_int() == 768 * 1024);
    CHECK_FALSE(r.at("low_headroom").boolean);

    JsonValue recent1 = root_json({"--recent=1", root}, 0);
    CHECK(recent1.at("need_bytes").as_int() == 256 * 1024);

    JsonValue all = root_json({"--recent=10", root}, 1);
    CHECK(all.at("need_bytes").as_int() == 1536 * 1024);
    CHECK(all.at("low_headroom").boolean);

    JsonValue margin = root_json({"--recent=1", "--margin=6", root}, 1);
    CHECK(margin.at("required_free_bytes").as_int() == 6 * 256 * 1024);
    CHECK(margin.at("low_headroom").boolean);

    JsonValue abs_ok = root_json({"--min-free=100K", root}, 0);
    CHECK(abs_ok.at("required_free_bytes").as_int() == 100 * 1024);
    CHECK_FALSE(abs_ok.at("low_headroom").boolean);
    JsonValue pct = root_json({"--min-free=50%", root}, 1);
    CHECK(pct.at("required_free_bytes").as_int() == 2 * 1024 * 1024);
    CHECK(pct.at("low_headroom").boolean);

    // The warning is in every format.
    Run table = audit({"--no-cache", "--verify=none", "--min-free=50%", root});
    CHECK(table.status == 1);
    CHECK(table.out.find("low-headroom") != std::string::npos);
    CHECK(table.out.find("low ") != std::string::npos);
}
