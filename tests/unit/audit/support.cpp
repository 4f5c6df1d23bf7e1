#include "support.hpp"

#include "audit/cli.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pds::audit::test {
namespace {

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

std::string read_fd(int fd) {
    std::string s;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        s.append(buf, static_cast<std::size_t>(n));
    }
    return s;
}

} // namespace

TempDir::TempDir() {
    char tmpl[] = "/tmp/pds-audit-test-XXXXXX";
    if (!::mkdtemp(tmpl))
        FAIL(sys_error("mkdtemp", tmpl));
    path_ = tmpl;
    ::chmod(path_.c_str(), 0755); // "nobody" must be able to enter
}

TempDir::~TempDir() {
    if (std::getenv("PDS_KEEP_TEST_DIRS"))
        return;
    // Leave nothing mounted behind before removing.
    std::string cmd = "umount -q " + shell_quote(path_) + "/* 2>/dev/null; chmod -R u+rwx " +
                      shell_quote(path_) + " 2>/dev/null; rm -rf " + shell_quote(path_);
    if (std::system(cmd.c_str()) != 0)
        std::fprintf(stderr, "warning: could not remove %s\n", path_.c_str());
}

void make_dirs(const std::string& path) {
    Run r = shell("mkdir -p " + shell_quote(path));
    if (r.status != 0)
        FAIL("mkdir -p " << path << " failed");
}

void set_mtime(const std::string& path, std::time_t t) {
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    if (::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
        FAIL(sys_error("lutimes", path));
}

void set_tree_mtime(const std::string& root, std::time_t t) {
    namespace fs = boost::filesystem;
    set_mtime(root, t);
    if (!fs::is_directory(fs::symlink_status(root)))
        return;
    for (fs::recursive_directory_iterator it(root), end; it != end; ++it)
        set_mtime(it->path().string(), t);
}

void copy_dump(const std::string& from, const std::string& to) {
    Run r = shell("cp -a " + shell_quote(from) + " " + shell_quote(to));
    if (r.status != 0)
        FAIL("cp -a " << from << " " << to << " failed");
}

void truncate_file(const std::string& path, std::uint64_t size) {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0)
        FAIL(sys_error("truncate", path));
}

std::uint64_t file_size(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        FAIL(sys_error("stat", path));
    return static_cast<std::uint64_t>(st.st_size);
}

Run audit(const std::vector<std::string>& args, bool terminal) {
    std::ostringstream out, err;
    Run r;
    r.status = run_cli(args, out, err, terminal);
    r.out = out.str();
    r.err = err.str();
    return r;
}

Run audit_as_nobody(const std::vector<std::string>& args) {
    struct passwd* pw = ::getpwnam("nobody");
    if (!pw)
        FAIL("no user 'nobody' to run the audit as");
    int out_pipe[2], err_pipe[2], status_pipe[2];
    REQUIRE(::pipe(out_pipe) == 0);
    REQUIRE(::pipe(err_pipe) == 0);
    REQUIRE(::pipe(status_pipe) == 0);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
            ::setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
            ::_exit(99);
        ::setenv("HOME", "/nonexistent", 1);
        std::ostringstream out, err;
        int status = run_cli(args, out, err, false);
        std::string o = out.str(), e = err.str();
        ssize_t ignored = ::write(out_pipe[1], o.data(), o.size());
        ignored = ::write(err_pipe[1], e.data(), e.size());
        ignored = ::write(status_pipe[1], &status, sizeof status);
        (void)ignored;
        ::_exit(0);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(status_pipe[1]);
    Run r;
    r.out = read_fd(out_pipe[0]);
    r.err = read_fd(err_pipe[0]);
    std::string st = read_fd(status_pipe[0]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ::close(status_pipe[0]);
    int wstatus = 0;
    ::waitpid(pid, &wstatus, 0);
    REQUIRE(WIFEXITED(wstatus));
    if (WEXITSTATUS(wstatus) == 99)
        FAIL("could not switch to user nobody");
    REQUIRE(st.size() == sizeof(int));
    std::memcpy(&r.status, st.data(), sizeof(int));
    return r;
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'')
            q += "'\\''";
        else
            q += c;
    }
    return q + "'";
}

Run shell(const std::string& command) {
    Run r;
    std::fflush(nullptr);
    FILE* p = ::popen(command.c_str(), "r");
    if (!p)
        FAIL(sys_error("popen", command));
    r.out = read_fd(::fileno(p));
    int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

Run run_binary(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    struct stat st;
    if (::stat(PDS_AUDIT_BINARY, &st) != 0)
        FAIL("the executable " PDS_AUDIT_BINARY " is not built (" << std::strerror(errno) << ")");
    std::string cmd = "env";
    for (const auto& e : env)
        cmd += " " + shell_quote(e);
    cmd += " " + shell_quote(PDS_AUDIT_BINARY);
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    TempDir tmp;
    cmd += " 2>" + shell_quote(tmp / "stderr");
    Run r = shell(cmd);
    r.err = read_file(tmp / "stderr");
    return r;
}

namespace {
std::string server_env() {
    const std::string env_file = std::string(PDS_PGTEST_ROOT) + "/s15/env";
    std::ifstream in(env_file);
    if (!in)
        FAIL("test server environment " << env_file << " missing: is the pg15 fixture running?");
    std::string line, env;
    while (std::getline(in, line))
        if (!line.empty())
            env += shell_quote(line) + " ";
    return env;
}
} // namespace

void pg_dumpall_globals(const std::string& out) {
    const std::string cmd = "env " + server_env() +
                            shell_quote(std::string(PDS_PG_BINDIR) + "/pg_dumpall") +
                            " -U postgres -g -f " + shell_quote(out) + " 2>&1";
    Run r = shell(cmd);
    INFO(cmd << "\n" << r.out);
    REQUIRE(r.status == 0);
}

void pg_dump(const std::string& format, const std::string& out, const std::string& extra) {
    const std::string env_file = std::string(PDS_PGTEST_ROOT) + "/s15/env";
    std::ifstream in(env_file);
    if (!in)
        FAIL("test server environment " << env_file << " missing: is the pg15 fixture running?");
    std::string line, env;
    while (std::getline(in, line))
        if (!line.empty())
            env += shell_quote(line) + " ";
    const std::string cmd = "env " + env + shell_quote(std::string(PDS_PG_BINDIR) + "/pg_dump") +
                            " -U postgres -d app -F" + format + " " + extra + " -f " +
                            shell_quote(out) + " 2>&1";
    Run r = shell(cmd);
    INFO(cmd << "\n" << r.out);
    REQUIRE(r.status == 0);
}

JsonValue strict_json(const std::string& text) {
    TempDir tmp;
    write_file(tmp / "doc.json", text);
    const char* script = "import json,sys\n"
                         "def no_dup(pairs):\n"
                         "    keys=[k for k,_ in pairs]\n"
                         "    assert len(keys)==len(set(keys)), 'duplicate key'\n"
                         "    return dict(pairs)\n"
                         "def no_const(c): raise ValueError('non-standard constant '+c)\n"
                         "data=open(sys.argv[1],'rb').read()\n"
                         "json.loads(data.decode('utf-8', 'strict'), object_pairs_hook=no_dup,"
                         " parse_constant=no_const)\n";
    write_file(tmp / "check.py", script);
    Run r = shell("python3 " + shell_quote(tmp / "check.py") + " " + shell_quote(tmp / "doc.json") +
                  " 2>&1");
    INFO("python3 json check: " << r.out);
    REQUIRE(r.status == 0);
    return parse_json_strict(text);
}

std::time_t now() {
    return std::time(nullptr);
}

} // namespace pds::audit::test
