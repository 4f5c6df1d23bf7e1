// Issue 13, finding 11 (the directories): like ssh and sudo, a config file is refused when a
// directory on its way may be written by another user, who could replace the file (and its
// hooks run as the running user). Sticky directories (/tmp) are fine: only the owner of an
// entry may replace it there. The attacker and a non-root runner are the real user "nobody"
// (runuser). No server needed: --safe-show-config reads the config and stops.
#include "harness.hpp"
#include "support/scratch_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using pds::test::read_file_or_empty;

// /tmp/pds-cfgdir-XXXXXX, mode 0755 (user nobody enters it).
struct Dir : pds::test::ScratchDir {
    Dir() : ScratchDir("pds-cfgdir") {}
};

using pdstest::sh_merged; // stdout and stderr together in `out`; the exit status or 128+N

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
}

// The wrapper reading `config`, as root (or as `user`, from a copy of the binary that user
// may run: the build tree may not be reachable for it).
int show_config(const Dir& d, const std::string& config, std::string& out,
                const std::string& user = "") {
    if (user.empty())
        return sh_merged(
            std::string(PDS_WRAPPER) + " --safe-config='" + config + "' --safe-show-config", out);
    return sh_merged("runuser -u " + user + " -- '" + (d / "bin/pg_dump-safe") +
                         "' --safe-config='" + config + "' --safe-show-config",
                     out);
}

} // namespace

TEST_CASE("config: a directory on the way that others may write is refused - a sticky one "
          "is not",
          "[hardening][config]") {
    Dir d;
    REQUIRE(::mkdir((d / "etc").c_str(), 0755) == 0);
    REQUIRE(::mkdir((d / "etc/sub").c_str(), 0755) == 0);
    write(d / "etc/sub/pds.conf", "verify = full\n");
    const std::string conf = d / "etc/sub/pds.conf";
    std::string out;
    REQUIRE(show_config(d, conf, out) == 0);
    CHECK(out.find("verify") != std::string::npos);

    // The directory holding it, world-writable: anyone could rename their file over it.
    REQUIRE(::chmod((d / "etc/sub").c_str(), 0777) == 0);
    CHECK(show_config(d, conf, out) == 2);
    CHECK(out.find("refusing " + conf + ": directory " + (d / "etc/sub") +
                   " (mode 0777, group 0) lets other users write it") != std::string::npos);
    // Sticky (as /tmp): only the owner of an entry may replace it.
    REQUIRE(::chmod((d / "etc/sub").c_str(), 01777) == 0);
    CHECK(show_config(d, conf, out) == 0);

    // Group-writable for a group other than root's, two levels up.
    REQUIRE(::chmod((d / "etc/sub").c_str(), 0755) == 0);
    REQUIRE(std::system(("chgrp nogroup '" + (d / "etc") + "'").c_str()) == 0);
    REQUIRE(::chmod((d / "etc").c_str(), 0775) == 0);
    CHECK(show_config(d, conf, out) == 2);
    CHECK(out.find("directory " + (d / "etc") + " (mode 0775, group ") != std::string::npos);
    REQUIRE(::chmod((d / "etc").c_str(), 0755) == 0);

    // Another user's directory: that user may replace the file at will.
    REQUIRE(std::system(("chown nobody '" + (d / "etc/sub") + "'").c_str()) == 0);
    CHECK(show_config(d, conf, out) == 2);
    CHECK(out.find("directory " + (d / "etc/sub") + " is owned by uid 65534") != std::string::npos);
    CHECK(out.find("[backup] FAILED") != std::string::npos);
}

TEST_CASE("config: a link is checked where it lies and where it leads", "[hardening][config]") {
    Dir d;
    REQUIRE(::mkdir((d / "safe").c_str(), 0755) == 0);
    REQUIRE(::mkdir((d / "open").c_str(), 0777) == 0);
    REQUIRE(::chmod((d / "open").c_str(), 0777) == 0);
    write(d / "safe/pds.conf", "verify = full\n");
    std::string out;
    // A link in a directory anyone may write: they could point it elsewhere.
    REQUIRE(::symlink((d / "safe/pds.conf").c_str(), (d / "open/pds.conf").c_str()) == 0);
    CHECK(show_config(d, d / "open/pds.conf", out) == 2);
    CHECK(out.find("directory " + (d / "open") + " (mode 0777") != std::string::npos);
    // A link in a safe directory to a file in an open one.
    write(d / "open/real.conf", "verify = full\n");
    REQUIRE(::symlink((d / "open/real.conf").c_str(), (d / "safe/link.conf").c_str()) == 0);
    CHECK(show_config(d, d / "safe/link.conf", out) == 2);
    CHECK(out.find("directory " + (d / "open") + " (mode 0777") != std::string::npos);
    REQUIRE(::symlink((d / "safe/pds.conf").c_str(), (d / "safe/good.conf").c_str()) == 0);
    CHECK(show_config(d, d / "safe/good.conf", out) == 0);
}

TEST_CASE("config: user nobody may use a config in its own directory, not in one root lets "
          "everyone write",
          "[hardening][config]") {
    Dir d;
    REQUIRE(::mkdir((d / "bin").c_str(), 0755) == 0);
    REQUIRE(std::system(("cp '" + std::string(PDS_WRAPPER) + "' '" + (d / "bin/pg_dump-safe") + "'")
                            .c_str()) == 0);
    REQUIRE(::mkdir((d / "home").c_str(), 0755) == 0);
    REQUIRE(std::system(("chown nobody '" + (d / "home") + "'").c_str()) == 0);
    std::string out;
    REQUIRE(sh_merged("runuser -u nobody -- sh -c \"printf 'verify = full\\n' > '" +
                          (d / "home/pds.conf") + "'\"",
                      out) == 0);
    CHECK(show_config(d, d / "home/pds.conf", out, "nobody") == 0);
    INFO(out);
    // The same file in a root-owned directory that everyone may write: root could not trust
    // it, nor can nobody (another user could swap it).
    REQUIRE(::mkdir((d / "shared").c_str(), 0777) == 0);
    REQUIRE(::chmod((d / "shared").c_str(), 0777) == 0);
    REQUIRE(sh_merged("runuser -u nobody -- cp '" + (d / "home/pds.conf") + "' '" +
                          (d / "shared/pds.conf") + "'",
                      out) == 0);
    CHECK(show_config(d, d / "shared/pds.conf", out, "nobody") == 2);
    CHECK(out.find("directory " + (d / "shared") + " (mode 0777") != std::string::npos);
    // Root refuses nobody's directory outright (nobody could replace the file any time).
    REQUIRE(::chown((d / "home/pds.conf").c_str(), 0, 0) == 0);
    CHECK(show_config(d, d / "home/pds.conf", out) == 2);
    CHECK(out.find("is owned by uid 65534") != std::string::npos);
}
