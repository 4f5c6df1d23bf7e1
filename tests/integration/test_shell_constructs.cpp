// The shell constructs of real backup scripts (issue 12), each run once with the real pg_dump
// and once with pg_dump-safe: several dumps through one redirection, -Fa, -Fd into an existing
// directory or mountpoint, a trailing slash, a dump pg_dump refuses to overwrite.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <sys/stat.h>

using namespace pdstest;

namespace {

std::string same_text(const std::string& dir, const std::string& ours, const std::string& real) {
    return without_restrict_keys(read_file(dir + "/" + ours)) ==
                   without_restrict_keys(read_file(dir + "/" + real))
               ? "same"
               : "differs";
}

struct stat stat_of(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st;
}

// A directory the postgres user can reach (the build tree may not be traversable by it).
std::string postgres_dir(const std::string& name) {
    std::string tmpl = "/tmp/pds-" + name + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    REQUIRE(sh("chown postgres " + q(tmpl)).status == 0);
    return tmpl;
}

} // namespace

TEST_CASE(
    "a brace group of two runs redirected to one file: both dumps, exactly as pg_dump writes them",
    "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-group");
    const std::string w = q(wrapper());
    Result ours = sh("{ " + w + " -t small app; " + w + " app; } > all.sql", env, dir);
    INFO(ours.err);
    REQUIRE(ours.status == 0);
    REQUIRE(sh("{ pg_dump -t small app; pg_dump app; } > real.sql", env, dir).status == 0);
    CHECK(file_size(dir + "/real.sql") > 100000);
    CHECK(same_text(dir, "all.sql", "real.sql") == "same");
    CHECK_FALSE(exists(dir + "/all.sql.partial"));
    // With -v: the first run found the file empty at offset 0, the second past the first dump;
    // both copied into the shell's descriptor, and each says how many bytes it added.
    Result v = sh("{ " + w + " -t small --safe-verify=toc app 2>a.err; " + w +
                      " -v -t other.t app 2>b.err; } > v.sql",
                  env, dir);
    REQUIRE(v.status == 0);
    auto pub = lines_with(read_file(dir + "/b.err"), "[backup] PUBLISHED");
    REQUIRE(pub.size() == 1);
    CHECK(fields(pub[0])["output"] == "stdout-append");
    CHECK(std::stoll(fields(pub[0])["bytes"]) > 0);
    CHECK(file_size(dir + "/v.sql") > std::stoll(fields(pub[0])["bytes"]));
    CHECK(read_file(dir + "/v.sql").find("COPY public.small") != std::string::npos);
}

TEST_CASE("a for loop of runs redirected to one file keeps every dump", "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-loop");
    Result ours = sh("for t in small other.t big; do " + q(wrapper()) +
                         " -t \"$t\" app || exit; done > all.sql",
                     env, dir);
    INFO(ours.err);
    REQUIRE(ours.status == 0);
    REQUIRE(sh("for t in small other.t big; do pg_dump -t \"$t\" app || exit; done > real.sql", env,
               dir)
                .status == 0);
    CHECK(file_size(dir + "/real.sql") > 1000000);
    CHECK(file_size(dir + "/all.sql") == file_size(dir + "/real.sql"));
    CHECK(same_text(dir, "all.sql", "real.sql") == "same");
}

TEST_CASE("a brace group of a run and an echo: the dump, then the shell's line", "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-trailer");
    REQUIRE(sh("{ " + q(wrapper()) + " app; echo '-- end'; } > f.sql", env, dir).status == 0);
    REQUIRE(sh("{ pg_dump app; echo '-- end'; } > real.sql", env, dir).status == 0);
    CHECK(same_text(dir, "f.sql", "real.sql") == "same");
    std::string f = read_file(dir + "/f.sql");
    CHECK(f.substr(f.size() - 7) == "-- end\n");
}

TEST_CASE("a failed dump in the middle of a group adds nothing, the others are all there",
          "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-group-fail");
    const std::string w = q(wrapper());
    const std::string down = "PGHOST=" + q(dir); // no server there: a connection failure
    Result ours = sh("{ " + w + " -t small app; " + down + " " + w +
                         " -t other.t app; echo s2=$? " + ">&2; " + w + " -t big app; } > all.sql",
                     env, dir);
    INFO(ours.err);
    CHECK(ours.status == 0);
    CHECK(ours.err.find("s2=1\n") != std::string::npos);
    auto failed = lines_with(ours.err, "[backup] FAILED ");
    REQUIRE(failed.size() == 1);
    CHECK(fields(failed[0])["reason"] == "connection");
    CHECK(fields(failed[0])["target"] == dir + "/all.sql");
    Result real = sh("{ pg_dump -t small app; " + down +
                         " pg_dump -t other.t app; pg_dump -t big " + "app; } > real.sql",
                     env, dir);
    CHECK(same_text(dir, "all.sql", "real.sql") == "same");
    std::string all = read_file(dir + "/all.sql");
    CHECK(all.find("COPY public.small") != std::string::npos);
    CHECK(all.find("COPY public.big") != std::string::npos);
    CHECK(all.find("COPY other.t") == std::string::npos);
}

TEST_CASE("append format (-Fa) appends the verified dump to the existing file, as pg_dump does",
          "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-fa");
    const std::string w = q(wrapper());
    write_file(dir + "/ours.sql", "-- earlier content\n");
    write_file(dir + "/real.sql", "-- earlier content\n");
    REQUIRE(sh("chmod 640 ours.sql real.sql", {}, dir).status == 0);
    const ino_t ino = stat_of(dir + "/ours.sql").st_ino;
    Result r = sh(w + " -Fa -f ours.sql -t small app", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    REQUIRE(sh("pg_dump -Fa -f real.sql -t small app", env, dir).status == 0);
    CHECK(same_text(dir, "ours.sql", "real.sql") == "same");
    CHECK(read_file(dir + "/ours.sql").rfind("-- earlier content\n", 0) == 0);
    struct stat st = stat_of(dir + "/ours.sql");
    CHECK(st.st_ino == ino); // the same file, appended to: never replaced
    CHECK((st.st_mode & 07777) == 0640);
    CHECK_FALSE(exists(dir + "/ours.sql.partial"));
    write_file(dir + "/v.sql", "-- earlier content\n");
    Result v = sh(w + " -v -Fa -f v.sql -t small app", env, dir);
    auto pub = lines_with(v.err, "[backup] PUBLISHED");
    REQUIRE(pub.size() == 1);
    CHECK(fields(pub[0])["output"] == "file-append");
    CHECK(std::stoll(fields(pub[0])["bytes"]) == file_size(dir + "/v.sql") - 19);

    // A second append, then a failed one: nothing of the failed dump is appended.
    REQUIRE(sh(w + " -Fa -f ours.sql -t other.t app", env, dir).status == 0);
    REQUIRE(sh("pg_dump -Fa -f real.sql -t other.t app", env, dir).status == 0);
    CHECK(same_text(dir, "ours.sql", "real.sql") == "same");
    const std::string before = read_file(dir + "/ours.sql");
    Env down = env;
    down["PGHOST"] = dir;
    Result f = sh(w + " -Fa -f ours.sql -t big app", down, dir);
    CHECK(f.status == 1);
    CHECK(read_file(dir + "/ours.sql") == before);
    auto failed = lines_with(f.err, "[backup] FAILED ");
    REQUIRE(failed.size() == 1);
    CHECK(fields(failed[0])["reason"] == "connection");
    // A -Fa target that does not exist yet is created, as pg_dump's fopen "ab" creates it.
    REQUIRE(
        sh(w + " -Fa -f new.sql -t small app && pg_dump -Fa -f new-real.sql -t small app", env, dir)
            .status == 0);
    CHECK(same_text(dir, "new.sql", "new-real.sql") == "same");
}

TEST_CASE("directory format into a MOUNTPOINT: the dump goes inside the mounted volume",
          "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-mountpoint");
    REQUIRE(sh("mkdir vol real && chmod 750 vol real && chgrp postgres vol real", {}, dir).status ==
            0);
    // A private mount namespace: the tmpfs is gone when the shell ends. Root is a
    // prerequisite, not an option: without it this test fails, it never skips.
    std::string script =
        "set -e; mount -t tmpfs -o size=64m,mode=0750,gid=$(id -g postgres) tmpfs vol; "
        "mountpoint -q vol; " +
        q(wrapper()) +
        " -v -Fd -f vol app 2>safe.err; echo status=$?; stat -c '%a %U:%G' vol; "
        "pg_restore -l vol > vol.list; ls -A vol; mount -t tmpfs -o size=64m,mode=0750,gid=$(id "
        "-g postgres) tmpfs real; pg_dump -Fd -f real app; ls -A real > real.ls";
    Result r = sh("unshare -m sh -c " + q(script), env, dir);
    INFO(r.out << r.err << read_file(dir + "/safe.err"));
    REQUIRE(r.status == 0);
    CHECK(r.out.find("status=0\n") != std::string::npos);
    CHECK(r.out.find("750 root:postgres\n") != std::string::npos);
    CHECK(r.out.find("toc.dat\n") != std::string::npos);
    CHECK(r.out.find(".partial") == std::string::npos);
    CHECK(read_file(dir + "/vol.list").find("TABLE DATA public big") != std::string::npos);
    // Nothing was written beside the mountpoint, on the parent filesystem.
    CHECK_FALSE(exists(dir + "/vol.partial"));
    auto pub = lines_with(read_file(dir + "/safe.err"), "[backup] PUBLISHED");
    REQUIRE(pub.size() == 1);
    CHECK(fields(pub[0])["output"] == "directory-inside");
}

TEST_CASE("directory format into a MOUNTPOINT as postgres, under a directory only root may write",
          "[constructs]") {
    Env env = server_env("s15");
    std::string dir = postgres_dir("mount-ro-parent");
    // The parent is root's, 0755: no FINAL.lock or FINAL.partial can be made beside the
    // volume, as on a volume mounted under /var/backups; pg_dump writes into it all the same.
    REQUIRE(sh("chown root " + q(dir) + " && chmod 755 " + q(dir) + " && mkdir vol real", {}, dir)
                .status == 0);
    std::string script =
        "for v in vol real; do mount -t tmpfs -o size=64m,mode=0700,uid=$(id -u "
        "postgres) tmpfs $v || exit 9; done; runuser -u postgres -- " +
        q(wrapper()) +
        " -Fd -f vol app; echo ours=$?; runuser -u postgres -- pg_dump -Fd -f real app; echo "
        "real=$?; ls -A vol > vol.ls; ls -A real > real.ls; pg_restore -l vol > /dev/null; echo "
        "restorable=$?";
    Result r = sh("unshare -m sh -c " + q(script), env, dir);
    INFO(r.out << r.err);
    CHECK(r.out == "ours=0\nreal=0\nrestorable=0\n");
    CHECK(read_file(dir + "/vol.ls") == read_file(dir + "/real.ls"));
    CHECK(sh("ls -A", {}, dir).out == "real\nreal.ls\nvol\nvol.ls\n");
    sh("rm -rf " + q(dir));
}

TEST_CASE("directory format into an existing empty directory keeps its mode and group, a failure "
          "leaves it "
          "empty for the next run",
          "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-dir-existing");
    REQUIRE(
        sh("mkdir ours real && chmod 750 ours real && chgrp postgres ours real", {}, dir).status ==
        0);
    Env down = env;
    down["PGHOST"] = dir;
    // A failure first: the partial inside is removed, so the directory is empty again.
    Result f = sh(q(wrapper()) + " -Fd -f ours/ app", down, dir);
    CHECK(f.status == 1);
    auto failed = lines_with(f.err, "[backup] FAILED ");
    REQUIRE(failed.size() == 1);
    CHECK(fields(failed[0])["partial"] == "none");
    CHECK(sh("ls -A ours", {}, dir).out.empty());
    // The next runs (with the trailing slash) work for both programs.
    Result r = sh(q(wrapper()) + " -Fd -f ours/ app && pg_dump -Fd -f real/ app", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    for (const std::string d : {"ours", "real"}) {
        INFO(d);
        struct stat st = stat_of(dir + "/" + d);
        CHECK((st.st_mode & 07777) == 0750);
        CHECK(st.st_uid == 0);
        CHECK(sh("test \"$(stat -c %G " + d + ")\" = postgres", {}, dir).status == 0);
    }
    CHECK(sh("ls -A ours", {}, dir).out == sh("ls -A real", {}, dir).out);
    CHECK_FALSE(exists(dir + "/ours/.partial"));
    CHECK_FALSE(exists(dir + "/ours/.pg_dump-safe.partial"));
    CHECK(sh("pg_restore -l ours", {}, dir).status == 0);
    // Now non-empty: both refuse the same way, and ours leaves nothing behind.
    Result again = sh(q(wrapper()) + " -Fd -f ours/ app", env, dir);
    Result real_again = sh("pg_dump -Fd -f real/ app", env, dir);
    CHECK(again.status == real_again.status);
    CHECK(sh("ls -A ours", {}, dir).out == sh("ls -A real", {}, dir).out);
}

TEST_CASE(
    "directory format -f newdir/ with a trailing slash publishes newdir and leaves no partial",
    "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-trailing-slash");
    Result r = sh(q(wrapper()) + " -Fd -f newdir/ app && pg_dump -Fd -f realdir/ app", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(sh("ls -A newdir", {}, dir).out == sh("ls -A realdir", {}, dir).out);
    CHECK(sh("ls -A", {}, dir).out == "newdir\nnewdir.manifest.json\nrealdir\n");
    CHECK(sh("pg_restore -l newdir/", {}, dir).status == 0);
}

TEST_CASE("a chmod 444 dump that pg_dump refuses to overwrite stays untouched", "[constructs]") {
    Env env = server_env("s15");
    std::string dir = postgres_dir("ro-final");
    for (const std::string fmt : {"-Fc", "-Fp", "-Ft", "-Fa"}) {
        INFO(fmt);
        REQUIRE(sh("rm -f old.dump real.dump && echo old > old.dump && echo old > real.dump && "
                   "chown postgres old.dump real.dump && chmod 444 old.dump real.dump",
                   {}, dir)
                    .status == 0);
        Result real = sh("runuser -u postgres -- pg_dump " + fmt + " -f real.dump app", env, dir);
        Result ours =
            sh("runuser -u postgres -- " + q(wrapper()) + " " + fmt + " -f old.dump app", env, dir);
        CHECK(real.status == 1);
        CHECK(ours.status == real.status);
        CHECK(read_file(dir + "/old.dump") == "old\n");
        CHECK((stat_of(dir + "/old.dump").st_mode & 07777) == 0444);
        auto failed = lines_with(ours.err, "[backup] FAILED ");
        REQUIRE(failed.size() == 1);
        CHECK(fields(failed[0])["detail"].find("Permission denied") != std::string::npos);
        CHECK(sh("ls -A", {}, dir).out == "old.dump\nreal.dump\n");
    }
    sh("rm -rf " + q(dir));
}

TEST_CASE("option -Fd into a directory a killed run left its inside partial in: swept, then dumped",
          "[constructs]") {
    Env env = server_env("s15");
    std::string dir = workdir("constructs-inside-stale");
    // What a SIGKILL between the partial's creation and the move leaves (pg_dump killed too).
    REQUIRE(sh("mkdir -p d/.pg_dump-safe.partial && echo cut > d/.pg_dump-safe.partial/3364.dat",
               {}, dir)
                .status == 0);
    Result r = sh(q(wrapper()) + " -Fd -f d app", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(lines_with(r.err, "[backup] FAILED").empty());
    CHECK_FALSE(exists(dir + "/d/.pg_dump-safe.partial"));
    CHECK(exists(dir + "/d/toc.dat"));
    CHECK(sh("pg_restore -l d", {}, dir).status == 0);
}
