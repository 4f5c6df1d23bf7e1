#include "restore/cluster.hpp"

#include "exec/child.hpp"
#include "exec/locate.hpp"
#include "layout/layout.hpp"
#include "posix/lock.hpp"
#include "posix/open.hpp"
#include "posix/remove_tree.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::restore {
namespace {

// The logs are written by the server's user: read without following a link or blocking on a
// FIFO that user could put there.
std::string tail_of_file(const std::string& path, std::size_t max = 2000) {
    std::string s = posix::read_tail_or_empty(path, max + 1);
    if (s.size() > max)
        s = "..." + s.substr(s.size() - max);
    return s;
}

int open_log(const std::string& path) {
    posix::Fd fd = posix::try_open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (!fd)
        throw std::runtime_error("cannot create '" + path + "': " + std::strerror(errno));
    return fd.release();
}

} // namespace

Bindir probe_bindir(const std::string& dir) {
    Bindir b;
    b.dir = dir;
    for (const char* p : {"initdb", "postgres", "pg_restore", "psql"})
        if (!exec::is_executable_file(dir + "/" + p))
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

PrivateDir make_private_dir(const std::string& parent, const std::string& prefix, const RunAs& as) {
    for (int attempt = 0;; ++attempt) {
        std::string tmpl = parent + "/" + prefix + "XXXXXX";
        if (!::mkdtemp(&tmpl[0]))
            throw std::runtime_error("cannot create a temporary directory in '" + parent +
                                     "': " + std::strerror(errno));
        PrivateDir d{tmpl, {}};
        try {
            d.lock = posix::open_directory(tmpl);
            // A sweep of another drill may hold it for the moment it takes to see that it is
            // empty and remove it: wait for that, then check it is still there.
            if (!posix::flock_bounded(d.lock.get(), LOCK_EX, std::chrono::seconds(10), tmpl))
                throw posix::Error("could not lock", tmpl, EWOULDBLOCK);
        } catch (const posix::Error& e) {
            ::rmdir(tmpl.c_str());
            throw std::runtime_error(std::string("cannot hold the work directory: ") + e.what());
        }
        struct stat st {};
        if (::fstat(d.lock.get(), &st) == 0 && st.st_nlink == 0) {
            if (attempt < 10)
                continue; // removed by a sweep before we held it
            throw std::runtime_error("cannot keep a work directory in '" + parent +
                                     "': removed as soon as created, 10 times");
        }
        if (as.switch_user && ::chown(tmpl.c_str(), as.uid, as.gid) != 0) {
            const int e = errno;
            ::rmdir(tmpl.c_str());
            throw std::runtime_error("cannot hand '" + tmpl + "' to user " + as.user + ": " +
                                     std::strerror(e));
        }
        return d;
    }
}

namespace {

// A postmaster a killed drill left running in `data`: its pid from postmaster.pid, and only if
// that process's working directory is `data` itself (the file is the server user's to write:
// never signal a pid it merely names), and run by the data directory's owner. Stopped with
// SIGQUIT (immediate shutdown), SIGKILL after 10 s.
void stop_leftover_server(const std::string& data) {
    struct stat dst {};
    if (::lstat(data.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode))
        return;
    const std::string text = posix::read_tail_or_empty(data + "/postmaster.pid", 4096);
    pid_t pid = 0;
    try {
        pid = static_cast<pid_t>(std::stol(text));
    } catch (...) {
        return;
    }
    if (pid <= 1)
        return;
    const std::string proc = "/proc/" + std::to_string(pid);
    auto running_here = [&] {
        struct stat cwd {
        }, owner{};
        if (::stat((proc + "/cwd").c_str(), &cwd) != 0 || cwd.st_dev != dst.st_dev ||
            cwd.st_ino != dst.st_ino || ::stat(proc.c_str(), &owner) != 0 ||
            owner.st_uid != dst.st_uid)
            return false;
        const std::string stat = posix::read_tail_or_empty(proc + "/stat", 4096);
        const auto close = stat.rfind(')');
        return !(close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z');
    };
    if (!running_here())
        return;
    ::kill(pid, SIGQUIT);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (running_here()) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::usleep(100000);
            break;
        }
        ::usleep(20000);
    }
}

} // namespace

std::vector<std::string> sweep_stale_work_dirs(const std::string& parent, const RunAs& as) {
    std::vector<std::string> notes;
    posix::Fd dir;
    try {
        dir = posix::open_directory(parent, true);
    } catch (const posix::Error&) {
        return notes; // the drill itself reports an unusable work directory
    }
    std::vector<std::string> names;
    if (DIR* d = ::opendir(parent.c_str())) {
        while (const dirent* e = ::readdir(d))
            if (layout::is_drill_work_dir(e->d_name))
                names.emplace_back(e->d_name);
        ::closedir(d);
    }
    for (const auto& name : names) {
        const std::string path = parent + "/" + name;
        struct stat st {};
        if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISDIR(st.st_mode))
            continue;
        const bool ours =
            st.st_uid == ::geteuid() || (::geteuid() == 0 && as.switch_user && st.st_uid == as.uid);
        if (!ours)
            continue; // another user's drill: theirs to clean
        try {
            const posix::Fd held = posix::open_directory_at(dir.get(), name, path);
            if (!posix::flock_bounded(held.get(), LOCK_EX, std::chrono::milliseconds(0), path))
                continue; // a running drill's
            if (name.compare(0, std::strlen(layout::kDrillClusterPrefix),
                             layout::kDrillClusterPrefix) == 0)
                stop_leftover_server(path + "/data");
            posix::remove_tree_at(dir.get(), name, path);
            notes.push_back("removed " + path +
                            ", the work directory of a restore drill that did not finish "
                            "(killed)");
        } catch (const std::exception& e) {
            notes.push_back("could not remove the stale drill work directory " + path + ": " +
                            e.what());
        }
    }
    return notes;
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
    PrivateDir root = make_private_dir(settings_.work_dir, layout::kDrillClusterPrefix, as_);
    root_ = root.path;
    root_lock_ = std::move(root.lock);
    socket_dir_ = root_;
    // A unix socket path has room for 107 bytes; ".s.PGSQL.NNNNN" needs 15 of them.
    if (socket_dir_.size() > 90) {
        PrivateDir sock = make_private_dir("/tmp", layout::kDrillSocketPrefix, as_);
        extra_socket_root_ = sock.path;
        socket_lock_ = std::move(sock.lock);
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
        std::stringstream pidfile(posix::read_tail_or_empty(data + "/postmaster.pid", 4096));
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
    // Removed while still locked: a sweep never sees them half removed and unheld.
    if (!root_.empty()) {
        remove_scratch_tree(root_);
        root_.clear();
        root_lock_ = posix::Fd();
    }
    if (!extra_socket_root_.empty()) {
        remove_scratch_tree(extra_socket_root_);
        extra_socket_root_.clear();
        socket_lock_ = posix::Fd();
    }
}

} // namespace pds::restore
