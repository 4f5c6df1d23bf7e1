#include "drill_support.hpp"

#include <algorithm>
#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <dirent.h>

namespace fs = boost::filesystem;

namespace pdstest {

std::string audit_bin() {
    return PDS_AUDIT_BINARY;
}

std::string cluster_port(const Env& env, int offset) {
    return std::to_string(std::stoi(env.at("PGPORT")) + offset);
}

std::string drill_command(const Env& env, int port_offset, const std::string& args) {
    return q(audit_bin()) + " --restore-test --cluster-port=" + cluster_port(env, port_offset) +
           " " + args;
}

std::string fresh_tmp_dir(const std::string& name) {
    const std::string p = "/tmp/" + name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

void create_database(const Env& env, const std::string& db, const std::string& sql) {
    const std::string psql = q(pg_bindir() + "/psql") + " -X -q -v ON_ERROR_STOP=1 ";
    Result r = sh(psql + "-d postgres -c " + q("DROP DATABASE IF EXISTS " + db) + " -c " +
                      q("CREATE DATABASE " + db),
                  env);
    INFO(r.err);
    REQUIRE(r.status == 0);
    r = sh(psql + "-d " + db + " -c " + q(sql), env);
    INFO(r.err);
    REQUIRE(r.status == 0);
}

void dump_database(const Env& env, const std::string& flags, const std::string& out,
                   const std::string& db) {
    const Result r =
        sh(q(pg_bindir() + "/pg_dump") + " " + flags + " -f " + q(out) + " " + db, env);
    INFO(r.err);
    REQUIRE(r.status == 0);
}

std::vector<std::string> entries_starting(const std::string& dir, const std::string& prefix) {
    std::vector<std::string> out;
    for (fs::directory_iterator it(dir), end; it != end; ++it)
        if (it->path().filename().string().compare(0, prefix.size(), prefix) == 0)
            out.push_back(it->path().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> processes_mentioning(const std::string& needle) {
    std::vector<std::string> found;
    DIR* d = ::opendir("/proc");
    if (!d)
        return found;
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        std::string cmd = read_file(std::string("/proc/") + e->d_name + "/cmdline");
        for (auto& c : cmd)
            if (c == '\0')
                c = ' ';
        if (cmd.find(needle) != std::string::npos)
            found.push_back(std::string(e->d_name) + ": " + cmd);
    }
    ::closedir(d);
    return found;
}

} // namespace pdstest
