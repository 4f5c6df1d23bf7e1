// What runs after publication: retention (only after a verified publication, never the last
// good dump), the Prometheus metrics file and the run journal (after every run).
#include "harness.hpp"
#include "support/json.hpp"
#include "support/prometheus.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace pdstest;

namespace {

// A small real custom dump (one small table) to copy into a series.
std::string small_dump(const Env& env, const std::string& dir) {
    std::string p = dir + "/seed.bin";
    Result r = sh("pg_dump -Fc -t small -f " + q(p) + " app", env);
    REQUIRE(r.status == 0);
    return read_file(p);
}

// app-2026-11-18.dump ... app-2026-11-24.dump, each a copy of a real dump.
std::vector<std::string> make_week(const std::string& dir, const std::string& content) {
    std::vector<std::string> names;
    for (int day = 18; day <= 24; ++day) {
        std::string name = "app-2026-11-" + std::to_string(day) + ".dump";
        write_file(dir + "/" + name, content);
        names.push_back(name);
    }
    return names;
}

std::vector<std::string> listing(const std::string& dir) {
    Result r = sh("ls -A " + q(dir));
    REQUIRE(r.status == 0);
    std::vector<std::string> out;
    std::string line;
    for (char c : r.out) {
        if (c == '\n') {
            out.push_back(line);
            line.clear();
        } else {
            line += c;
        }
    }
    return out;
}

std::string cmd(const std::string& args) {
    return q(wrapper()) + " " + args;
}

} // namespace

TEST_CASE("three failing runs after a week of dumps prune nothing - the next success prunes "
          "only what the rules allow",
          "[retention]") {
    Env env = server_env("s15");
    std::string dir = workdir("retention-week");
    const std::string good = small_dump(env, dir);
    ::unlink((dir + "/seed.bin").c_str());
    auto week = make_week(dir, good);
    write_file(dir + "/app-2026-11-10.dump.partial", "half a dump");
    write_file(dir + "/other-2026-11-01.dump", good); // another series

    // Three failures: a database that does not exist, as a broken nightly job would.
    for (int i = 0; i < 3; ++i) {
        Result r =
            sh(cmd("-Fc -f " + q(dir + "/app-2026-11-25.dump") + " --safe-keep-last=1 -v nosuchdb"),
               env);
        INFO(r.err);
        CHECK(r.status == 1);
        CHECK(lines_with(r.err, "[backup] FAILED").size() == 1);
        CHECK(lines_with(r.err, "[backup] PRUNED").empty());
    }
    for (const std::string& n : week)
        CHECK(read_file(dir + "/" + n) == good);
    CHECK_FALSE(exists(dir + "/app-2026-11-25.dump"));
    // A failure sweeps nothing: an older failed run's partial stays as evidence.
    CHECK(read_file(dir + "/app-2026-11-10.dump.partial") == "half a dump");

    // A success with keep-last 3: the new dump and the two newest older ones stay.
    Result r =
        sh(cmd("-Fc -f " + q(dir + "/app-2026-11-25.dump") + " --safe-keep-last=3 -v app"), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto pruned = lines_with(r.err, "[backup] PRUNED");
    CHECK(pruned.size() == 5);
    for (const std::string& line : pruned) {
        auto f = fields(line);
        CHECK(f["path"].find(dir + "/app-2026-11-") == 0);
        CHECK(std::stoll(f["bytes"]) == static_cast<long long>(good.size()));
        CHECK_FALSE(f["age"].empty());
    }
    auto names = listing(dir);
    std::sort(names.begin(), names.end());
    // The success also sweeps the series' stale partials (the failed runs' own partial was
    // replaced by the publication; the older one is removed), never another series' files.
    // The published dump has its content manifest beside it.
    CHECK(names == std::vector<std::string>{
                       "app-2026-11-23.dump", "app-2026-11-24.dump", "app-2026-11-25.dump",
                       "app-2026-11-25.dump.manifest.json", "other-2026-11-01.dump"});
}

TEST_CASE("retention: without -v and off a terminal, pruning is silent - a dry run deletes "
          "nothing and says what would go",
          "[retention]") {
    Env env = server_env("s15");
    std::string dir = workdir("retention-dry");
    const std::string good = small_dump(env, dir);
    ::unlink((dir + "/seed.bin").c_str());
    auto week = make_week(dir, good);

    Result dry = sh(cmd("-Fc -f " + q(dir + "/app-2026-11-25.dump") +
                        " --safe-keep-last=2 --safe-dry-run-retention app"),
                    env);
    INFO(dry.err);
    REQUIRE(dry.status == 0);
    CHECK(lines_with(dry.err, "[backup] WOULD-PRUNE").size() == 6);
    CHECK(lines_with(dry.err, "[backup] PRUNED").empty());
    for (const std::string& n : week)
        CHECK(read_file(dir + "/" + n) == good);

    Result real =
        sh(cmd("-Fc -f " + q(dir + "/app-2026-11-25.dump") + " --safe-keep-last=2 app"), env);
    INFO(real.err);
    REQUIRE(real.status == 0);
    CHECK(lines_with(real.err, "[backup]").empty());
    CHECK(listing(dir).size() == 3);
    CHECK(exists(dir + "/app-2026-11-24.dump"));
    CHECK(exists(dir + "/app-2026-11-25.dump"));
    CHECK(exists(dir + "/app-2026-11-25.dump.manifest.json"));
}

TEST_CASE("retention that cannot delete is RETENTION-FAILED with exit 7 - the new dump stays "
          "published",
          "[retention]") {
    Env env = server_env("s15");
    std::string dir = workdir("retention-fail");
    // An old directory dump with a mount point inside: rmdir gets EBUSY, a real failure.
    Result old = sh("pg_dump -Fd -t small -f " + q(dir + "/app-2026-11-01.dir") + " app", env);
    REQUIRE(old.status == 0);
    std::string busy = dir + "/app-2026-11-01.dir/busy";
    REQUIRE(::mkdir(busy.c_str(), 0700) == 0);
    // Prerequisite, not optional: without the mount this test fails, it never skips.
    REQUIRE(::mount("tmpfs", busy.c_str(), "tmpfs", 0, "size=64k") == 0);
    struct Unmount {
        std::string p;
        ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
    } unmount{busy};

    std::string target = dir + "/app-2026-11-25.dir";
    Result r = sh(cmd("-Fd -f " + q(target) + " --safe-keep-last=1 app"), env);
    INFO(r.err);
    CHECK(r.status == 7);
    auto lines = lines_with(r.err, "[backup] RETENTION-FAILED");
    REQUIRE(lines.size() == 1);
    auto f = fields(lines[0]);
    CHECK(f["target"] == target);
    CHECK(f["series"] == "app-*.dir");
    CHECK(f["detail"].find("app-2026-11-01.dir") != std::string::npos);
    CHECK(lines_with(r.err, "[backup] FAILED").empty());
    // Published and restorable all the same.
    Result list = sh("pg_restore -l " + q(target));
    CHECK(list.status == 0);
    CHECK(list.out.find("TABLE DATA public big") != std::string::npos);
}

TEST_CASE("retention is skipped when the on-success hook fails", "[retention]") {
    Env env = server_env("s15");
    std::string dir = workdir("retention-hook");
    const std::string good = small_dump(env, dir);
    ::unlink((dir + "/seed.bin").c_str());
    auto week = make_week(dir, good);
    Result r = sh(cmd("-Fc -f " + q(dir + "/app-2026-11-25.dump") +
                      " --safe-keep-last=1 --safe-on-success='exit 9' app"),
                  env);
    INFO(r.err);
    CHECK(r.status == 6);
    CHECK(r.err.find("retention skipped: the on-success hook failed") != std::string::npos);
    for (const std::string& n : week)
        CHECK(read_file(dir + "/" + n) == good);
}

TEST_CASE("the metrics file records every run: success, then failure keeping the last "
          "success time",
          "[metrics]") {
    Env env = server_env("s15");
    std::string dir = workdir("metrics");
    std::string prom = dir + "/pg_dump_safe.prom";
    std::string target = dir + "/app.dump";

    Result ok = sh(cmd("-Fc -f " + q(target) + " --safe-metrics-file=" + q(prom) + " app"), env);
    INFO(ok.err);
    REQUIRE(ok.status == 0);
    auto m1 = pds::test::parse_prometheus(read_file(prom));
    std::map<std::string, std::string> who = {{"target", target}, {"series", target}};
    REQUIRE(m1.find("pg_dump_safe_last_run_success", who).size() == 1);
    CHECK(m1.find("pg_dump_safe_last_run_success", who)[0].value == 1);
    CHECK(m1.find("pg_dump_safe_last_run_bytes", who)[0].value ==
          static_cast<double>(file_size(target)));
    const double success_ts =
        m1.find("pg_dump_safe_last_success_timestamp_seconds", who).at(0).value;
    CHECK(success_ts > 1.7e9);

    // Failure through the environment variable this time.
    Env env2 = env;
    env2["PG_DUMP_SAFE_METRICS_FILE"] = prom;
    Result bad = sh(cmd("-Fc -f " + q(target) + " nosuchdb"), env2);
    CHECK(bad.status == 1);
    auto m2 = pds::test::parse_prometheus(read_file(prom));
    CHECK(m2.find("pg_dump_safe_last_run_success", who).at(0).value == 0);
    CHECK(m2.find("pg_dump_safe_last_success_timestamp_seconds", who).at(0).value == success_ts);
    auto failures = m2.find("pg_dump_safe_last_failure_timestamp_seconds", who);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].labels["reason"] == "connection");
    CHECK_FALSE(exists(prom + ".tmp"));
    struct stat st {};
    REQUIRE(::stat(prom.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
}

TEST_CASE("an unwritable metrics file is a warning - the dump is still published, exit 0",
          "[metrics]") {
    Env env = server_env("s15");
    std::string dir = workdir("metrics-unwritable");
    std::string target = dir + "/app.dump";
    Result r = sh(cmd("-Fc -f " + q(target) +
                      " --safe-metrics-file=" + q(dir + "/no/such/dir/x.prom") + " app"),
                  env);
    CHECK(r.status == 0);
    CHECK(r.err.find("pg_dump-safe: warning: metrics file not written: ") != std::string::npos);
    CHECK(exists(target));
}

TEST_CASE("the journal gets one JSON line per run, with phase durations - concurrent runs "
          "never interleave",
          "[journal]") {
    Env env = server_env("s15");
    std::string dir = workdir("journal");
    std::string journal = dir + "/runs.jsonl";

    Result ok = sh(cmd("-Fc -f " + q(dir + "/app.dump") + " --safe-journal=" + q(journal) +
                       " --safe-keep-last=2 app"),
                   env);
    REQUIRE(ok.status == 0);
    Result bad = sh(
        cmd("-Fc -f " + q(dir + "/app.dump") + " --safe-journal=" + q(journal) + " nosuchdb"), env);
    REQUIRE(bad.status == 1);
    // Four at once, to distinct targets.
    std::string many;
    for (int i = 0; i < 4; ++i)
        many += cmd("-Fp -t small -f " + q(dir + "/p" + std::to_string(i) + ".sql") +
                    " --safe-journal=" + q(journal) + " app") +
                " & ";
    Result par = sh(many + "wait", env);
    REQUIRE(par.status == 0);

    auto lines = lines_with(read_file(journal), "{");
    REQUIRE(lines.size() == 6);
    std::vector<pds::test::Json> recs;
    for (const std::string& l : lines)
        recs.push_back(pds::test::StrictJson::parse(l));
    const auto& first = recs[0];
    CHECK(first.at("status").str == "published");
    CHECK(first.at("exit").num == 0);
    CHECK(first.at("target").str == dir + "/app.dump");
    CHECK(first.at("series").str == dir + "/app.dump");
    CHECK(first.at("bytes").num == static_cast<double>(file_size(dir + "/app.dump")));
    CHECK(first.at("verify").str == "structure");
    const auto& ph = first.at("phases");
    CHECK(ph.at("dump").kind == pds::test::Json::Number);
    CHECK(ph.at("verify").kind == pds::test::Json::Number);
    CHECK(ph.at("sync").kind == pds::test::Json::Number);
    CHECK(ph.at("rename").kind == pds::test::Json::Number);
    CHECK(ph.at("hooks").kind == pds::test::Json::Null);
    CHECK(ph.at("retention").kind == pds::test::Json::Number);
    const auto& second = recs[1];
    CHECK(second.at("status").str == "failed");
    CHECK(second.at("reason").str == "connection");
    CHECK(second.at("exit").num == 1);
    CHECK(second.at("detail").str.find("nosuchdb") != std::string::npos);
    CHECK(second.at("phases").at("verify").kind == pds::test::Json::Null);
    for (std::size_t i = 2; i < 6; ++i)
        CHECK(recs[i].at("status").str == "published");
}

TEST_CASE("a corrupt newer dump is not a restore point: it never allows pruning and is kept",
          "[retention]") {
    Env env = server_env("s15");
    std::string dir = workdir("retention-corrupt");
    const std::string good = small_dump(env, dir);
    ::unlink((dir + "/seed.bin").c_str());
    write_file(dir + "/app-2026-11-20.dump", good);
    // The newest file of the series is cut short: it must neither take the keep-last slot
    // nor be removed (nothing newer is good).
    write_file(dir + "/app-2026-11-24.dump", good.substr(0, good.size() / 2));
    Result r =
        sh(cmd("-Fc -f " + q(dir + "/app-2026-11-22.dump") + " --safe-keep-last=1 -v app"), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.err.find("retention: app-2026-11-24.dump is not a restore point: ") !=
          std::string::npos);
    auto pruned = lines_with(r.err, "[backup] PRUNED");
    REQUIRE(pruned.size() == 1);
    CHECK(fields(pruned[0])["path"] == dir + "/app-2026-11-20.dump");
    CHECK(exists(dir + "/app-2026-11-22.dump"));
    CHECK(read_file(dir + "/app-2026-11-24.dump") == good.substr(0, good.size() / 2));
}
