#include "support.hpp"

#include "audit/cli.hpp"

#include <boost/filesystem.hpp>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pds::audit::test {
namespace {

std::string sys_error(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

// To the descriptor itself: Catch2 may have redirected std::cout.
void write_fd(int fd, const std::string& s) {
    for (std::size_t off = 0; off < s.size();) {
        const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
        if (n <= 0)
            return;
        off += static_cast<std::size_t>(n);
    }
}

} // namespace

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
    pds::test::RunOptions o;
    o.user = "nobody";
    Run r = pds::test::run_forked(
        [&args] {
            ::setenv("HOME", "/nonexistent", 1);
            std::ostringstream out, err;
            const int status = run_cli(args, out, err, false);
            write_fd(1, out.str());
            write_fd(2, err.str());
            return status;
        },
        o);
    if (!r.error.empty())
        FAIL(r.error);
    if (r.status == 125 && r.err.find("cannot switch to user") != std::string::npos)
        FAIL("could not switch to user nobody: " << r.err);
    return r;
}

Run shell(const std::string& command) {
    pds::test::RunOptions o;
    o.stderr_inherit = true;
    Run r = pds::test::run_sh(command, o);
    if (!r.error.empty())
        FAIL(r.error);
    return r;
}

Run run_binary(const std::vector<std::string>& args, const pds::test::EnvMap& env,
               const std::vector<std::string>& unset) {
    struct stat st;
    if (::stat(PDS_AUDIT_BINARY, &st) != 0)
        FAIL("the executable " PDS_AUDIT_BINARY " is not built (" << std::strerror(errno) << ")");
    std::vector<std::string> argv = {PDS_AUDIT_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    pds::test::RunOptions o;
    o.env = env;
    o.unset = unset;
    Run r = pds::test::run(argv, o);
    if (!r.error.empty())
        FAIL(r.error);
    return r;
}

namespace {

// A shell command line with the s15 test server's environment, stderr into stdout; REQUIREs
// success.
void run_with_server(const std::string& cmd) {
    pds::test::RunOptions o;
    o.env = pds::test::server_env("s15");
    o.stderr_to_stdout = true;
    Run r = pds::test::run_sh(cmd, o);
    INFO(cmd << "\n" << r.out << r.error);
    REQUIRE(r.status == 0);
}

std::string pg_program(const char* name) {
    return shell_quote(std::string(PDS_PG_BINDIR) + "/" + name);
}

} // namespace

void pg_dumpall_globals(const std::string& out) {
    run_with_server(pg_program("pg_dumpall") + " -U postgres -g -f " + shell_quote(out));
}

void pg_dump(const std::string& format, const std::string& out, const std::string& extra) {
    run_with_server(pg_program("pg_dump") + " -U postgres -d app -F" + format + " " + extra +
                    " -f " + shell_quote(out));
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
