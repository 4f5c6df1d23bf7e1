// Differential test of pg_dump-safe's command line against the real pg_dump 15 (issue 8).
//
// Thousands of generated pg_dump command lines (diff_generator.hpp) are each run twice, once
// with the real pg_dump and once with the built pg_dump-safe, in fresh empty working
// directories, with stdout an empty regular file in a sibling directory (three cases in four:
// pg_dump-safe's protected stdout-file shape) or a pipe (one in four: passed through), against
// the tiny database "difftiny" of the pg15 fixture server. They must agree (diff_runner.cpp):
// accepted or rejected alike, the same exit status when pg_dump rejects the argv (with
// pg_dump's own message in pg_dump-safe's stderr), the same published names and equivalent
// dumps when both succeed, and nothing but partials from pg_dump-safe when both fail.
//
// Environment: PDS_DIFF_SEED (default 20261125), PDS_DIFF_CASES (default 2000, split over the
// four "fixed seed" parts), PDS_DIFF_EXTRA (default 200: cases of a fresh random seed, printed
// up front), PDS_DIFF_JOBS (worker threads, default 3: the cases wait on the server more than on
// the CPU), PDS_DIFF_ONLY=<index> (replay: every test case runs just that case of PDS_DIFF_SEED). A
// disagreement prints everything needed to replay it, and its case directory is kept under
// <build>/test-work/differential/.
//
// Other client majors (issue 11): the hidden test case "differential argv - other major" runs
// the same comparison with PDS_DIFF_MAJOR (13, 17, 18: the option table and value pools of that
// version), PDS_DIFF_BINDIR (its pg_dump and pg_restore: the shims of
// scripts/pg-chroot-run.sh) and PDS_DIFF_SERVER (the env file name under PDS_PGTEST_ROOT, e.g.
// vs17). tests/versions/CMakeLists.txt registers one CTest test per major.
#include "cli/pgdump_option_table.hpp"
#include "diff_generator.hpp"
#include "diff_runner.hpp"
#include "support/process.hpp"

#include <atomic>
#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace fs = boost::filesystem;
using namespace pdsdiff;

// Catch2 v2 has no *_MESSAGE assertions.
#define PDS_REQUIRE_MSG(cond, msg)                                                                 \
    do {                                                                                           \
        if (!(cond))                                                                               \
            FAIL(msg);                                                                             \
    } while (false)
#define PDS_CHECK_MSG(cond, msg)                                                                   \
    do {                                                                                           \
        INFO(msg);                                                                                 \
        CHECK(cond);                                                                               \
    } while (false)

namespace {

constexpr std::uint64_t kDefaultSeed = 20261125;
constexpr std::uint64_t kDefaultCases = 2000;
constexpr std::uint64_t kDefaultExtra = 200;
constexpr int kParts = 4;

std::uint64_t env_u64(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0')
        return fallback;
    return std::stoull(v, nullptr, 0);
}

// The client under test: pg_dump 15 of PDS_PG_BINDIR against the pg15 fixture by default.
struct Target {
    int major = 15;
    std::string bindir = PDS_PG_BINDIR;
    std::string server = "s15";
};

Target target() {
    Target t;
    if (const char* m = std::getenv("PDS_DIFF_MAJOR"); m && *m)
        t.major = std::stoi(m);
    if (const char* b = std::getenv("PDS_DIFF_BINDIR"); b && *b)
        t.bindir = b;
    if (const char* s = std::getenv("PDS_DIFF_SERVER"); s && *s)
        t.server = s;
    return t;
}

std::string filter_file() {
    return std::string(PDS_BINARY_DIR) + "/test-work/differential/filter-" +
           std::to_string(target().major) + ".txt";
}

// cmd with /bin/sh -c; its stdout and stderr together.
std::string sh_capture(const std::string& cmd, int& status) {
    pds::test::RunOptions o;
    o.stderr_to_stdout = true;
    const pds::test::RunResult r = pds::test::run_sh(cmd, o);
    status = r.status;
    return r.out + r.error;
}

// The database every case dumps: one small table, a second one, a sequence, a view, a comment
// and a large object. Created idempotently (a concurrent creator is tolerated).
void ensure_difftiny(const std::map<std::string, std::string>& server) {
    const std::string psql = std::string(PDS_PG_BINDIR) + "/psql";
    const std::string conn = "PGHOST=" + shell_quote(server.at("PGHOST")) +
                             " PGPORT=" + shell_quote(server.at("PGPORT")) +
                             " PGUSER=" + shell_quote(server.at("PGUSER")) + " " + psql +
                             " -X -q -v ON_ERROR_STOP=1 ";
    int st = 0;
    std::string out;
    auto exists = [&] {
        int qst = 0;
        const std::string r = sh_capture(conn + "-At -d postgres -c \"SELECT count(*) FROM "
                                                "pg_database WHERE datname = 'difftiny'\"",
                                         qst);
        return qst == 0 && r.rfind("1", 0) == 0;
    };
    if (!exists()) {
        out = sh_capture(conn + "-d postgres -c 'CREATE DATABASE difftiny'", st);
        if (st != 0 && exists()) // created meanwhile by a concurrent run
            st = 0;
    }
    PDS_REQUIRE_MSG(st == 0, "cannot create database difftiny: " << out);
    const std::string sql =
        "CREATE TABLE IF NOT EXISTS t1 (id int PRIMARY KEY, name text);"
        "INSERT INTO t1 VALUES (1, 'one'), (2, 'two'), (3, 'it''s') ON CONFLICT DO NOTHING;"
        "CREATE TABLE IF NOT EXISTS t2 (x double precision, y numeric);"
        "INSERT INTO t2 SELECT 0.1, 2.5 WHERE NOT EXISTS (SELECT FROM t2);"
        "CREATE SEQUENCE IF NOT EXISTS s1;"
        "CREATE OR REPLACE VIEW v1 AS SELECT id FROM t1;"
        "COMMENT ON TABLE t1 IS 'tiny';"
        "SELECT lo_from_bytea(4242, 'hello') WHERE NOT EXISTS "
        "(SELECT FROM pg_largeobject_metadata WHERE oid = 4242);";
    for (int attempt = 0; attempt < 2; ++attempt) {
        out = sh_capture(conn + "-d difftiny -c " + shell_quote(sql), st);
        if (st == 0)
            break;
    }
    PDS_REQUIRE_MSG(st == 0, "cannot fill database difftiny: " << out);
}

Config make_config(const std::string& work) {
    const Target t = target();
    const auto server = pds::test::server_env(t.server);
    for (const char* k : {"PGHOST", "PGPORT", "PGUSER"})
        PDS_REQUIRE_MSG(server.count(k) == 1, "server env file has no " << k);
    ensure_difftiny(server);
    Config cfg;
    cfg.pg_dump = t.bindir + "/pg_dump";
    cfg.pg_restore = t.bindir + "/pg_restore";
    if (t.major >= 17) { // an existing --filter file
        fs::create_directories(fs::path(filter_file()).parent_path());
        std::ofstream(filter_file())
            << "# differential test\ninclude table t1\nexclude table_data t2\n";
    }
    // PDS_DIFF_WRAPPER: compare another pg_dump-safe build (an installed one, a patched one).
    const char* other = std::getenv("PDS_DIFF_WRAPPER");
    cfg.wrapper = other && *other ? other : PDS_WRAPPER;
    for (const std::string& p : {cfg.pg_dump, cfg.pg_restore, cfg.wrapper})
        PDS_REQUIRE_MSG(::access(p.c_str(), X_OK) == 0, p << " is not executable");
    cfg.server_env = {{"PGHOST", server.at("PGHOST")},
                      {"PGPORT", server.at("PGPORT")},
                      {"PGUSER", server.at("PGUSER")}};
    fs::create_directories(work);
    cfg.empty_config = work + "/empty.conf";
    std::ofstream(cfg.empty_config).flush();
    return cfg;
}

ServerParams server_params(const Config& cfg) {
    ServerParams sp{cfg.server_env.at("PGHOST"), cfg.server_env.at("PGPORT"),
                    cfg.server_env.at("PGUSER")};
    sp.major = target().major;
    sp.filter_file = filter_file();
    return sp;
}

// The start and the end of a long stderr (the end holds pg_dump-safe's FAILED line).
std::string clip(const std::string& s, std::size_t head = 300, std::size_t tail = 1500) {
    if (s.size() <= head + tail)
        return s;
    return s.substr(0, head) + "\n    ...[" + std::to_string(s.size() - head - tail) +
           " bytes]...\n" + s.substr(s.size() - tail);
}

struct Stats {
    std::map<std::string, int> count;
    std::map<std::string, double> seconds;
    int status_differs = 0;
    std::vector<std::string> status_examples;
    int notes = 0;
    std::vector<std::string> note_examples;
};

// Runs cases [first, last) of `seed` on PDS_DIFF_JOBS threads and reports every disagreement.
void run_range(const std::string& part, std::uint64_t seed, std::uint64_t first, std::uint64_t last,
               const std::string& replay_hint) {
    const std::string work = std::string(PDS_BINARY_DIR) + "/test-work/differential/" + part;
    fs::remove_all(work);
    const Config cfg = make_config(work);
    const ServerParams sp = server_params(cfg);
    if (const char* only = std::getenv("PDS_DIFF_ONLY"); only && *only) {
        first = std::stoull(only, nullptr, 0);
        last = first + 1;
    }
    const int jobs = static_cast<int>(std::max<std::uint64_t>(1, env_u64("PDS_DIFF_JOBS", 3)));
    std::cout << "[differential] " << part << ": seed " << seed << ", cases " << first << ".."
              << (last - 1) << ", " << jobs << " workers" << std::endl;

    std::atomic<std::uint64_t> next{first};
    std::mutex mu;
    std::vector<std::pair<Case, Outcome>> bad;
    Stats stats;
    // PDS_DIFF_LOG=FILE: one line per case (index, category, statuses, argv), appended.
    std::ofstream log;
    if (const char* path = std::getenv("PDS_DIFF_LOG"); path && *path)
        log.open(path, std::ios::app);
    const auto t0 = std::chrono::steady_clock::now();
    auto worker = [&] {
        for (;;) {
            const std::uint64_t i = next++;
            if (i >= last)
                return;
            const Case c = generate(seed, i, sp);
            const std::string dir = work + "/case-" + std::to_string(i);
            Outcome o;
            try {
                o = run_case(c, cfg, dir);
            } catch (const std::exception& e) {
                o.agree = false;
                o.category = "disagree";
                o.problems.push_back(std::string("test harness error: ") + e.what());
            }
            if (o.agree) {
                boost::system::error_code ec;
                fs::remove_all(dir, ec);
            }
            std::lock_guard<std::mutex> lock(mu);
            stats.count[o.category]++;
            stats.seconds[o.category] += o.seconds;
            if (o.status_differs) {
                stats.status_differs++;
                if (stats.status_examples.size() < 8)
                    stats.status_examples.push_back(
                        describe(c) + "  -> pg_dump " + std::to_string(o.pg.status) +
                        ", pg_dump-safe " + std::to_string(o.safe.status));
            }
            for (const std::string& n : o.notes) {
                stats.notes++;
                if (stats.note_examples.size() < 8)
                    stats.note_examples.push_back(describe(c) + "  -> " + n);
            }
            if (log)
                log << c.index << '\t' << o.category << '\t' << o.pg.status << '\t' << o.safe.status
                    << '\t' << describe(c) << '\n';
            if (!o.agree)
                bad.emplace_back(c, std::move(o));
        }
    };
    std::vector<std::thread> threads;
    for (int k = 0; k < jobs; ++k)
        threads.emplace_back(worker);
    for (std::thread& t : threads)
        t.join();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::ostringstream summary;
    summary << "[differential] " << part << ": " << (last - first) << " cases in " << wall
            << " s wall;";
    for (const auto& [cat, n] : stats.count)
        summary << " " << cat << "=" << n << " (avg " << (stats.seconds[cat] / n) << " s)";
    summary << "; both failed with different statuses: " << stats.status_differs
            << "; notes: " << stats.notes;
    std::cout << summary.str() << std::endl;
    for (const std::string& e : stats.status_examples)
        std::cout << "[differential]   status differs (documented: pg_dump-safe's own exit "
                     "statuses): "
                  << e << std::endl;

    for (const std::string& e : stats.note_examples)
        std::cout << "[differential]   note: " << e << std::endl;
    std::sort(bad.begin(), bad.end(),
              [](const auto& a, const auto& b) { return a.first.index < b.first.index; });
    std::size_t shown = 0;
    for (const auto& [c, o] : bad) {
        if (++shown > 25)
            break;
        std::ostringstream msg;
        msg << "DISAGREEMENT seed=" << c.seed << " index=" << c.index << "\n  argv: " << describe(c)
            << "\n  replay: PDS_DIFF_SEED=" << c.seed << " PDS_DIFF_ONLY=" << c.index << " "
            << replay_hint << "\n  kept in: " << work << "/case-" << c.index;
        for (const std::string& p : o.problems)
            msg << "\n  problem: " << p;
        msg << "\n  pg_dump: status " << o.pg.status << ", stderr:\n"
            << clip(o.pg.err) << "\n  pg_dump-safe: status " << o.safe.status << ", stderr:\n"
            << clip(o.safe.err);
        FAIL_CHECK(msg.str());
    }
    if (!bad.empty())
        FAIL_CHECK(bad.size() << " of " << (last - first) << " cases disagree (seed " << seed
                              << "); " << summary.str());
    CHECK(bad.empty());
}

const std::string kBinary = "test_differential";

void fixed_part(int k) {
    const std::uint64_t seed = env_u64("PDS_DIFF_SEED", kDefaultSeed);
    const std::uint64_t n = env_u64("PDS_DIFF_CASES", kDefaultCases);
    const std::uint64_t first = n * static_cast<std::uint64_t>(k) / kParts;
    const std::uint64_t last = n * static_cast<std::uint64_t>(k + 1) / kParts;
    const std::string name =
        "differential argv - fixed seed - part " + std::to_string(k + 1) + " of 4";
    run_range("part" + std::to_string(k + 1), seed, first, last, kBinary + " '" + name + "'");
}

} // namespace

TEST_CASE("differential generator covers every option of pg_dump 15's table") {
    // Not a comparison: proves the generator reaches every option of the table (so an option
    // added to the table without a value pool is noticed), every short letter, and the shapes
    // the comparison depends on (each stdout mode, --help first, "--", repeated -f).
    const ServerParams sp{"/tmp/sock", "5432", "postgres"};
    const auto pools = value_pools(sp);
    std::set<std::string> seen_long, seen_short;
    std::set<std::string> all;
    int pipes = 0, appends = 0, posix = 0, valid = 0, help_first = 0, dashdash = 0, repeated_f = 0;
    for (const auto* o : pds::cli::long_options_for(15)) {
        all.insert(o->name);
        if (o->has_arg == pds::cli::HasArg::Required)
            PDS_CHECK_MSG(pools.count(o->name) == 1, "no value pool for --" << o->name);
    }
    const std::uint64_t n = env_u64("PDS_DIFF_CASES", kDefaultCases);
    for (std::uint64_t i = 0; i < n; ++i) {
        const Case c = generate(kDefaultSeed, i, sp);
        pipes += c.stdout_mode == StdoutMode::Pipe;
        appends += c.stdout_mode == StdoutMode::Append;
        posix += c.posixly_correct;
        valid += c.valid_mode;
        int files = 0;
        for (const std::string& a : c.argv) {
            if (a.rfind("--", 0) == 0 && a.size() > 2) {
                const std::string name = a.substr(2, a.find('=') - 2);
                if (all.count(name))
                    seen_long.insert(name);
            } else if (a.size() >= 2 && a[0] == '-') {
                seen_short.insert(a.substr(1, 1));
            }
            files += a == "-f" || a.rfind("--file", 0) == 0;
            dashdash += a == "--";
        }
        repeated_f += files > 1;
        help_first += !c.argv.empty() && (c.argv[0] == "--help" || c.argv[0] == "-?" ||
                                          c.argv[0] == "--version" || c.argv[0] == "-V");
    }
    for (const std::string& name : all)
        PDS_CHECK_MSG(seen_long.count(name) == 1, "--" << name << " never generated in full");
    for (const char* p = pds::cli::short_optstring(15); *p; ++p)
        if (*p != ':')
            PDS_CHECK_MSG(seen_short.count(std::string(1, *p)) == 1,
                          "-" << *p << " never generated");
    CHECK(pipes > 0);
    CHECK(appends > 0);
    CHECK(posix > 0);
    CHECK(valid > static_cast<int>(n / 4));
    CHECK(help_first > 0);
    CHECK(dashdash > 0);
    CHECK(repeated_f > 0);
}

TEST_CASE("differential comparison catches a FAKE pg_dump-safe that differs") {
    // The comparison must be able to fail: FAKE wrappers (shell scripts standing in for
    // pg_dump-safe) that each break one rule are caught; the real one passes the same cases.
    const std::string work = std::string(PDS_BINARY_DIR) + "/test-work/differential/fakes";
    fs::remove_all(work);
    const Config real = make_config(work);
    auto fake = [&](const std::string& name, const std::string& body) {
        const std::string path = work + "/" + name;
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        fs::permissions(path, fs::owner_all | fs::group_read | fs::others_read);
        Config cfg = real;
        cfg.wrapper = path;
        return cfg;
    };
    auto run = [&](const Config& cfg, std::vector<std::string> argv, StdoutMode mode,
                   const std::string& tag) {
        Case c;
        c.argv = std::move(argv);
        c.stdout_mode = mode;
        return run_case(c, cfg, work + "/" + tag);
    };
    auto has = [](const Outcome& o, const std::string& text) {
        for (const std::string& p : o.problems)
            if (p.find(text) != std::string::npos)
                return true;
        return false;
    };
    const std::vector<std::string> custom = {"-Fc", "-f", "out.dump", "difftiny"};
    const std::vector<std::string> plain_stdout = {"difftiny"};

    Outcome ok1 = run(real, custom, StdoutMode::FreshFile, "real-custom");
    INFO(ok1.problems.size() << " problems, first: "
                             << (ok1.problems.empty() ? "" : ok1.problems.front()));
    CHECK(ok1.agree);
    CHECK(ok1.category == "dumped");
    Outcome ok2 = run(real, plain_stdout, StdoutMode::Append, "real-append");
    CHECK(ok2.agree);
    Outcome ok3 = run(real, {"-vk"}, StdoutMode::FreshFile, "real-rejected");
    CHECK(ok3.agree);
    CHECK(ok3.category == "rejected");

    // Drops the comments from the dump: content differs.
    const Config no_comments =
        fake("fake-no-comments", "exec \"$PG_DUMP_SAFE_PG_DUMP\" --no-comments \"$@\"");
    CHECK(
        has(run(no_comments, custom, StdoutMode::FreshFile, "f1"), "content of out.dump differs"));
    CHECK(has(run(no_comments, plain_stdout, StdoutMode::Pipe, "f2"), "content of stdout differs"));
    // Changes pg_dump's exit status for a rejected argv.
    const Config status2 = fake("fake-status", "\"$PG_DUMP_SAFE_PG_DUMP\" \"$@\"; exit 2");
    CHECK(has(run(status2, {"--bogus"}, StdoutMode::FreshFile, "f3"), "exit status differs"));
    // Leaves its lock file behind.
    const Config lock = fake("fake-lock", "\"$PG_DUMP_SAFE_PG_DUMP\" \"$@\" && : > out.dump.lock");
    CHECK(has(run(lock, custom, StdoutMode::FreshFile, "f4"), "left a lock file"));
    // Publishes under another name.
    const Config rename =
        fake("fake-rename", "\"$PG_DUMP_SAFE_PG_DUMP\" \"$@\" && mv out.dump out.dump.partial");
    CHECK(has(run(rename, custom, StdoutMode::FreshFile, "f5"), "published files differ"));
    // Accepts what pg_dump rejects.
    const Config accepts = fake("fake-accepts", "exit 0");
    CHECK(has(run(accepts, {"--bogus"}, StdoutMode::FreshFile, "f6"), "exit status class differs"));
    // Fails and leaves a non-partial behind, and appends on failure.
    const Config leaves =
        fake("fake-leaves",
             "echo junk > out.dump; echo junk; echo '[backup] FAILED target=x partial=none "
             "reason=connection exit=1 bytes=0 format=custom detail=x' >&2; exit 1");
    const Outcome f7 = run(leaves, {"-Fc", "-f", "out.dump", "nosuchdb"}, StdoutMode::Append, "f7");
    CHECK(has(f7, "left out.dump (not a partial)"));
    CHECK(has(f7, "appended to its stdout file"));
    // Rejected argv reported with the wrong reason (what a model that wrongly accepted gives).
    const Config reason =
        fake("fake-reason",
             "\"$PG_DUMP_SAFE_PG_DUMP\" \"$@\"; s=$?; echo \"[backup] FAILED target=- partial=none "
             "reason=pg-dump-exit exit=$s bytes=0 format=plain detail=x\" >&2; exit $s");
    CHECK(has(run(reason, {"--bogus"}, StdoutMode::FreshFile, "f8"), "not reason=usage"));
    // Hangs: killed at the timeout, whether stdout is a pipe or a file.
    Config hangs = fake("fake-hangs", "sleep 30");
    hangs.timeout_seconds = 2;
    const auto h0 = std::chrono::steady_clock::now();
    CHECK(has(run(hangs, {"--bogus"}, StdoutMode::Pipe, "f9"), "timed out"));
    CHECK(has(run(hangs, {"--bogus"}, StdoutMode::FreshFile, "f10"), "timed out"));
    CHECK(std::chrono::steady_clock::now() - h0 < std::chrono::seconds(20));
}

TEST_CASE("differential argv - fixed seed - part 1 of 4") {
    fixed_part(0);
}
TEST_CASE("differential argv - fixed seed - part 2 of 4") {
    fixed_part(1);
}
TEST_CASE("differential argv - fixed seed - part 3 of 4") {
    fixed_part(2);
}
TEST_CASE("differential argv - fixed seed - part 4 of 4") {
    fixed_part(3);
}

TEST_CASE("differential argv - fresh random seed") {
    std::random_device rd;
    std::uint64_t seed =
        (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
        static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    if (std::getenv("PDS_DIFF_ONLY"))
        seed = env_u64("PDS_DIFF_SEED", kDefaultSeed);
    std::cout << "[differential] fresh seed for this run: " << seed << std::endl;
    const std::uint64_t n = env_u64("PDS_DIFF_EXTRA", kDefaultExtra);
    run_range("fresh", seed, 0, n, kBinary + " 'differential argv - fixed seed - part 1 of 4'");
}

TEST_CASE("differential argv - other major", "[.versions]") {
    // Hidden (not discovered by CTest): tests/versions registers it once per client major.
    const Target t = target();
    PDS_REQUIRE_MSG(std::getenv("PDS_DIFF_MAJOR") && std::getenv("PDS_DIFF_BINDIR") &&
                        std::getenv("PDS_DIFF_SERVER"),
                    "set PDS_DIFF_MAJOR, PDS_DIFF_BINDIR and PDS_DIFF_SERVER");
    int status = 0;
    const std::string version =
        sh_capture(shell_quote(t.bindir + "/pg_dump") + " --version", status);
    PDS_REQUIRE_MSG(status == 0 && version.find("(PostgreSQL) " + std::to_string(t.major) + ".") !=
                                       std::string::npos,
                    t.bindir << "/pg_dump is not pg_dump " << t.major << ": " << version);
    std::cout << "[differential] client: " << version;
    // The generator reaches every option of this major's table.
    ServerParams sp{"/tmp/sock", "5432", "postgres"};
    sp.major = t.major;
    const auto pools = value_pools(sp);
    std::set<std::string> all, seen;
    for (const auto* o : pds::cli::long_options_for(t.major)) {
        all.insert(o->name);
        if (o->has_arg == pds::cli::HasArg::Required)
            PDS_CHECK_MSG(pools.count(o->name) == 1, "no value pool for --" << o->name);
    }
    const std::uint64_t seed = env_u64("PDS_DIFF_SEED", kDefaultSeed);
    const std::uint64_t n = env_u64("PDS_DIFF_CASES", 500);
    for (std::uint64_t i = 0; i < n; ++i)
        for (const std::string& a : generate(seed, i, sp).argv)
            if (a.rfind("--", 0) == 0 && a.size() > 2 && all.count(a.substr(2, a.find('=') - 2)))
                seen.insert(a.substr(2, a.find('=') - 2));
    for (const std::string& name : all)
        PDS_CHECK_MSG(seen.count(name) == 1, "--" << name << " never generated in full");
    run_range("major" + std::to_string(t.major), seed, 0, n,
              "PDS_DIFF_MAJOR=" + std::to_string(t.major) + " PDS_DIFF_BINDIR=" + t.bindir +
                  " PDS_DIFF_SERVER=" + t.server + " " + kBinary +
                  " 'differential argv - other major'");
}
