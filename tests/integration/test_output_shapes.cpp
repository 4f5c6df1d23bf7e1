// Every way pg_dump's output can leave the process: `> file`, `>> file`, pipes, devices,
// FIFOs, symlinks, hard links, and names no shell script would dare to write unquoted.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace pdstest;

TEST_CASE("`> file` is published through a partial and restorable", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-redirect");
    Result r = sh(q(wrapper()) + " -v -Fc app > app.dump", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto lines = lines_with(r.err, "[backup] PUBLISHED");
    REQUIRE(lines.size() == 1);
    CHECK(fields(lines[0])["output"] == "stdout-file");
    CHECK_FALSE(exists(dir + "/app.dump.partial"));
    CHECK(sh("pg_restore -l app.dump", {}, dir).status == 0);
}

TEST_CASE("plain output is byte-identical to pg_dump's except the restrict key", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-plain-identical");
    REQUIRE(sh(q(wrapper()) + " app > safe.sql && pg_dump app > real.sql && " + q(wrapper()) +
                   " -f safe-f.sql app",
               env, dir)
                .status == 0);
    std::string real = without_restrict_keys(read_file(dir + "/real.sql"));
    CHECK(real.size() > 10000);
    CHECK(without_restrict_keys(read_file(dir + "/safe.sql")) == real);
    CHECK(without_restrict_keys(read_file(dir + "/safe-f.sql")) == real);
}

TEST_CASE("a header before the dump is kept and the verified dump appended", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-append");
    Result r = sh("{ echo '-- header'; " + q(wrapper()) + " app; echo '-- trailer'; } > all.sql",
                  env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    std::string all = read_file(dir + "/all.sql");
    CHECK(all.rfind("-- header\n", 0) == 0);
    CHECK(all.find("-- PostgreSQL database dump complete") != std::string::npos);
    CHECK(all.size() > 10000);
    CHECK(all.substr(all.size() - 11) == "-- trailer\n"); // the shell's offset moved past our bytes
    CHECK_FALSE(exists(dir + "/all.sql.partial"));

    // `>>` onto an existing file.
    write_file(dir + "/log.sql", "-- earlier\n");
    REQUIRE(sh(q(wrapper()) + " -t small app >> log.sql", env, dir).status == 0);
    std::string log = read_file(dir + "/log.sql");
    CHECK(log.rfind("-- earlier\n", 0) == 0);
    CHECK(log.find("COPY public.small") != std::string::npos);
}

TEST_CASE("option -f /dev/stdout is standard output: appended after a header, published for > file",
          "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-dev-stdout");
    // Replacing the file /dev/stdout names would lose the header.
    Result r =
        sh("{ echo '-- header'; " + q(wrapper()) + " -v -t small -f /dev/stdout app; } >> all.sql",
           env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    std::string all = read_file(dir + "/all.sql");
    CHECK(all.rfind("-- header\n", 0) == 0);
    CHECK(all.find("COPY public.small") != std::string::npos);
    auto pub = lines_with(r.err, "[backup] PUBLISHED");
    REQUIRE(pub.size() == 1);
    CHECK(fields(pub[0])["output"] == "stdout-append");
    CHECK(std::stoll(fields(pub[0])["bytes"]) == file_size(dir + "/all.sql") - 10);

    r = sh(q(wrapper()) + " -v -Fc -f /dev/stdout app > app.dump", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    pub = lines_with(r.err, "[backup] PUBLISHED");
    REQUIRE(pub.size() == 1);
    CHECK(fields(pub[0])["output"] == "stdout-file");
    CHECK(sh("pg_restore -l app.dump", env, dir).status == 0);
}

TEST_CASE("on failure nothing at all is appended", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-append-fail");
    env["PGHOST"] = dir; // no server there
    Result r = sh("{ echo '-- header'; " + q(wrapper()) + " app; } > all.sql", env, dir);
    CHECK(read_file(dir + "/all.sql") == "-- header\n");
    auto lines = lines_with(r.err, "[backup] FAILED ");
    REQUIRE(lines.size() == 1);
    CHECK(fields(lines[0])["reason"] == "connection");
    write_file(dir + "/log.sql", "-- earlier\n");
    r = sh(q(wrapper()) + " app >> log.sql", env, dir);
    CHECK(r.status == 1);
    CHECK(read_file(dir + "/log.sql") == "-- earlier\n");
}

TEST_CASE("`> file` that fails is left as the shell made it: empty", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-redirect-fail");
    env["PGHOST"] = dir;
    Result r = sh(q(wrapper()) + " -Fc app > app.dump", env, dir);
    CHECK(r.status == 1);
    // Never removed: a later command of the same redirection may still write through the
    // shell's descriptor, and its bytes would go to a nameless inode (README, Differences).
    REQUIRE(exists(dir + "/app.dump"));
    CHECK(file_size(dir + "/app.dump") == 0);
    CHECK(exists(dir + "/app.dump.partial")); // the evidence, never under the final name
}

TEST_CASE("pipes are passed through with pg_dump's exit status", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-pipe");
    Result ours = sh(q(wrapper()) + " app | wc -c", env, dir);
    Result real = sh("pg_dump app | wc -c", env, dir);
    REQUIRE(ours.status == 0);
    long long a = std::stoll(ours.out), b = std::stoll(real.out);
    CHECK(a > 10000);
    CHECK(a > b - 200);
    CHECK(a < b + 200); // the same dump; only the random \restrict key differs
    Result verbose = sh(q(wrapper()) + " -v -t small app | cat > /dev/null", env, dir);
    CHECK(verbose.status == 0);
    CHECK(lines_with(verbose.err, "pg_dump-safe: output is not protected").size() == 1);
    // A failing dump in a pipeline: the status comes through (bash's pipefail).
    Env bad = env;
    bad["PGHOST"] = dir;
    Result fail = sh("bash -c " + q("set -o pipefail; " + wrapper() + " app | wc -c"), bad, dir);
    CHECK(fail.status == 1);
    CHECK(lines_with(fail.err, "[backup] FAILED ").size() == 1);
}

TEST_CASE("/dev/null and FIFOs given with -f are passed through", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-devices");
    // pg_dump itself cannot fsync /dev/null, so --no-sync as a user would.
    Result r = sh(q(wrapper()) + " -Fc --no-sync -f /dev/null app", env, dir);
    CHECK(r.status == 0);
    Result fsync_err = sh(q(wrapper()) + " -Fc -f /dev/null app", env, dir);
    CHECK(fsync_err.status == sh("pg_dump -Fc -f /dev/null app", env, dir).status);
    CHECK_FALSE(exists("/dev/null.partial"));
    Result fifo = sh("mkfifo pipe && (wc -c < pipe > count &) && " + q(wrapper()) +
                         " -f pipe app && sleep 0.2 && cat count",
                     env, dir);
    CHECK(fifo.status == 0);
    CHECK(std::stoll(fifo.out) > 10000);
    CHECK_FALSE(exists(dir + "/pipe.partial"));
}

TEST_CASE("a final name that is a symlink stays a symlink to the new dump", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-symlink");
    sh("mkdir real && echo old > real/app.dump && ln -s real/app.dump latest.dump", {}, dir);
    Result r = sh(q(wrapper()) + " -Fc -f latest.dump app", env, dir);
    INFO(r.err);
    REQUIRE(r.status == 0);
    struct stat st {};
    REQUIRE(::lstat((dir + "/latest.dump").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    CHECK(read_file(dir + "/real/app.dump") != "old\n");
    CHECK(sh("pg_restore -l latest.dump", {}, dir).status == 0);
    CHECK_FALSE(exists(dir + "/real/app.dump.partial"));
}

TEST_CASE("a hard-linked final: only this name gets the new dump", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-hardlink");
    sh("echo old > app.dump && ln app.dump other-link.dump", {}, dir);
    REQUIRE(sh(q(wrapper()) + " -Fc -f app.dump app", env, dir).status == 0);
    CHECK(read_file(dir + "/other-link.dump") == "old\n");
    CHECK(sh("pg_restore -l app.dump", {}, dir).status == 0);
}

TEST_CASE("names with spaces, newlines, non-UTF-8 bytes and a leading dash", "[shapes]") {
    Env env = server_env("s15");
    std::string dir = workdir("shapes-names");
    for (std::string name : {std::string("with space.dump"), std::string("new\nline.dump"),
                             std::string("bad\xff\xfe.dump"), std::string("-dash.dump")}) {
        INFO(name);
        std::string path = dir + "/" + name;
        Result r = sh(q(wrapper()) + " -Fc -f " + q(path) + " app", env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(exists(path));
        // And a failure: one FAILED line whose target field decodes to the exact path.
        Env down = env;
        down["PGHOST"] = dir;
        Result f = sh(q(wrapper()) + " -Fc -f " + q(path) + " --safe-on-failure=" +
                          q("printf %s \"$PG_DUMP_SAFE_TARGET\" > hook-target") + " app",
                      down, dir);
        auto lines = lines_with(f.err, "[backup] FAILED ");
        REQUIRE(lines.size() == 1);
        CHECK(fields(lines[0])["target"] == path);
        CHECK(read_file(dir + "/hook-target") == path);
    }
    // Via stdout with a leading dash in the name.
    REQUIRE(sh(q(wrapper()) + " -Fc app > ./-out.dump", env, dir).status == 0);
    CHECK(sh("pg_restore -l ./-out.dump", {}, dir).status == 0);
}
