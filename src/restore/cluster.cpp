#include "restore/cluster.hpp"

#include "exec/child.hpp"
#include "exec/locate.hpp"
#include "posix/remove_tree.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::restore {
namespace {

bool executable(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::string tail_of_file(const std::string& path, std::size_t max = 2000) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (s.size() > max)
        s = "..." + s.substr(s.size() - max);
    return s;
}

int open_log(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        throw std::runtime_error("cannot create '" + path + "': " + std::strerror(errno));
    return fd;
}

} // namespace

Bindir probe_bindir(const std::string& dir) {
    Bindir b;
    b.dir = dir;
    for (const char* p : {"initdb", "postgres", "pg_restore", "psql"})
        if (!executable(dir + "/" + p))
            return b;
    std::string out;
    if (!exec::capture_stdout(dir + "/postgres", {dir + "/postgres", "--version"}, out))
        return b;
    static const std::regex re("\\(PostgreSQL\\) ([0-9]+)(\\.[0-9]+)?");
    std::smatch m;
    if (!std::regex_search(out, m, re))
        return b;
    b.major = std::stoi(m[1]);
    b.version = m[1].str() + m[2].str();
    return b;
}

Bindir find_bindir(const std::string& explicit_dir, int min_major) {
    if (!explicit_dir.empty()) {
        Bindir b = probe_bindir(explicit_dir);
        if (b.major == 0)
            throw std::runtime_error("--pg-bindir " + explicit_dir +
                                     ": needs initdb, postgres, pg_restore and psql that run");
        if (b.major < min_major)
            throw std::runtime_error("--pg-bindir " + explicit_dir + " holds PostgreSQL " +
                                     b.version + ", older than the dump's server (" +
                                     std::to_string(min_major) + ")");
        return b;
    }
    std::vector<std::string> dirs;
    if (const char* path = std::getenv("PATH")) {
        std::stringstream ss(path);
        std::string d;
        while (std::getline(ss, d, ':'))
            if (!d.empty())
                dirs.push_back(d);
    }
    for (const char* pattern : {"/usr/lib/postgresql", "/usr/local/pgsql"}) {
        boost::system::error_code ec;
        if (std::string(pattern) == "/usr/local/pgsql") {
            dirs.push_back("/usr/local/pgsql/bin");
            continue;
        }
        for (fs::directory_iterator it(pattern, ec), end; !ec && it != end; it.increment(ec))
            dirs.push_back((it->path() / "bin").string());
    }
    boost::system::error_code ec;
    for (fs::directory_iterator it("/usr", ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename().string().compare(0, 6, "pgsql-") == 0)
            dirs.push_back((it->path() / "bin").string());
    Bindir best;
    std::string seen;
    for (const auto& d : dirs) {
        Bindir b = probe_bindir(d);
        if (b.major == 0)
            continue;
        seen += " " + b.dir + " (" + b.version + ")";
        if (b.major < min_major)
            continue;
        const bool better =
            best.major == 0 || (min_major > 0 ? b.major < best.major : b.major > best.major);
        if (better)
            best = b;
    }
    if (best.major == 0)
        throw std::runtime_error(
            "no PostgreSQL server installation " +
            (min_major > 0 ? "of major version " + std::to_string(min_major) + " or newer "
                           : std::string()) +
            "found (initdb, postgres, pg_restore and psql in one directory; looked in $PATH, "
            "/usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, /usr/local/pgsql/bin" +
            (seen.empty() ? std::string() : "; found" + seen) + "); use --pg-bindir=DIR");
    return best;
}

std::string make_private_dir(const std::string& parent, const std::string& prefix,
                             const RunAs& as) {
    std::string tmpl = parent + "/" + prefix + "XXXXXX";
    if (!::mkdtemp(&tmpl[0]))
        throw std::runtime_error("cannot create a temporary directory in '" + parent +
                                 "': " + std::strerror(errno));
    if (as.switch_user && ::chown(tmpl.c_str(), as.uid, as.gid) != 0) {
        const int e = errno;
        ::rmdir(tmpl.c_str());
        throw std::runtime_error("cannot hand '" + tmpl + "' to user " + as.user + ": " +
                                 std::strerror(e));
    }
    return tmpl;
}

void remove_scratch_tree(const std::string& path) noexcept {
    // fd-relative (openat/unlinkat, links never followed): the tree is writable by the
    // server's user, who must not be able to redirect our removal elsewhere.
    try {
        posix::remove_tree(path);
    } catch (...) {
    }
}

ThrowawayCluster::ThrowawayCluster(const Bindir& bin, const ClusterSettings& settings)
    : bin_(bin), settings_(settings), as_(server_user()) {}

ThrowawayCluster::~ThrowawayCluster() {
    stop_and_remove();
}

std::string ThrowawayCluster::log_tail() const {
    return root_.empty() ? std::string() : tail_of_file(root_ + "/server.log");
}

void ThrowawayCluster::start() {
    root_ = make_private_dir(settings_.work_dir, ".pg_dump-safe-restore-test.", as_);
    socket_dir_ = root_;
    // A unix socket path has room for 107 bytes; ".s.PGSQL.NNNNN" needs 15 of them.
    if (socket_dir_.size() > 90) {
        extra_socket_root_ = make_private_dir("/tmp", "pds-restore-sock.", as_);
        socket_dir_ = extra_socket_root_;
    }
    const std::string data = root_ + "/data";
    {
        std::vector<std::string> argv = {
            bin_.program("initdb"), "-D",       data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
            "--locale=C",           "--no-sync"};
        if (bin_.major >= 14)
            argv.push_back("--no-instructions");
        const int log = open_log(root_ + "/initdb.log");
        SpawnSpec spec;
        spec.argv = argv;
        spec.stdout_fd = log;
        spec.as = as_;
        pid_t pid;
        try {
            pid = spawn(spec);
        } catch (...) {
            ::close(log);
            throw;
        }
        ::close(log);
        const int status = wait_for(pid);
        if (exec::interrupted_by())
            return;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw std::runtime_error("initdb of the throwaway cluster in '" + data + "' failed (" +
                                     describe_status(status) + ")" +
                                     (as_.switch_user
                                          ? "; user " + as_.user + " must be able to reach '" +
                                                settings_.work_dir + "' (see --work-dir)"
                                          : std::string()) +
                                     ":\n" + tail_of_file(root_ + "/initdb.log"));
    }
    const int max_conn = settings_.jobs + 10;
    std::vector<std::string> argv = {bin_.program("postgres"), "-D", data};
    const std::vector<std::string> conf = {
        "listen_addresses=", "unix_socket_directories=" + socket_dir_,
        "unix_socket_permissions=0700", "port=" + std::to_string(settings_.port),
        "max_connections=" + std::to_string(max_conn),
        // A scratch restore: nothing here must survive a crash.
        "fsync=off", "synchronous_commit=off", "full_page_writes=off", "wal_level=minimal",
        "max_wal_senders=0", "archive_mode=off", "autovacuum=off", "checkpoint_timeout=1h",
        "max_wal_size=4GB", "maintenance_work_mem=256MB", "logging_collector=off",
        "log_min_messages=warning", "shared_preload_libraries=", "jit=off"};
    for (const auto& c : conf) {
        argv.push_back("-c");
        argv.push_back(c);
    }
    const int log = open_log(root_ + "/server.log");
    SpawnSpec spec;
    spec.argv = argv;
    spec.stdout_fd = log;
    spec.as = as_;
    spec.new_session = true;
    try {
        pid_ = spawn(spec);
    } catch (...) {
        ::close(log);
        throw;
    }
    ::close(log);
    // Ready when postmaster.pid's status line says so (as pg_ctl -w checks).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (;;) {
        if (exec::interrupted_by())
            return;
        int status;
        if (reap(pid_, status)) {
            pid_ = -1;
            throw std::runtime_error("the throwaway PostgreSQL server exited during start-up (" +
                                     describe_status(status) + "):\n" + log_tail());
        }
        std::ifstream pidfile(data + "/postmaster.pid");
        std::string line;
        for (int i = 0; i < 8 && std::getline(pidfile, line); ++i) {
        }
        if (line.compare(0, 5, "ready") == 0)
            return;
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("the throwaway PostgreSQL server did not become ready within "
                                     "120 s:\n" +
                                     log_tail());
        ::usleep(20000);
    }
}

void ThrowawayCluster::stop_and_remove() {
    if (pid_ > 0) {
        // Immediate shutdown: no shutdown checkpoint to write for data we throw away. The
        // postmaster ends its children (SIGKILL after 5 s) before it exits itself.
        ::kill(pid_, SIGQUIT);
        int status;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!reap(pid_, status)) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
                }
                break;
            }
            ::usleep(10000);
        }
        pid_ = -1;
    }
    if (!root_.empty()) {
        remove_scratch_tree(root_);
        root_.clear();
    }
    if (!extra_socket_root_.empty()) {
        remove_scratch_tree(extra_socket_root_);
        extra_socket_root_.clear();
    }
}

} // namespace pds::restore
