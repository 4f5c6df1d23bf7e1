#include "restore/drill.hpp"

#include "exec/child.hpp"
#include "layout/layout.hpp"
#include "posix/fd.hpp"
#include "posix/open.hpp"
#include "restore/cluster.hpp"
#include "restore/plain_text.hpp"
#include "restore/process.hpp"
#include "verify/decompress.hpp"

#include <boost/filesystem.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace fs = boost::filesystem;

namespace pds::restore {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// The drill cannot go on; the message says why. DumpFailure: the dump is at fault.
struct DrillError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct DumpFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct Interrupted {};

void check_interrupted() {
    if (exec::interrupted_by())
        throw Interrupted{};
}

// Our own logs and query output, in the drill's private directory: "" when unreadable.
std::string read_file(const std::string& path) {
    return posix::read_tail_or_empty(path, 64u << 20);
}

// The last lines of a log that carry the reason ("ERROR:", "error:"), at most ~1500 bytes.
std::string log_excerpt(const std::string& path) {
    std::string s = read_file(path);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    if (s.size() > 1500)
        s = "..." + s.substr(s.size() - 1500);
    return s;
}

using posix::Fd;

int create_log(const std::string& path) {
    Fd fd = posix::try_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (!fd)
        throw DrillError("cannot create '" + path + "': " + std::strerror(errno));
    return fd.release();
}

// Runs a client program (as ourselves), stdout to out_fd (-1: /dev/null), stderr to log.
int run_logged(const std::vector<std::string>& argv, int in_fd, int out_fd,
               const std::string& log) {
    Fd err(create_log(log));
    SpawnSpec spec;
    spec.argv = argv;
    spec.stdin_fd = in_fd;
    spec.stdout_fd = out_fd;
    spec.stderr_fd = err.get();
    const pid_t pid = spawn(spec);
    err = Fd();
    return wait_for(pid);
}

// A query script in the drill's private directory (never through a link).
void write_script(const std::string& file, const std::string& script) {
    try {
        Fd fd = posix::open_nofollow_regular(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix::write_all(fd.get(), script, file);
        fd.close(file);
    } catch (const posix::Error& e) {
        throw DrillError(e.what());
    }
}

bool succeeded(int status) {
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Reads a child's standard output into the scanner. Runs in its own thread beside the
// restore; a signal stops the child through the process group or wait_for.
struct PipeScan {
    SqlScanner scanner;
    int status = 0;
    std::string error;
};

void scan_command(const std::vector<std::string>& argv, const std::string& log, PipeScan& out) {
    try {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) != 0)
            throw DrillError(std::string("cannot create a pipe: ") + std::strerror(errno));
        Fd rd(p[0]), wr(p[1]);
        Fd err(create_log(log));
        SpawnSpec spec;
        spec.argv = argv;
        spec.stdout_fd = wr.get();
        spec.stderr_fd = err.get();
        const pid_t pid = spawn(spec);
        wr = Fd();
        err = Fd();
        std::unique_ptr<char[]> buf(new char[1 << 20]);
        bool scan_failed = false, passed_on = false;
        for (;;) {
            // Polled: the signal may be delivered to another thread than this one.
            if (exec::interrupted_by() && !passed_on) {
                ::kill(pid, SIGTERM);
                passed_on = true;
            }
            struct pollfd pfd {
                rd.get(), POLLIN, 0
            };
            if (::poll(&pfd, 1, 100) == 0)
                continue;
            const ssize_t n = ::read(rd.get(), buf.get(), 1 << 20);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            if (scan_failed)
                continue;
            try {
                out.scanner.feed(buf.get(), static_cast<std::size_t>(n));
            } catch (const ScanError& e) {
                out.error = e.what();
                scan_failed = true;
                ::kill(pid, SIGTERM);
            }
        }
        out.status = wait_for(pid);
        if (!scan_failed && succeeded(out.status)) {
            try {
                out.scanner.finish();
            } catch (const ScanError& e) {
                out.error = e.what();
            }
        } else if (out.error.empty()) {
            out.error = argv[0] + " " + describe_status(out.status) + ":\n" + log_excerpt(log);
        }
    } catch (const std::exception& e) {
        out.error = e.what();
    }
}

// A plain dump's text, decompressed when it is compressed as a whole, to `f`.
void read_plain(const std::string& path, const std::function<void(const char*, std::size_t)>& f) {
    const Fd fd = posix::try_open(path, O_RDONLY);
    if (!fd)
        throw DrillError("cannot open '" + path + "': " + std::strerror(errno));
    std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[1 << 20]);
    PlainText text(f);
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf.get(), 1 << 20);
        if (n < 0 && errno == EINTR) {
            check_interrupted();
            continue;
        }
        if (n < 0)
            throw DrillError("cannot read '" + path + "': " + std::strerror(errno));
        if (n == 0)
            break;
        try {
            text.feed(buf.get(), static_cast<std::size_t>(n));
        } catch (const std::exception& e) {
            if (!text.compressed())
                throw;
            throw DumpFailure(std::string("cannot decompress the plain dump: ") + e.what());
        }
    }
    text.finish();
}

bool compressed_plain(const std::string& path) {
    std::uint8_t b[4] = {};
    const Fd fd = posix::try_open(path, O_RDONLY);
    ssize_t n = -1;
    while (fd && (n = ::read(fd.get(), b, sizeof b)) < 0 && errno == EINTR) {
    }
    return n > 0 && verify::detail::sniff_codec(b, static_cast<std::size_t>(n)) !=
                        verify::detail::Codec::None;
}

int major_of(const std::string& version) {
    try {
        return version.empty() ? 0 : std::stoi(version);
    } catch (...) {
        return 0;
    }
}

std::string sql_literal(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        out += c;
        if (c == '\'')
            out += '\'';
    }
    return out + "'";
}

bool valid_encoding(const std::string& e) {
    if (e.empty() || e.size() > 40)
        return false;
    for (char c : e)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
            return false;
    return true;
}

// Where the restore goes: connection arguments for pg_restore and psql.
struct Target {
    std::vector<std::string> conn; // -h S -p P -U postgres -d DB, or -d DSN
    std::vector<std::string> maintenance;
    bool throwaway = true;
};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// A DSN's dbname (key=value form only) so that a missing target database can be created
// through the same server's "postgres" database.
std::string dsn_dbname(const std::string& dsn) {
    std::stringstream ss(dsn);
    std::string word, name;
    while (ss >> word)
        if (word.compare(0, 7, "dbname=") == 0)
            name = word.substr(7);
    return name;
}

class Drill {
public:
    Drill(const std::string& dump, const DrillOptions& opts, DrillResult& r)
        : dump_(dump), opts_(opts), r_(r) {}

    void run() {
        const auto started = Clock::now();
        struct Finally {
            std::function<void()> f;
            ~Finally() { f(); }
        } total{[&] { r_.total_seconds = seconds_since(started); }};

        const verify::Verdict v = verify::verify_path(dump_, verify::Level::Structure);
        r_.info = v.info;
        if (!v.ok)
            throw DumpFailure("the dump does not verify (structure): " + v.problem);
        const bool plain = v.info.format == verify::ArchiveFormat::Plain;
        const int need =
            std::max(major_of(v.info.server_version), major_of(v.info.pg_dump_version));
        bin_ = find_bindir(opts_.pg_bindir, need);

        scratch_parent_ = opts_.work_dir.empty()
                              ? fs::absolute(fs::path(dump_)).parent_path().string()
                              : opts_.work_dir;
        // What a drill killed by SIGKILL left here (its cluster, still running perhaps).
        {
            const RunAs as = opts_.target_dsn.empty() ? server_user() : RunAs{};
            r_.notes = sweep_stale_work_dirs(scratch_parent_, as);
            for (auto& n : sweep_stale_work_dirs("/tmp", as))
                r_.notes.push_back(std::move(n));
        }
        std::unique_ptr<ThrowawayCluster> cluster;
        Target t;
        if (opts_.target_dsn.empty()) {
            ClusterSettings cs{scratch_parent_, opts_.port, opts_.jobs};
            cluster = std::make_unique<ThrowawayCluster>(bin_, cs);
            r_.target = "throwaway PostgreSQL " + bin_.version + " (" + bin_.dir + ")";
        } else {
            r_.target = "--target-dsn";
            t.throwaway = false;
        }
        // Logs and the query script: in the cluster's directory, or a directory of our own.
        struct Scratch {
            PrivateDir dir;
            ~Scratch() {
                if (!dir.path.empty())
                    remove_scratch_tree(dir.path);
            }
        } scratch;
        scratch.dir = make_private_dir(scratch_parent_, layout::kDrillLogsPrefix, RunAs{});
        logs_ = scratch.dir.path;

        // What the dump holds. An archive's schema first (roles, encoding; cheap), its data
        // beside the restore; a plain dump's text is read once before the restore.
        PipeScan schema, data;
        std::thread data_thread;
        struct Joiner {
            std::thread& t;
            ~Joiner() {
                if (t.joinable())
                    t.join();
            }
        } joiner{data_thread};
        if (plain) {
            read_plain(dump_, [&](const char* p, std::size_t n) {
                check_interrupted();
                data.scanner.feed(p, n);
            });
            data.scanner.finish();
            schema.scanner = data.scanner;
            if (data.scanner.content().creates_database)
                throw DrillError("plain dumps made with --create (CREATE DATABASE and \\connect) "
                                 "are not drilled: dump without --create, or use the custom "
                                 "or directory format");
        } else {
            scan_command({bin_.program("pg_restore"), "--schema-only", "-f", "-", dump_},
                         logs_ + "/schema-scan.log", schema);
            check_interrupted();
            if (!schema.error.empty())
                throw DumpFailure("pg_restore cannot read the dump's schema: " + schema.error);
        }
        const DumpContent& head = schema.scanner.content();

        if (cluster) {
            cluster->start();
            check_interrupted();
            t.conn = {"-h", cluster->socket_dir(),
                      "-p", std::to_string(cluster->port()),
                      "-U", "postgres",
                      "-d", "restore_test"};
            t.maintenance = {"-h", cluster->socket_dir(),
                             "-p", std::to_string(cluster->port()),
                             "-U", "postgres",
                             "-d", "postgres"};
            prepare_throwaway(t, head);
        } else {
            t.conn = {"-d", opts_.target_dsn};
            prepare_target(t);
        }
        check_interrupted();

        if (!plain)
            data_thread = std::thread([&] {
                scan_command({bin_.program("pg_restore"), "--data-only", "-f", "-", dump_},
                             logs_ + "/data-scan.log", data);
            });
        const auto restore_started = Clock::now();
        restore(t, v.info.format);
        r_.restore_seconds = seconds_since(restore_started);
        if (data_thread.joinable())
            data_thread.join();
        check_interrupted();
        if (!data.error.empty())
            throw DumpFailure("pg_restore cannot read the dump's data: " + data.error);
        compare(t, data.scanner.content());
        if (cluster) {
            cluster->stop_and_remove();
        }
    }

private:
    std::vector<std::string> psql(const std::vector<std::string>& conn) const {
        return with({bin_.program("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"}, conn);
    }

    void sql(const std::vector<std::string>& conn, const std::string& script,
             const std::string& what) {
        const std::string file = logs_ + "/" + what + ".sql";
        write_script(file, script);
        const std::string log = logs_ + "/" + what + ".log";
        const int status = run_logged(with(psql(conn), {"-f", file}), -1, -1, log);
        check_interrupted();
        if (!succeeded(status))
            throw DrillError(what + " failed (psql " + describe_status(status) + "):\n" +
                             log_excerpt(log));
    }

    void prepare_throwaway(const Target& t, const DumpContent& head) {
        std::string script;
        // Roles are global objects, outside a pg_dump dump: the ones it names are created
        // (without login) so that ownership and privileges restore as they would for real.
        for (const auto& role : head.roles)
            if (role != "postgres")
                script += "CREATE ROLE " + role + " NOLOGIN;\n";
        const std::string enc =
            valid_encoding(head.client_encoding) ? head.client_encoding : "UTF8";
        script += "CREATE DATABASE restore_test TEMPLATE template0 ENCODING " + sql_literal(enc) +
                  " LC_COLLATE 'C' LC_CTYPE 'C';\n";
        sql(t.maintenance, script, "create-database");
    }

    // An existing server: the database must be empty (or missing: then created), and must
    // not be the one the dump came from.
    void prepare_target(const Target& t) {
        const std::string query =
            "SELECT current_database() || '|' || "
            "((SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_') + "
            "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_') + "
            "(SELECT count(*) FROM pg_type y JOIN pg_namespace n ON n.oid = y.typnamespace "
            "WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' AND y.typrelid = 0 "
            "AND y.typelem = 0) + "
            "(SELECT count(*) FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname NOT IN "
            "('public', 'information_schema')) + "
            "(SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql') + "
            "(SELECT count(*) FROM pg_largeobject_metadata))";
        const std::string out_path = logs_ + "/target-check.out";
        Fd out(create_log(out_path));
        const std::string log = logs_ + "/target-check.log";
        int status =
            run_logged(with({bin_.program("psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"},
                            with(t.conn, {"-c", query})),
                       -1, out.get(), log);
        out = Fd();
        check_interrupted();
        if (!succeeded(status)) {
            const std::string err = read_file(log);
            const std::string name = dsn_dbname(opts_.target_dsn);
            if (err.find("does not exist") != std::string::npos && !name.empty() &&
                qualified_name_length(name) == name.size() && name.find('.') == std::string::npos) {
                refuse_source(name);
                sql({"-d", opts_.target_dsn + " dbname=postgres"},
                    "CREATE DATABASE " + name + ";\n", "create-target-database");
                return;
            }
            throw DrillError("cannot check the target database (psql " + describe_status(status) +
                             "):\n" + log_excerpt(log));
        }
        std::string line = read_file(out_path);
        while (!line.empty() && line.back() == '\n')
            line.pop_back();
        const auto bar = line.rfind('|');
        if (bar == std::string::npos)
            throw DrillError("unexpected answer checking the target database: " + line);
        const std::string db = line.substr(0, bar), count = line.substr(bar + 1);
        refuse_source(db);
        if (count != "0")
            throw DrillError("--target-dsn: database \"" + db + "\" is not empty (" + count +
                             " user objects); the drill restores only into an empty or new "
                             "database, and changed nothing");
    }

    void refuse_source(const std::string& db) {
        if (!r_.info.database.empty() && db == r_.info.database)
            throw DrillError("--target-dsn: database \"" + db +
                             "\" has the name of the database the dump came from; restore "
                             "into a database of another name. Nothing was changed");
    }

    void restore(const Target& t, verify::ArchiveFormat format) {
        std::vector<std::string> argv;
        const std::string log = logs_ + "/restore.log";
        int status;
        if (format == verify::ArchiveFormat::Plain) {
            argv = psql(t.conn);
            if (!compressed_plain(dump_)) {
                status = run_logged(with(argv, {"-f", dump_}), -1, -1, log);
            } else {
                int p[2];
                if (::pipe2(p, O_CLOEXEC) != 0)
                    throw DrillError(std::string("cannot create a pipe: ") + std::strerror(errno));
                Fd rd(p[0]), wr(p[1]);
                std::string feed_error;
                pid_t pid;
                {
                    Fd err(create_log(log));
                    SpawnSpec spec;
                    spec.argv = argv;
                    spec.stdin_fd = rd.get();
                    spec.stderr_fd = err.get();
                    pid = spawn(spec);
                }
                rd = Fd();
                std::thread feeder([&] {
                    try {
                        read_plain(dump_, [&](const char* d, std::size_t n) {
                            while (n > 0) {
                                const ssize_t w = ::write(wr.get(), d, n);
                                if (w < 0 && errno == EINTR)
                                    continue;
                                if (w < 0)
                                    throw DrillError(std::string("feeding psql: ") +
                                                     std::strerror(errno));
                                d += w;
                                n -= static_cast<std::size_t>(w);
                            }
                        });
                    } catch (const std::exception& e) {
                        feed_error = e.what();
                    } catch (const Interrupted&) {
                    }
                    wr = Fd();
                });
                status = wait_for(pid);
                feeder.join();
                if (succeeded(status) && !feed_error.empty())
                    throw DumpFailure(feed_error);
            }
        } else {
            argv = {bin_.program("pg_restore"), "--exit-on-error", "--no-tablespaces"};
            // Parallel restore reads data blocks out of order: custom and directory only.
            if (format != verify::ArchiveFormat::Tar && opts_.jobs > 1)
                argv.push_back("--jobs=" + std::to_string(opts_.jobs));
            if (!t.throwaway) {
                argv.push_back("--no-owner");
                argv.push_back("--no-privileges");
            }
            argv = with(argv, t.conn);
            argv.push_back(dump_);
            status = run_logged(argv, -1, -1, log);
        }
        check_interrupted();
        if (!succeeded(status))
            throw DumpFailure("the restore failed (" + fs::path(argv[0]).filename().string() + " " +
                              describe_status(status) + "):\n" + log_excerpt(log));
    }

    void compare(const Target& t, const DumpContent& c) {
        r_.copy_bytes = c.copy_bytes;
        r_.dump_large_objects = c.large_objects.size();
        std::string script;
        for (std::size_t i = 0; i < c.tables.size(); ++i) {
            const std::string& n = c.tables[i].name;
            script += "SELECT 't|" + std::to_string(i) +
                      "|' || CASE WHEN c.relkind = 'p' THEN (SELECT count(*) FROM " + n +
                      ") ELSE (SELECT count(*) FROM ONLY " + n +
                      ") END FROM pg_class c WHERE c.oid = " + sql_literal(n) + "::regclass;\n";
            TableCheck tc;
            tc.name = n;
            tc.dump_rows = c.tables[i].rows;
            tc.rows_after_marker = c.tables[i].rows_after_marker;
            r_.tables.push_back(tc);
        }
        for (std::size_t i = 0; i < c.sequences.size(); ++i) {
            script += "SELECT 's|" + std::to_string(i) +
                      "|' || last_value || '|' || is_called FROM " + c.sequences[i].name + ";\n";
            SequenceCheck sc;
            sc.name = c.sequences[i].name;
            sc.dump_value = c.sequences[i].value;
            sc.dump_called = c.sequences[i].is_called;
            r_.sequences.push_back(sc);
        }
        script += "SELECT 'l|0|' || count(*) FROM pg_largeobject_metadata;\n"
                  "SELECT 'b|0|' || pg_database_size(current_database());\n"
                  "SELECT 'v|0|' || current_setting('server_version');\n";
        const std::string file = logs_ + "/check.sql", out_path = logs_ + "/check.out",
                          log = logs_ + "/check.log";
        write_script(file, script);
        Fd out(create_log(out_path));
        // ON_ERROR_STOP off: one table that cannot be counted must not hide the others.
        const int status = run_logged(
            with({bin_.program("psql"), "-X", "-A", "-t", "-q"}, with(t.conn, {"-f", file})), -1,
            out.get(), log);
        out = Fd();
        check_interrupted();
        if (!succeeded(status))
            throw DrillError("counting the restored rows failed (psql " + describe_status(status) +
                             "):\n" + log_excerpt(log));
        std::stringstream lines(read_file(out_path));
        std::string line;
        while (std::getline(lines, line)) {
            const auto a = line.find('|');
            const auto b = a == std::string::npos ? a : line.find('|', a + 1);
            if (b == std::string::npos)
                continue;
            const std::string kind = line.substr(0, a);
            std::size_t idx = 0;
            try {
                idx = std::stoul(line.substr(a + 1, b - a - 1));
            } catch (...) {
                continue;
            }
            const std::string val = line.substr(b + 1);
            try {
                if (kind == "t" && idx < r_.tables.size()) {
                    r_.tables[idx].restored_rows = std::stoull(val);
                } else if (kind == "s" && idx < r_.sequences.size()) {
                    const auto bar = val.find('|');
                    r_.sequences[idx].restored_value = val.substr(0, bar);
                    r_.sequences[idx].restored_called =
                        bar != std::string::npos &&
                        (val.substr(bar + 1) == "t" || val.substr(bar + 1) == "true");
                } else if (kind == "l") {
                    r_.restored_large_objects = std::stoull(val);
                } else if (kind == "b") {
                    r_.database_bytes = std::stoull(val);
                } else if (kind == "v") {
                    r_.server_version = val;
                }
            } catch (...) {
            }
        }
        r_.checked = true;
        if (r_.differing() > 0) {
            std::string first;
            for (const auto& tc : r_.tables)
                if (!tc.ok()) {
                    first = "table " + tc.name + ": the dump holds " +
                            std::to_string(tc.dump_rows) + " rows, restored " +
                            (tc.restored_rows ? std::to_string(*tc.restored_rows)
                                              : std::string("(could not be counted)"));
                    if (tc.rows_after_marker > 0)
                        first += " (" + std::to_string(tc.rows_after_marker) +
                                 " of them follow a premature end-of-data marker \\., which "
                                 "the server ignores)";
                    break;
                }
            if (first.empty())
                for (const auto& sc : r_.sequences)
                    if (!sc.ok()) {
                        first = "sequence " + sc.name + ": the dump sets " + sc.dump_value +
                                (sc.dump_called ? "" : " (not called)") + ", restored " +
                                (sc.restored_value.empty() ? "(unreadable)" : sc.restored_value);
                        break;
                    }
            if (first.empty())
                first = "large objects: the dump holds " + std::to_string(r_.dump_large_objects) +
                        ", restored " +
                        (r_.restored_large_objects ? std::to_string(*r_.restored_large_objects)
                                                   : std::string("(could not be counted)"));
            throw DumpFailure(std::to_string(r_.differing()) +
                              " check(s) differ from what the dump holds; first: " + first);
        }
    }

    std::string dump_;
    DrillOptions opts_;
    DrillResult& r_;
    Bindir bin_;
    std::string scratch_parent_, logs_;
};

} // namespace

const char* outcome_name(Outcome o) {
    switch (o) {
    case Outcome::Pass:
        return "pass";
    case Outcome::Fail:
        return "fail";
    case Outcome::Error:
        return "error";
    }
    return "error";
}

std::size_t DrillResult::differing() const {
    if (!checked)
        return 0;
    std::size_t n = 0;
    for (const auto& t : tables)
        n += !t.ok();
    for (const auto& s : sequences)
        n += !s.ok();
    if (!restored_large_objects || *restored_large_objects != dump_large_objects)
        ++n;
    return n;
}

DrillResult run_drill(const std::string& dump, const DrillOptions& opts) {
    DrillResult r;
    r.dump = dump;
    try {
        Drill(dump, opts, r).run();
        r.outcome = Outcome::Pass;
    } catch (const DumpFailure& e) {
        r.outcome = Outcome::Fail;
        r.problem = e.what();
    } catch (const ScanError& e) {
        r.outcome = Outcome::Fail;
        r.problem = std::string("cannot read what the dump holds: ") + e.what();
    } catch (const Interrupted&) {
        r.outcome = Outcome::Error;
        r.problem = std::string("interrupted by signal ") + std::to_string(exec::interrupted_by());
    } catch (const std::exception& e) {
        r.outcome = Outcome::Error;
        r.problem = e.what();
    }
    r.finished = std::time(nullptr);
    return r;
}

} // namespace pds::restore
