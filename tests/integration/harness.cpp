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
extern char** environ;

namespace pdstest {

std::string wrapper() {
    return PDS_WRAPPER;
}
std::string pg_bindir() {
    return PDS_PG_BINDIR;
}

Env server_env(const std::string& name) {
    std::string path = std::string(PDS_PGTEST_ROOT) + "/" + name + "/env";
    std::ifstream in(path);
    if (!in)
        FAIL("test server '" << name << "' is not running: " << path
                             << " missing (its CTest fixture failed or was not run)");
    Env env;
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos)
            env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
}

std::string workdir(const std::string& name) {
    fs::path p = fs::path(PDS_BINARY_DIR) / "test-work" / name;
    fs::remove_all(p);
    fs::create_directories(p);
    return p.string();
}

namespace {

std::vector<std::string> build_env(const Env& extra) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string s(*e);
        auto eq = s.find('=');
        env[s.substr(0, eq)] = s.substr(eq + 1);
    }
    env.erase("PG_DUMP_SAFE_DEPTH");
    env["PATH"] = pg_bindir() + ":" + (env.count("PATH") ? env["PATH"] : "/usr/bin:/bin");
    for (const auto& [k, v] : extra)
        env[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : env)
        out.push_back(k + "=" + v);
    return out;
}

pid_t spawn(const std::string& script, const Env& env, int out_fd, int err_fd,
            const std::string& cwd) {
    std::vector<std::string> envs = build_env(env);
    std::vector<char*> envp;
    for (auto& e : envs)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0); // its own process group, so a test can signal the whole pipeline
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
            ::_exit(126);
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        const char* argv[] = {"sh", "-c", script.c_str(), nullptr};
        ::execve("/bin/sh", const_cast<char**>(argv), envp.data());
        ::_exit(127);
    }
    return pid;
}

} // namespace

int wait_status(pid_t pid) {
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Result sh(const std::string& script, const Env& env, const std::string& cwd) {
    std::string base = (fs::temp_directory_path() / fs::unique_path("pdstest-%%%%%%%%")).string();
    int out = ::open((base + ".out").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    int err = ::open((base + ".err").c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    pid_t pid = spawn(script, env, out, err, cwd);
    ::close(out);
    ::close(err);
    Result r;
    r.status = wait_status(pid);
    r.out = read_file(base + ".out");
    r.err = read_file(base + ".err");
    ::unlink((base + ".out").c_str());
    ::unlink((base + ".err").c_str());
    return r;
}

pid_t spawn_sh(const std::string& script, const Env& env, const std::string& out_file,
               const std::string& err_file, const std::string& cwd) {
    int out = ::open(out_file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_file.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
    pid_t pid = spawn(script, env, out, err, cwd);
    ::close(out);
    ::close(err);
    return pid;
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

std::string q(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
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

} // namespace pdstest
