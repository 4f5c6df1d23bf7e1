// exec::resolve_pg_wrapper against the real pg_wrapper of postgresql-common: for each command
// line and environment, the version, the environment and the error must be what the real
// pg_wrapper gives the pg_dump it executes (observed with strace -v). The clusters are a
// made-up tree under PG_CLUSTER_CONF_ROOT, with user_clusters under PGSYSCONFDIR, so every
// rule (--cluster, PGCLUSTER, -h, ports matched through includes, user_clusters, the
// default cluster) is exercised without touching /etc/postgresql.
#include "exec/pg_wrapper.hpp"
#include "support/files.hpp"
#include "support/process.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = boost::filesystem;
using Vars = std::map<std::string, std::string>;

namespace {

const char* kWrapper = "/usr/share/postgresql-common/pg_wrapper";

void put(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p.string()) << text;
}

struct Observed {
    std::string program;           // what pg_wrapper executed ("" if it stopped)
    Vars pg_env;                   // its PG* variables
    std::string error;             // pg_wrapper's "Error: ..." text
    std::vector<std::string> argv; // the arguments it passed on (after argv[0])
};

// The quoted strings of an strace array, from `pos` (at '"') to its closing ']'.
std::vector<std::string> strace_strings(const std::string& line, std::size_t& pos) {
    std::vector<std::string> out;
    while (pos < line.size() && line[pos] == '"') {
        const std::size_t end = line.find('"', pos + 1);
        out.push_back(line.substr(pos + 1, end - pos - 1));
        pos = end + 1;
        if (line.compare(pos, 2, ", ") == 0)
            pos += 2;
    }
    return out;
}

// The real pg_wrapper as /usr/bin/pg_dump, traced: which program it executes, with which PG*
// environment.
Observed real_wrapper(const fs::path& dir, const Vars& env, const std::vector<std::string>& args) {
    pds::test::RunOptions opts;
    opts.clean_env = true;
    opts.env = {{"PATH", "/usr/bin:/bin"}};
    for (const auto& [k, v] : env)
        opts.env[k] = v;
    opts.cwd = dir.string();
    opts.stderr_file = (dir / "err.txt").string();
    std::vector<std::string> argv = {"strace",
                                     "-f",
                                     "-v",
                                     "-s",
                                     "4096",
                                     "-qq",
                                     "-e",
                                     "trace=execve",
                                     "-e",
                                     "signal=none",
                                     "-o",
                                     "trace.txt",
                                     "/usr/bin/pg_dump"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--version");
    const pds::test::RunResult r = pds::test::run(argv, opts);
    INFO(r.error);
    REQUIRE(r.error.empty());
    const std::string trace = pds::test::read_file_or_empty(dir / "trace.txt");
    Observed o;
    std::ifstream err((dir / "err.txt").string());
    std::string line;
    while (std::getline(err, line))
        if (line.rfind("Error: ", 0) == 0)
            o.error = line.substr(7);
    std::istringstream lines(trace);
    const std::string marker = "execve(\"/usr/lib/postgresql/";
    while (std::getline(lines, line)) {
        const std::size_t at = line.find(marker);
        if (at == std::string::npos)
            continue;
        o.program = line.substr(at + 8, line.find('"', at + 8) - at - 8);
        std::size_t pos = line.find(", [", at) + 3;
        o.argv = strace_strings(line, pos);
        o.argv.erase(o.argv.begin());
        pos = line.find("], [", pos) + 4;
        for (const std::string& kv : strace_strings(line, pos))
            if (kv.rfind("PG", 0) == 0 && kv.rfind("PG_CLUSTER_CONF_ROOT", 0) != 0)
                o.pg_env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    return o;
}

Observed ours(const Vars& env, const std::vector<std::string>& args) {
    pds::exec::WrapperRoots roots;
    roots.getenv = [&env](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    };
    std::vector<std::string> argv = args;
    argv.push_back("--version"); // as real_wrapper() runs it
    const pds::exec::WrapperChoice c = pds::exec::resolve_pg_wrapper(argv, roots);
    Observed o;
    o.error = c.error;
    if (!c.error.empty())
        return o;
    o.program = c.bindir + "/pg_dump";
    for (std::size_t i = 0; i < argv.size(); ++i)
        if (std::find(c.removed.begin(), c.removed.end(), i) == c.removed.end())
            o.argv.push_back(argv[i]);
    Vars all = env;
    for (const std::string& n : c.unset_env)
        all.erase(n);
    for (const std::string& kv : c.env)
        all[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    for (const auto& [k, v] : all)
        if (k.rfind("PG", 0) == 0 && k != "PG_CLUSTER_CONF_ROOT")
            o.pg_env[k] = v;
    return o;
}

} // namespace

TEST_CASE("pg_wrapper's choice of version and environment is the real pg_wrapper's",
          "[pg_wrapper]") {
    REQUIRE(::access(kWrapper, X_OK) == 0);
    REQUIRE(::system("command -v strace >/dev/null") == 0);
    REQUIRE(::access("/usr/lib/postgresql/15/bin/pg_dump", X_OK) == 0);
    const fs::path dir = fs::temp_directory_path() / fs::unique_path("pds-pgwrapper-%%%%%%%%");
    const fs::path conf = dir / "conf", common = dir / "common", home = dir / "home";
    const fs::path data = dir / "data";
    fs::create_directories(data);
    fs::create_directories(home);
    put(conf / "15/main/postgresql.conf",
        "port = 5432\t\t# default\nunix_socket_directories = '/var/run/postgresql'\n"
        "data_directory = '" +
            (dir / "nodata").string() + "'\n");
    put(conf / "15/other/postgresql.conf",
        "# other\nport = 5433\nunix_socket_directories = '/tmp/pds-sock, /elsewhere'\n");
    put(conf / "15/inc/postgresql.conf",
        "include = 'port.conf'\ndata_directory = '" + data.string() + "'\n");
    put(conf / "15/inc/port.conf", "port=5440\n");
    put(conf / "15/dirinc/postgresql.conf",
        "include_dir 'conf.d'\nunix_socket_directories = 'it''s'\n");
    put(conf / "15/dirinc/conf.d/a.conf", "port = 5441\n");
    put(conf / "15/dirinc/conf.d/b.conf", "port = 5442\n");
    const Vars base = {{"PG_CLUSTER_CONF_ROOT", conf.string()},
                       {"PGSYSCONFDIR", common.string()},
                       {"HOME", home.string()}};
    auto with = [&](Vars extra) {
        Vars v = base;
        for (const auto& [k, val] : extra)
            v[k] = val;
        return v;
    };
    using Args = std::vector<std::string>;
    const std::vector<std::pair<Vars, Args>> cases = {
        {base, {"--cluster", "15/main", "-Fc"}},
        {base, {"-Fc", "--cluster=15/other", "app"}},
        {with({{"PGCLUSTER", "15/other"}}), {"-Fc"}},
        {with({{"PGCLUSTER", "15/other"}, {"PGHOST", "/h"}}), {}},
        {with({{"PGCLUSTER", "15/other"}}), {"-h", "x", "app"}},
        {base, {"-h", "x", "--cluster", "15/other"}},
        {base, {"-p", "5433"}},
        {base, {"-p5440", "app"}},
        {base, {"--port=5442"}},
        {base, {"--port", "5441"}},
        {with({{"PGPORT", "5433"}}), {}},
        {base, {"-Fp", "-f", "x.sql"}}, // pg_wrapper reads -Fp as -p with the value "-f"
        {base, {"--cluster", "15/db.example.com:6000"}},
        {base, {"--cluster", "15/remote:"}},
        {base, {}},
        {base, {"--", "--cluster", "15/other"}},
        {base, {"service=x"}},
        {base, {"--cluster", "15/nosuch"}},
        {base, {"--cluster", "14/main"}},
        {base, {"--cluster", "15"}},
        {base, {"--cluster"}},
        {with({{"PGCLUSTER", "99/x"}}), {}},
    };
    for (const auto& [env, args] : cases) {
        std::string shown;
        for (const auto& [k, v] : env)
            if (base.count(k) == 0)
                shown += k + "=" + v + " ";
        for (const std::string& a : args)
            shown += a + " ";
        INFO(shown);
        const Observed real = real_wrapper(dir, env, args);
        const Observed mine = ours(env, args);
        CHECK(mine.error == real.error);
        CHECK(mine.program == real.program);
        CHECK(mine.pg_env == real.pg_env);
        CHECK(mine.argv == real.argv);
    }
    // user_clusters picks the cluster and database when nothing else does.
    put(common / "user_clusters", "# user group version cluster database\n* * 15 other appdb\n");
    for (const Args& args : {Args{}, Args{"-Fc", "app"}, Args{"-p", "5432"}}) {
        const Observed real = real_wrapper(dir, base, args);
        const Observed mine = ours(base, args);
        CHECK(mine.error == real.error);
        CHECK(mine.program == real.program);
        CHECK(mine.pg_env == real.pg_env);
    }
    // ~/.postgresqlrc comes first.
    put(home / ".postgresqlrc", "15 inc *\n");
    const Observed real = real_wrapper(dir, base, {});
    const Observed mine = ours(base, {});
    CHECK(mine.pg_env == real.pg_env);
    CHECK(mine.pg_env.at("PGPORT") == "5440");
    fs::remove_all(dir);
}
