// The partial, the lock and the failure record against the faults and users they meet:
// fsync order seen with strace and fsync errors injected with strace -e inject, real
// unprivileged users (runuser -u postgres / nobody), a swapping attacker, sticky
// directories, directories the user may not write, names near NAME_MAX.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

using namespace pdstest;

namespace {

const std::string kGood = "previous good dump: must survive byte for byte\n";

std::string as_user(const std::string& user, const std::string& cmd) {
    return "runuser -u " + user + " -- sh -c " + q(cmd);
}

mode_t mode_of(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

struct stat stat_of(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        out.push_back(text.substr(start, end - start));
        start = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

// strace of pg_dump-safe's own process (not its children: pg_dump fsyncs too). LeakSanitizer
// cannot run under ptrace (it aborts the traced program at exit), so a sanitizer build checks
// leaks in the untraced runs only.
std::string traced(const std::string& log, const std::string& extra) {
    return "ASAN_OPTIONS=\"${ASAN_OPTIONS:-}:detect_leaks=0\" strace -qq -y -e signal=none -e "
           "trace=fsync,fdatasync,rename,renameat,renameat2 " +
           extra + " -o " + q(log) + " " + q(wrapper());
}

bool restorable(const std::string& path) {
    return sh("pg_restore -l " + q(path) + " > /dev/null").status == 0;
}

// A directory that users postgres and nobody may traverse (the test-work tree is 0755).
std::string open_workdir(const std::string& name) {
    std::string dir = workdir(name);
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    return dir;
}

} // namespace

TEST_CASE("the partial is fsynced before the rename, its directory after it (strace)",
          "[partials][durability]") {
    Env env = server_env("s15");
    std::string dir = workdir("partials-fsync-order");
    for (const char* fmt : {"c", "d"}) {
        INFO("format " << fmt);
        std::string target = dir + "/app." + fmt;
        std::string log = dir + "/strace." + fmt;
        Result r = sh(traced(log, "") + " -F" + fmt + " -f " + q(target) + " app", env);
        INFO(r.err);
        REQUIRE(r.status == 0);
        auto calls = lines(read_file(log));
        INFO(read_file(log));
        int rename_at = -1;
        for (size_t i = 0; i < calls.size(); ++i)
            if (calls[i].rfind("rename", 0) == 0 &&
                calls[i].find(target + ".partial") != std::string::npos)
                rename_at = static_cast<int>(i);
        REQUIRE(rename_at >= 0);
        bool partial_synced = false, dir_synced = false;
        for (int i = 0; i < rename_at; ++i)
            if (calls[i].rfind("fsync(", 0) == 0 &&
                calls[i].find("<" + target + ".partial>") != std::string::npos)
                partial_synced = true;
        for (size_t i = rename_at + 1; i < calls.size(); ++i)
            if (calls[i].rfind("fsync(", 0) == 0 &&
                calls[i].find("<" + dir + ">") != std::string::npos)
                dir_synced = true;
        CHECK(partial_synced);
        CHECK(dir_synced);
    }
}

TEST_CASE("an fsync error on the partial stops the publication - the previous dump stays",
          "[partials][durability]") {
    Env env = server_env("s15");
    std::string dir = workdir("partials-fsync-eio");
    std::string target = dir + "/app.dump";
    write_file(target, kGood);
    // The first fsync of pg_dump-safe's own process is the partial's.
    Result r = sh(traced(dir + "/strace", "-e inject=fsync:error=EIO:when=1") + " -Fc -f " +
                      q(target) + " app",
                  env);
    INFO(r.err);
    CHECK(r.status == 4);
    CHECK(read_file(target) == kGood);
    auto failed = lines_with(r.err, "[backup] FAILED");
    REQUIRE(failed.size() == 1);
    auto f = fields(failed[0]);
    CHECK(f["reason"] == "publish-failed");
    CHECK(f["detail"].find("could not fsync " + target + ".partial: Input/output error") !=
          std::string::npos);
    CHECK(exists(target + ".partial"));
}

TEST_CASE("a failed directory fsync after the rename is published, not durable: exit 8",
          "[partials][durability]") {
    Env env = server_env("s15");
    std::string dir = workdir("partials-dirsync-eio");
    std::string target = dir + "/app-2026-11-25.dump";
    write_file(target, kGood);
    write_file(dir + "/app-2026-11-20.dump", kGood); // retention must not prune it
    // fsync 1: the partial; fsync 2: the directory after the rename.
    Result r = sh(traced(dir + "/strace", "-e inject=fsync:error=EIO:when=2") + " -Fc -f " +
                      q(target) + " --safe-keep-last=1 app",
                  env);
    INFO(r.err);
    INFO(read_file(dir + "/strace"));
    CHECK(r.status == 8);
    CHECK(restorable(target)); // the final name holds the new dump
    CHECK(lines_with(r.err, "[backup] FAILED").empty());
    auto nd = lines_with(r.err, "[backup] PUBLISHED-NOT-DURABLE");
    REQUIRE(nd.size() == 1);
    CHECK(fields(nd[0])["target"] == target);
    CHECK(fields(nd[0])["detail"].find("Input/output error") != std::string::npos);
    CHECK_FALSE(exists(target + ".partial"));
    CHECK_FALSE(exists(target + ".partial.failure.json")); // no orphan failure record
    CHECK(read_file(dir + "/app-2026-11-20.dump") == kGood);
    CHECK(r.err.find("retention skipped: the publication is not known to be durable") !=
          std::string::npos);
}

TEST_CASE("a failed dump never prunes, even with a good older dump under the final name",
          "[partials][retention]") {
    // The seed's rule. The final name already holds a verified dump (the newest of the
    // series), so retention's own checks would let it prune: only the rule stops it.
    Env env = server_env("s15");
    std::string dir = workdir("partials-no-prune-on-failure");
    std::string seed = dir + "/seed.bin";
    REQUIRE(sh("pg_dump -Fc -t small -f " + q(seed) + " app", env).status == 0);
    const std::string good = read_file(seed);
    ::unlink(seed.c_str());
    for (int day = 20; day <= 25; ++day)
        write_file(dir + "/app-2026-11-" + std::to_string(day) + ".dump", good);
    Result r = sh(q(wrapper()) + " -v -Fc -f " + q(dir + "/app-2026-11-25.dump") +
                      " --safe-keep-last=1 nosuchdb",
                  env);
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(lines_with(r.err, "[backup] FAILED").size() == 1);
    CHECK(lines_with(r.err, "[backup] PRUNED").empty());
    for (int day = 20; day <= 25; ++day)
        CHECK(read_file(dir + "/app-2026-11-" + std::to_string(day) + ".dump") == good);
}

TEST_CASE("stale-partial removal never follows a symlink swapped in by an attacker (nobody, "
          "RENAME_EXCHANGE loop, bounded time)",
          "[partials][security][slow]") {
    Env env = server_env("s15");
    std::string dir = open_workdir("partials-race");
    std::string victim = dir + "/victim";
    REQUIRE(sh("mkdir -m 0700 " + q(victim) + " && cd " + q(victim) +
               " && for i in $(seq 1 100); do echo v > f$i; done")
                .status == 0);
    // A pg_dump that fails at once: each attempt is only the stale-partial removal.
    std::string fake = dir + "/pg_dump";
    write_file(fake, "#!/bin/sh\ncase \"$1\" in --version|-V) exec " + pg_bindir() +
                         "/pg_dump \"$@\";; esac\nexit 1\n");
    REQUIRE(::chmod(fake.c_str(), 0755) == 0);
    const std::string target = dir + "/out";
    const std::string d = target + ".partial/d";
    int attempts = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    while (attempts < 60 && std::chrono::steady_clock::now() < until) {
        ++attempts;
        // root's own stale partial; inside it, a directory the attacker may write.
        REQUIRE(sh("rm -rf " + q(target + ".partial") + " " + q(target + ".partial.failure.json") +
                   " && mkdir -m 0755 " + q(target + ".partial") + " && mkdir -m 0755 " + q(d) +
                   " && chown nobody " + q(d))
                    .status == 0);
        REQUIRE(sh(as_user("nobody", "mkdir " + q(d + "/sub") + " && for i in $(seq 1 50); do " +
                                         ": > " + q(d + "/sub") + "/s$i; done && ln -s " +
                                         q(victim) + " " + q(d + "/lnk")))
                    .status == 0);
        pid_t attacker = spawn_sh(as_user("nobody", "exec " + q(PDS_SWAPPER) + " " + q(d + "/sub") +
                                                        " " + q(d + "/lnk") + " 20"),
                                  {}, dir + "/attacker.out", dir + "/attacker.err");
        // The attack is under way (one swap seen) before the run starts.
        REQUIRE(wait_until(
            [&] {
                struct stat st {};
                return ::lstat((d + "/lnk").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
            },
            std::chrono::seconds(10)));
        Result r = sh(q(wrapper()) + " --safe-pg-dump=" + q(fake) + " --safe-pg-restore=" +
                          q(pg_bindir() + "/pg_restore") + " -Fd -f " + q(target) + " app",
                      env);
        ::kill(-attacker, SIGKILL);
        wait_status(attacker);
        INFO("attempt " << attempts << ": " << r.err);
        CHECK((r.status == 1 || r.status == 4)); // the fake's failure, or removal refused
        Result n = sh("ls " + q(victim) + " | wc -l");
        REQUIRE(n.out == "100\n");
    }
    CHECK(attempts >= 10);
}

TEST_CASE("a partial planted by another user is moved aside by root, refused as postgres "
          "in a sticky directory",
          "[partials][security]") {
    Env env = server_env("s15");
    std::string dir = open_workdir("partials-planted");
    REQUIRE(::chmod(dir.c_str(), 01777) == 0);
    std::string victim = dir + "/victim";
    REQUIRE(sh("mkdir -m 0700 " + q(victim) + " && echo v > " + q(victim + "/keep")).status == 0);
    std::string target = dir + "/app.dump";
    // nobody plants FINAL.partial/ with a link into the root-only directory
    REQUIRE(sh(as_user("nobody", "mkdir " + q(target + ".partial") + " && ln -s " + q(victim) +
                                     " " + q(target + ".partial/x")))
                .status == 0);
    Result r = sh(q(wrapper()) + " -v -Fc -f " + q(target) + " app", env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(restorable(target));
    CHECK(read_file(victim + "/keep") == "v\n");
    CHECK(r.err.find("moved stale partial directory " + target + ".partial") != std::string::npos);
    CHECK(r.err.find("owned by uid 65534") != std::string::npos);
    Result aside = sh("ls -d " + q(dir) + "/app.dump.aside-*.partial");
    CHECK(aside.status == 0);
    CHECK(stat_of(lines(aside.out).at(0)).st_uid == 65534); // kept, not deleted

    // As postgres, the sticky bit forbids moving nobody's file: stop, name it, touch nothing.
    std::string pg_target = dir + "/pg.dump";
    REQUIRE(sh(as_user("nobody", "echo planted > " + q(pg_target + ".partial"))).status == 0);
    Result p = sh(as_user("postgres", q(wrapper()) + " -Fc -f " + q(pg_target) + " app"), env);
    INFO(p.err);
    CHECK(p.status == 4);
    auto failed = lines_with(p.err, "[backup] FAILED");
    REQUIRE(failed.size() == 1);
    auto f = fields(failed[0]);
    CHECK(f["reason"] == "publish-failed");
    CHECK(f["detail"].find("owned by uid 65534, not by the running user (uid 101)") !=
          std::string::npos);
    CHECK(read_file(pg_target + ".partial") == "planted\n");
    CHECK_FALSE(exists(pg_target));
}

TEST_CASE("a lock and partial left by a SIGKILLed root run do not block runs as postgres",
          "[partials][lock][slow]") {
    // Issue 12 item 7: the README says a leftover lock does no harm.
    Env env = server_env("s15");
    std::string dir = open_workdir("partials-root-leftover");
    REQUIRE(sh("chown postgres " + q(dir)).status == 0);
    std::string target = dir + "/slow.dump";
    pid_t root_run = spawn_sh("umask 077; exec " + q(wrapper()) + " -Fc -f " + q(target) +
                                  " --include-foreign-data=slow_srv slow",
                              env, dir + "/root.out", dir + "/root.err");
    REQUIRE(
        wait_until([&] { return file_size(target + ".partial") > 0; }, std::chrono::seconds(10)));
    ::kill(root_run, SIGKILL);
    wait_status(root_run);
    REQUIRE(stat_of(target + ".lock").st_uid == 0);
    REQUIRE(stat_of(target + ".partial").st_uid == 0);
    for (int run = 0; run < 2; ++run) {
        Result r = sh(as_user("postgres", q(wrapper()) + " -Fc -f " + q(target) + " app"), env);
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(r.err.empty()); // silent without -v
        CHECK(restorable(target));
        CHECK(stat_of(target).st_uid == 101);
    }
    // root's partial was kept, renamed aside, for whoever looks at it
    CHECK(sh("ls -d " + q(dir) + "/slow.dump.aside-*.partial").status == 0);
}

TEST_CASE("a directory the user may not write: a verified dump is copied into the writable "
          "file (-f and > FILE), otherwise a message naming the permission",
          "[partials][permissions]") {
    Env env = server_env("s15");
    std::string dir = open_workdir("partials-readonly-dir");
    std::string file = dir + "/app.dump";
    write_file(file, kGood);
    REQUIRE(sh("chown postgres " + q(file) + " && chmod 0640 " + q(file)).status == 0);
    const ino_t ino = stat_of(file).st_ino;
    Result r = sh(as_user("postgres", q(wrapper()) + " -Fc -f " + q(file) + " app"), env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    CHECK(restorable(file));
    CHECK(stat_of(file).st_ino == ino); // written in place: its owner and mode stay
    CHECK(mode_of(file) == 0640);
    CHECK(sh("ls -A " + q(dir)).out == "app.dump\n"); // nothing left beside it

    // A failure leaves the previous dump (pg_dump would have truncated it).
    REQUIRE(sh("cp " + q(file) + " " + q(dir + "/../good.copy")).status == 0);
    Result bad = sh(as_user("postgres", q(wrapper()) + " -Fc -f " + q(file) + " nosuchdb"), env);
    CHECK(bad.status == 1);
    CHECK(read_file(file) == read_file(dir + "/../good.copy"));

    // `> FILE`: the shell (as postgres) truncated it; the verified dump arrives through the
    // descriptor, never a 0-byte file.
    std::string plain = dir + "/app.sql";
    write_file(plain, "");
    REQUIRE(sh("chown postgres " + q(plain)).status == 0);
    Result s = sh(as_user("postgres", q(wrapper()) + " app > " + q(plain)), env);
    INFO(s.err);
    CHECK(s.status == 0);
    CHECK(read_file(plain).find("-- PostgreSQL database dump complete") != std::string::npos);

    // No writable file to fall back on: stop before pg_dump, naming what is missing.
    Result none =
        sh(as_user("postgres", q(wrapper()) + " -Fc -f " + q(dir + "/new.dump") + " app"), env);
    INFO(none.err);
    CHECK(none.status == 4);
    CHECK(none.err.find("directory " + dir +
                        " (owner uid 0, group 0, mode 0755) is not "
                        "writable by uid 101") != std::string::npos);
    CHECK_FALSE(exists(dir + "/new.dump"));
}

TEST_CASE("the partial and failure record are no wider than a 0600 final, whatever the umask",
          "[partials][permissions]") {
    Env env = server_env("s15");
    std::string dir = workdir("partials-modes");
    std::string target = dir + "/secret.dump";
    write_file(target, kGood);
    REQUIRE(::chmod(target.c_str(), 0600) == 0);
    Result r = sh("umask 022; " + q(wrapper()) + " -Fc -f " + q(target) + " nosuchdb", env);
    CHECK(r.status == 1);
    CHECK(mode_of(target + ".partial") == 0600);
    CHECK(mode_of(target + ".partial.failure.json") == 0600);
    // and the published dump keeps 0600
    Result ok = sh("umask 022; " + q(wrapper()) + " -Fc -f " + q(target) + " app", env);
    CHECK(ok.status == 0);
    CHECK(mode_of(target) == 0600);
}

TEST_CASE("a final of another user: never its mode or group - refused where pg_dump would be",
          "[partials][permissions]") {
    Env env = server_env("s15");
    std::string dir = open_workdir("partials-foreign-final");
    // Not sticky: root replaces nobody's 0666 file, but the new dump is not world-writable
    // and not in nobody's group.
    std::string target = dir + "/app.dump";
    write_file(target, "planted\n");
    REQUIRE(sh("chown nobody:nogroup " + q(target) + " && chmod 0666 " + q(target)).status == 0);
    Result r = sh("umask 022; " + q(wrapper()) + " -Fc -f " + q(target) + " app", env);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(restorable(target));
    CHECK(stat_of(target).st_uid == 0);
    CHECK(stat_of(target).st_gid == 0);
    CHECK(mode_of(target) == 0644);

    // Sticky and world-writable (/tmp): refused, as fs.protected_regular refuses pg_dump.
    std::string sticky = dir + "/tmp";
    REQUIRE(sh("mkdir -m 1777 " + q(sticky)).status == 0);
    std::string planted = sticky + "/app.dump";
    REQUIRE(sh(as_user("nobody", "umask 0; echo planted > " + q(planted))).status == 0);
    Result s = sh(q(wrapper()) + " -Fc -f " + q(planted) + " app", env);
    INFO(s.err);
    CHECK(s.status == 4);
    CHECK(fields(lines_with(s.err, "[backup] FAILED").at(0))["detail"].find(
              "refusing to replace " + planted) != std::string::npos);
    CHECK(read_file(planted) == "planted\n");
    CHECK(stat_of(planted).st_uid == 65534);

    // A read-only dump pg_dump could not open (as postgres) is not replaced either.
    std::string pgdir = dir + "/pg";
    REQUIRE(sh("mkdir " + q(pgdir) + " && chown postgres " + q(pgdir)).status == 0);
    std::string ro = pgdir + "/ro.dump";
    REQUIRE(sh(as_user("postgres", "echo old > " + q(ro) + " && chmod 444 " + q(ro))).status == 0);
    Result p = sh(as_user("postgres", q(wrapper()) + " -Fc -f " + q(ro) + " app"), env);
    INFO(p.err);
    Result plain_pg = sh(as_user("postgres", "pg_dump -Fc -f " + q(ro) + " app"), env);
    CHECK(plain_pg.status == 1); // pg_dump refuses it
    CHECK(p.status == 1); // pg_dump's status (test_shell_constructs.cpp compares every format)
    CHECK(p.err.find("Permission denied") != std::string::npos);
    CHECK(lines_with(p.err, "[backup] FAILED").size() == 1);
    CHECK(read_file(ro) == "old\n");
}

TEST_CASE("names of 247 to 255 bytes: lock, partial and failure record fit NAME_MAX",
          "[partials][names]") {
    Env env = server_env("s15");
    std::string dir = workdir("partials-long-names");
    for (size_t len : {247u, 250u, 255u}) {
        std::string name = std::string(len - 5, 'n') + ".dump";
        std::string target = dir + "/" + name;
        INFO(len);
        Result bad = sh(q(wrapper()) + " -Fc -f " + q(target) + " nosuchdb", env);
        INFO(bad.err);
        CHECK(bad.status == 1);
        auto f = fields(lines_with(bad.err, "[backup] FAILED").at(0));
        CHECK(f["reason"] == "connection");
        const std::string partial = f["partial"];
        CHECK(partial.find("~") != std::string::npos);
        CHECK(exists(partial));
        CHECK(exists(partial + ".failure.json"));
        Result ok = sh(q(wrapper()) + " -v -Fc -f " + q(target) + " app", env);
        INFO(ok.err);
        CHECK(ok.status == 0);
        CHECK(restorable(target));
        CHECK(ok.err.find("removed stale partial file " + partial) != std::string::npos);
        CHECK_FALSE(exists(partial));
        CHECK_FALSE(exists(partial + ".failure.json"));
    }
    CHECK(sh("ls -A " + q(dir) + " | grep -v '\\.dump$'").out.empty());
}
