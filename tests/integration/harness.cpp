#include "harness.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pdstest {

std::string wrapper() {
    return PDS_WRAPPER;
}
std::string pg_bindir() {
    return PDS_PG_BINDIR;
}

std::string workdir(const std::string& name) {
    fs::path p = fs::path(PDS_BINARY_DIR) / "test-work" / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p.string();
}

pds::test::RunOptions sh_options(const Env& env, const std::string& cwd) {
    pds::test::RunOptions o;
    o.unset = {"PG_DUMP_SAFE_DEPTH"};
    const char* path = std::getenv("PATH");
    o.env["PATH"] = pg_bindir() + ":" + (path ? path : "/usr/bin:/bin");
    for (const auto& [k, v] : env)
        o.env[k] = v;
    o.cwd = cwd;
    o.detach = pds::test::RunOptions::Detach::Group; // a test can signal the whole pipeline
    return o;
}

Result sh(const std::string& script, const Env& env, const std::string& cwd) {
    Result r = pds::test::run_sh(script, sh_options(env, cwd));
    if (!r.error.empty())
        FAIL(r.error);
    return r;
}

int sh_merged(const std::string& script, std::string& out) {
    pds::test::RunOptions o;
    o.stderr_to_stdout = true;
    const Result r = pds::test::run_sh(script, o);
    if (!r.error.empty())
        FAIL(r.error);
    out = r.out;
    return r.status;
}

pid_t spawn_sh(const std::string& script, const Env& env, const std::string& out_file,
               const std::string& err_file, const std::string& cwd) {
    pds::test::RunOptions o = sh_options(env, cwd);
    o.stdout_file = out_file;
    o.stderr_file = err_file;
    return pds::test::spawn({"/bin/sh", "-c", script}, o);
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (cond())
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return cond();
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

long long file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

std::vector<std::string> lines_with(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0)
            out.push_back(line);
    return out;
}

std::map<std::string, std::string> fields(const std::string& line) {
    std::map<std::string, std::string> f;
    size_t i = line.find(' ', line.find(']') + 2); // after "[backup] WORD"
    while (i != std::string::npos && i < line.size()) {
        while (i < line.size() && line[i] == ' ')
            ++i;
        size_t eq = line.find('=', i);
        if (eq == std::string::npos)
            break;
        std::string key = line.substr(i, eq - i), val;
        i = eq + 1;
        if (i < line.size() && line[i] == '"') {
            for (++i; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] != '\\') {
                    val += line[i];
                    continue;
                }
                char c = line[++i];
                if (c == 'n')
                    val += '\n';
                else if (c == 't')
                    val += '\t';
                else if (c == 'r')
                    val += '\r';
                else if (c == 'x') {
                    val += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
                    i += 2;
                } else
                    val += c;
            }
            ++i;
        } else {
            size_t end = line.find(' ', i);
            val = line.substr(i, end == std::string::npos ? std::string::npos : end - i);
            i = end;
        }
        f[key] = val;
    }
    return f;
}

std::map<std::string, std::string> the_failed_line(const Result& r) {
    auto lines = lines_with(r.err, "[backup] FAILED ");
    INFO(r.err);
    REQUIRE(lines.size() == 1);
    return fields(lines[0]);
}

std::string fake_pg_dump_cutting(const std::string& path, const std::string& partial) {
    write_file(path, "#!/bin/sh\n"
                     "case \"$1\" in --version|-V) exec " +
                         pg_bindir() + "/pg_dump \"$@\";; esac\n" + pg_bindir() +
                         "/pg_dump \"$@\" || exit $?\n"
                         "f=" +
                         q(partial) +
                         "\n"
                         "size=$(stat -c %s \"$f\"); truncate -s $((size - 5000)) \"$f\"\n");
    sh("chmod +x " + q(path));
    return path;
}

pid_t descendant_named(pid_t root, const std::string& comm) {
    DIR* d = ::opendir("/proc");
    if (!d)
        return 0;
    std::map<pid_t, std::vector<pid_t>> kids;
    std::map<pid_t, std::string> names;
    while (dirent* e = ::readdir(d)) {
        pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
        if (pid <= 0)
            continue;
        std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
        auto open = stat.find('('), close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos)
            continue;
        names[pid] = stat.substr(open + 1, close - open - 1);
        std::istringstream rest(stat.substr(close + 2));
        char state;
        pid_t ppid = 0;
        rest >> state >> ppid;
        kids[ppid].push_back(pid);
    }
    ::closedir(d);
    std::vector<pid_t> stack = {root};
    while (!stack.empty()) {
        pid_t p = stack.back();
        stack.pop_back();
        for (pid_t k : kids[p]) {
            if (names[k] == comm)
                return k;
            stack.push_back(k);
        }
    }
    return 0;
}

// pg_dump's plain output varies between runs only in the \restrict key lines.
std::string without_restrict_keys(const std::string& text) {
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        std::string line =
            text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
        if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0)
            out += line;
        start = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

} // namespace pdstest
