// Issue 11: no command line, however unknown, lets pg_dump write to a final name. A command
// line the option table cannot map stops before pg_dump starts: status 1, "pg_dump-safe:
// error: ..." naming the option and the table's version, the --help hint, FAILED reason=usage
// partial=none, and the final name byte-identical. Issue 13 item 7: a "pg_dump" that runs
// pg_dump-safe again stops with 127. None of these needs a server: each stops before a
// connection would be made.
#include "harness.hpp"

#include <catch2/catch.hpp>

using namespace pdstest;

namespace {

const std::string kPrevious = "previous good dump\n";
const std::string kFake19 = std::string(PDS_FIXTURES_DIR) + "/fake_pg_dump_19.sh";

void check_untouched(const std::string& dir, const std::string& name) {
    CHECK(read_file(dir + "/" + name) == kPrevious);
    CHECK_FALSE(exists(dir + "/" + name + ".partial"));
    CHECK_FALSE(exists(dir + "/" + name + ".lock"));
    CHECK_FALSE(exists(dir + "/" + name + ".partial.failure.json"));
}

} // namespace

TEST_CASE("an option the table does not know stops the run before pg_dump starts",
          "[fail-closed]") {
    std::string dir = workdir("fail-closed-unknown");
    write_file(dir + "/app.dump", kPrevious);
    for (const char* args :
         {"--bogus -Fc -f app.dump app", "-Fc -k -f app.dump app", "-Fc --no-s -f app.dump app",
          "-Fc -f app.dump app extra", "-Fx -f app.dump app", "-Fc -f app.dump app -v --help"}) {
        INFO(args);
        Result r = sh(q(wrapper()) + " " + args, {}, dir);
        CHECK(r.status == 1);
        CHECK(r.err.find("pg_dump-safe: error: ") != std::string::npos);
        CHECK(r.err.find("option table of pg_dump 15") != std::string::npos);
        CHECK(r.err.find("Try \"pg_dump-safe --help\" for more information.") != std::string::npos);
        CHECK(r.err.find("pg_dump: ") == std::string::npos); // pg_dump never ran
        auto f = the_failed_line(r);
        CHECK(f["reason"] == "usage");
        CHECK(f["partial"] == "none");
        CHECK(f["exit"] == "1");
        check_untouched(dir, "app.dump");
    }
    Result r = sh(q(wrapper()) + " --bogus -Fc -f app.dump app", {}, dir);
    CHECK(r.err.find("unrecognized option '--bogus'") != std::string::npos);
}

TEST_CASE("a FAKE pg_dump 19 that accepts an unknown option never writes the final name",
          "[fail-closed]") {
    std::string dir = workdir("fail-closed-fake19");
    write_file(dir + "/app.dump", kPrevious);
    // The fake writes its -f itself, as pg_dump does: handed the raw argv it would do harm.
    write_file(dir + "/direct.dump", kPrevious);
    REQUIRE(sh(q(kFake19) + " --fake-19-option -Fc -f direct.dump app", {}, dir).status == 0);
    REQUIRE(read_file(dir + "/direct.dump") != kPrevious);

    Result r =
        sh(q(wrapper()) + " --safe-pg-dump=" + q(kFake19) + " --fake-19-option -Fc -f app.dump app",
           {}, dir);
    CHECK(r.status == 1);
    CHECK(r.err.find("pg_dump-safe: error: unrecognized option '--fake-19-option'") !=
          std::string::npos);
    // Says which versions this build knows and which table judged the command line.
    CHECK(r.err.find("pg_dump 19 is newer than the option tables") != std::string::npos);
    CHECK(r.err.find("this build knows pg_dump 12 to 18") != std::string::npos);
    CHECK(r.err.find("the pg_dump 18 table was used") != std::string::npos);
    auto f = the_failed_line(r);
    CHECK(f["reason"] == "usage");
    CHECK(f["partial"] == "none");
    check_untouched(dir, "app.dump");

    // A command line the newest table maps runs pg_dump 19 with the partial; its garbage
    // fails verification and the final name stays.
    Result known = sh(q(wrapper()) + " --safe-pg-dump=" + q(kFake19) + " --safe-pg-restore=" +
                          q(pg_bindir() + "/pg_restore") + " -Fc -f app.dump app",
                      {}, dir);
    CHECK(known.status == 3);
    CHECK(the_failed_line(known)["reason"] == "verify-failed");
    CHECK(read_file(dir + "/app.dump") == kPrevious);
}

TEST_CASE("a pg_dump that is a script running pg_dump-safe again stops with 127", "[fail-closed]") {
    // Issue 13 item 7: the --version probe started the next level without the depth guard,
    // and after 3 s there were 959 processes.
    std::string dir = workdir("fail-closed-recursion");
    sh("mkdir bin && printf '#!/bin/sh\\nexec %s \"$@\"\\n' " + q(q(wrapper())) +
           " > bin/pg_dump && chmod +x bin/pg_dump",
       {}, dir);
    write_file(dir + "/app.dump", kPrevious);
    Result named = sh("timeout 20 " + q(wrapper()) +
                          " --safe-pg-dump=bin/pg_dump -Fc -f "
                          "app.dump app",
                      {}, dir);
    CHECK(named.status == 127);
    CHECK(the_failed_line(named)["exit"] == "127");
    check_untouched(dir, "app.dump");
    // The same script found first in PATH, and --version (which prints pg_dump's output).
    Env env = {{"PATH", dir + "/bin:/usr/bin:/bin"}};
    Result in_path =
        sh("PATH=" + q(dir + "/bin") + ":$PATH timeout 20 " + q(wrapper()) + " -Fc -f app.dump app",
           {}, dir);
    CHECK(in_path.status == 127);
    check_untouched(dir, "app.dump");
    Result version =
        sh("PATH=" + q(dir + "/bin") + ":$PATH timeout 20 " + q(wrapper()) + " --version", {}, dir);
    CHECK(version.status == 127);
    CHECK(version.out.empty());
}

TEST_CASE("option --version prints pg_dump's one line and --safe-version pg_dump-safe's",
          "[fail-closed]") {
    for (const char* opt : {"--version", "-V"}) {
        Result real = sh(std::string("pg_dump ") + opt);
        Result ours = sh(q(wrapper()) + " " + opt);
        REQUIRE(real.status == 0);
        CHECK(ours.status == 0);
        CHECK(ours.out == real.out);
        CHECK(ours.err == real.err);
        // Through Debian's pg_wrapper too, as `pg_dump --version | awk '{print $NF}'` sees it.
        Result deb = sh("/usr/bin/pg_dump " + std::string(opt));
        Result ours_deb = sh(q(wrapper()) + " --safe-pg-dump=/usr/bin/pg_dump " + opt);
        CHECK(ours_deb.out == deb.out);
        CHECK(ours_deb.status == deb.status);
    }
    Result own = sh(q(wrapper()) + " --safe-version");
    CHECK(own.status == 0);
    CHECK(own.out.rfind("pg_dump-safe ", 0) == 0);
    CHECK(std::count(own.out.begin(), own.out.end(), '\n') == 1);
}
