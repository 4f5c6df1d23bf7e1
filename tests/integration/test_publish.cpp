// Successful runs: every format is published under the final name, verified, with nothing
// left behind, and pg_dump-safe's own additions (help section, version line) are right.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <sys/stat.h>

using namespace pdstest;

namespace {

std::string restore_list(const std::string& path) {
    Result r = sh("pg_restore -l " + q(path));
    REQUIRE(r.status == 0);
    return r.out;
}

} // namespace

TEST_CASE("each format is published under the final name and restorable", "[publish]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-formats");
    for (std::string fmt : {"c", "d", "t", "p"}) {
        INFO("format " << fmt);
        std::string target = dir + "/app." + fmt;
        Result r = sh(q(wrapper()) + " -F" + fmt + " -f " + q(target) + " app", env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(lines_with(r.err, "[backup]").empty()); // silent on success without -v
        CHECK(exists(target));
        CHECK_FALSE(exists(target + ".partial"));
        CHECK_FALSE(exists(target + ".lock"));
        if (fmt == "p") {
            std::string text = read_file(target);
            CHECK(text.find("-- PostgreSQL database dump complete") != std::string::npos);
            CHECK(text.find("COPY public.big") != std::string::npos);
        } else {
            std::string list = restore_list(target);
            CHECK(list.find("TABLE DATA public big") != std::string::npos);
        }
    }
}

TEST_CASE("with -v, one PUBLISHED line gives the facts", "[publish]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-verbose");
    Result r = sh(q(wrapper()) + " -v -Fc --file=" + q(dir + "/app.dump") + " app", env);
    REQUIRE(r.status == 0);
    auto lines = lines_with(r.err, "[backup] PUBLISHED");
    REQUIRE(lines.size() == 1);
    auto f = fields(lines[0]);
    CHECK(f["target"] == dir + "/app.dump");
    CHECK(f["format"] == "custom");
    CHECK(f["verify"] == "structure");
    CHECK(std::stoll(f["bytes"]) == file_size(dir + "/app.dump"));
    CHECK(r.err.find("pg_dump: ") != std::string::npos); // pg_dump's own -v output passes through
}

TEST_CASE("under systemd (stderr is the journal stream) the PUBLISHED line is logged without -v",
          "[publish]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-journal-stream");
    // As systemd does for a service: JOURNAL_STREAM names the file stderr refers to.
    std::string run = q(wrapper()) + " -Fc -f app.dump app";
    Result r =
        sh("exec 2>journal.log; JOURNAL_STREAM=$(stat -c %d:%i journal.log) " + run, env, dir);
    REQUIRE(r.status == 0);
    std::string journal = read_file(dir + "/journal.log");
    INFO(journal);
    auto lines = lines_with(journal, "[backup] PUBLISHED");
    REQUIRE(lines.size() == 1);
    CHECK(fields(lines[0])["target"] == "app.dump");       // as given on the command line
    CHECK(journal.find("pg_dump: ") == std::string::npos); // no -v chatter
    // An inherited JOURNAL_STREAM that no longer names stderr (a shell redirected it): silent.
    Result other =
        sh("exec 2>other.log; JOURNAL_STREAM=$(stat -c %d:%i journal.log) " + run, env, dir);
    REQUIRE(other.status == 0);
    CHECK(read_file(dir + "/other.log").empty());
}

TEST_CASE("replacing an existing dump keeps its permission bits", "[publish]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-mode");
    std::string target = dir + "/app.dump";
    write_file(target, "old dump");
    REQUIRE(::chmod(target.c_str(), 0640) == 0);
    Result r = sh("umask 022; " + q(wrapper()) + " -Fc -f " + q(target) + " app", env);
    REQUIRE(r.status == 0);
    struct stat st {};
    REQUIRE(::stat(target.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(read_file(target) != "old dump");
}

TEST_CASE("a new dump gets pg_dump's mode under the umask", "[publish]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-umask");
    Result r = sh("umask 027; " + q(wrapper()) + " -Fc -f " + q(dir + "/a.dump") + " app && " +
                      "umask 027; pg_dump -Fc -f " + q(dir + "/b.dump") + " app",
                  env);
    REQUIRE(r.status == 0);
    struct stat a {
    }, b{};
    REQUIRE(::stat((dir + "/a.dump").c_str(), &a) == 0);
    REQUIRE(::stat((dir + "/b.dump").c_str(), &b) == 0);
    CHECK((a.st_mode & 07777) == (b.st_mode & 07777));
}

TEST_CASE("option --help and --version print pg_dump's text first", "[publish]") {
    Result real = sh("pg_dump --help");
    Result ours = sh(q(wrapper()) + " --help");
    REQUIRE(ours.status == 0);
    REQUIRE(ours.out.rfind(real.out, 0) == 0);
    CHECK(ours.out.find("--safe-verify") != std::string::npos);
    CHECK(ours.out.find("--safe-version") != std::string::npos);
    // Exactly pg_dump's one line, which scripts parse (issue 12 item 10).
    for (const char* opt : {" -V", " --version"}) {
        Result v = sh(q(wrapper()) + opt);
        REQUIRE(v.status == 0);
        CHECK(v.out == sh(std::string("pg_dump") + opt).out);
        CHECK(v.err.empty());
    }
    Result own = sh(q(wrapper()) + " --safe-version");
    CHECK(own.status == 0);
    CHECK(own.out.rfind("pg_dump-safe ", 0) == 0);
    // Elsewhere than first, pg_dump treats --help as an unknown option; so do we.
    Result late = sh(q(wrapper()) + " -v --help");
    Result late_real = sh("pg_dump -v --help");
    CHECK(late.status == late_real.status);
    CHECK(late.status != 0);
}

TEST_CASE("directory format into an existing non-empty directory is refused before dumping",
          "[publish]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-dir-nonempty");
    sh("mkdir " + q(dir + "/out") + " && echo keep > " + q(dir + "/out/file"));
    Result r = sh(q(wrapper()) + " -Fd -f " + q(dir + "/out") + " app", env);
    CHECK(r.status == 1);
    CHECK(r.err.find("File exists") != std::string::npos);
    CHECK(read_file(dir + "/out/file") == "keep\n");
    CHECK_FALSE(exists(dir + "/out.partial"));
    // An existing empty directory is fine, as for pg_dump.
    sh("mkdir " + q(dir + "/empty"));
    Result ok = sh(q(wrapper()) + " -Fd -f " + q(dir + "/empty") + " app", env);
    CHECK(ok.status == 0);
    CHECK(exists(dir + "/empty/toc.dat"));
}

TEST_CASE("the real pg_dump is found in PATH even when pg_dump-safe masquerades as pg_dump",
          "[publish][locate]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-masquerade");
    // A symlink named pg_dump and a byte-identical copy named pg_dump, each first in PATH.
    sh("mkdir " + q(dir + "/link") + " " + q(dir + "/copy") + " && ln -s " + q(wrapper()) + " " +
       q(dir + "/link/pg_dump") + " && cp " + q(wrapper()) + " " + q(dir + "/copy/pg_dump"));
    for (std::string sub : {"link", "copy"}) {
        INFO(sub);
        Env e = env;
        e["PATH"] = dir + "/" + sub + ":" + pg_bindir() + ":/usr/bin:/bin";
        Result r = sh("pg_dump -v -Fc -f " + q(dir + "/" + sub + ".dump") + " app", e);
        INFO(r.err);
        REQUIRE(r.status == 0);
        CHECK(lines_with(r.err, "[backup] PUBLISHED").size() == 1); // it went through us
        CHECK(exists(dir + "/" + sub + ".dump"));
    }
    // Only ourselves in PATH: a clear error, not a loop.
    Env alone = env;
    alone["PATH"] = dir + "/link:/nonexistent";
    Result r = sh(q(dir + "/link/pg_dump") + " -Fc -f " + q(dir + "/x.dump") + " app", alone);
    CHECK(r.status == 127);
    CHECK(r.err.find("real pg_dump was not found") != std::string::npos);
    CHECK_FALSE(exists(dir + "/x.dump"));
}

TEST_CASE("wrapper options are never passed to pg_dump and bad ones are usage errors",
          "[publish][options]") {
    Env env = server_env("s15");
    std::string dir = workdir("publish-options");
    Result r = sh(q(wrapper()) + " --safe-verify full -Fc -f " + q(dir + "/a.dump") +
                      " --safe-on-success='echo hook:$PG_DUMP_SAFE_STATUS' app",
                  env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "hook:published\n");
    Result bad =
        sh(q(wrapper()) + " --safe-verify=paranoid -Fc -f " + q(dir + "/b.dump") + " app", env);
    CHECK(bad.status == 2);
    CHECK(bad.err.find("invalid value 'paranoid' for --safe-verify") != std::string::npos);
    CHECK_FALSE(exists(dir + "/b.dump"));
    Result unknown = sh(q(wrapper()) + " --safe-bogus -Fc -f " + q(dir + "/c.dump") + " app", env);
    CHECK(unknown.status == 2);
    CHECK_FALSE(exists(dir + "/c.dump"));
    Env e = env;
    e["PG_DUMP_SAFE_VERIFY"] = "nonsense";
    Result envbad = sh(q(wrapper()) + " -Fc -f " + q(dir + "/d.dump") + " app", e);
    CHECK(envbad.status == 2);
    CHECK(envbad.err.find("PG_DUMP_SAFE_VERIFY") != std::string::npos);
}

TEST_CASE("config file layering: command line > environment > file, errors name file:line",
          "[publish][options]") {
    std::string dir = workdir("publish-config");
    write_file(dir + "/good.conf", "# comment\nverify = toc\non-success = echo from-file\n");
    Env e;
    e["PG_DUMP_SAFE_CONFIG"] = dir + "/good.conf";
    Result r = sh(q(wrapper()) + " --safe-show-config", e);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("safe-verify = toc    # " + dir + "/good.conf:2") != std::string::npos);
    e["PG_DUMP_SAFE_VERIFY"] = "full";
    r = sh(q(wrapper()) + " --safe-show-config", e);
    CHECK(r.out.find("safe-verify = full    # PG_DUMP_SAFE_VERIFY") != std::string::npos);
    r = sh(q(wrapper()) + " --safe-show-config --safe-verify=structure", e);
    CHECK(r.out.find("safe-verify = structure    # --safe-verify") != std::string::npos);
    write_file(dir + "/bad.conf", "verify = toc\n\nkeep-lots = 3\n");
    Result bad = sh(q(wrapper()) + " --safe-config=" + q(dir + "/bad.conf") + " -Fc -f " +
                    q(dir + "/x.dump") + " app");
    CHECK(bad.status == 2);
    CHECK(bad.err.find(dir + "/bad.conf:3: unknown setting 'keep-lots'") != std::string::npos);
    CHECK_FALSE(exists(dir + "/x.dump"));

    // ';' comments are comments; a '#' inside a value would be cut off silently by the INI
    // syntax, so it is an error naming the line.
    write_file(dir + "/semi.conf", "; comment\nkeep-last = 4\n");
    r = sh(q(wrapper()) + " --safe-config=" + q(dir + "/semi.conf") + " --safe-show-config");
    CHECK(r.status == 0);
    CHECK(r.out.find("safe-keep-last = 4    # " + dir + "/semi.conf:2") != std::string::npos);
    write_file(dir + "/hash.conf", "verify = toc\non-failure = echo \"a#b\"\n");
    bad = sh(q(wrapper()) + " --safe-config=" + q(dir + "/hash.conf") + " -Fc -f " +
             q(dir + "/x.dump") + " app");
    CHECK(bad.status == 2);
    CHECK(bad.err.find(dir + "/hash.conf:2: '#' starts a comment") != std::string::npos);

    // show-config anywhere but the command line would silently stop every scheduled dump.
    write_file(dir + "/show.conf", "show-config = yes\n");
    bad = sh(q(wrapper()) + " --safe-config=" + q(dir + "/show.conf") + " -Fc -f " +
             q(dir + "/x.dump") + " app");
    CHECK(bad.status == 2);
    CHECK(bad.err.find(dir + "/show.conf:1: 'show-config' can only be given on the command line") !=
          std::string::npos);
    Env show;
    show["PG_DUMP_SAFE_SHOW_CONFIG"] = "1";
    bad = sh(q(wrapper()) + " -Fc -f " + q(dir + "/x.dump") + " app", show);
    CHECK(bad.status == 2);
    CHECK(bad.err.find("PG_DUMP_SAFE_SHOW_CONFIG: show-config can only be given on the command "
                       "line") != std::string::npos);
    CHECK_FALSE(exists(dir + "/x.dump"));
}
