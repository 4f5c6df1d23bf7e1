#include "diff_runner.hpp"

#include "support/process.hpp"

#include <atomic>
#include <boost/filesystem.hpp>
#include <chrono>
#include <cstring>
#include <fstream>
#include <lz4frame.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

namespace fs = boost::filesystem;

namespace pdsdiff {
namespace {

struct Spawned {
    int status = -1;
    bool timed_out = false;
    std::string error; // could not start
};

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

// Runs `program` (told it is argv[0]) through tests/support's runner, in its own session (no
// controlling terminal: a -W password prompt reads the /dev/null stdin instead of blocking on
// a tty), in `cwd`, stdout to `stdout_path` (a fresh empty file, an appended-to one, or through
// a pipe whose content is then written there), stderr to `stderr_path`. Waits at most
// `timeout` seconds, then kills the whole session.
Spawned spawn_wait(const std::string& program, const std::vector<std::string>& argv,
                   pds::test::RunOptions o, const std::string& cwd, const std::string& stdout_path,
                   StdoutMode mode, const std::string& stderr_path, int timeout) {
    if (mode == StdoutMode::Append)
        std::ofstream(stdout_path, std::ios::binary) << kAppendPrefix;
    o.program = program;
    o.cwd = cwd;
    o.detach = pds::test::RunOptions::Detach::Session;
    o.timeout_seconds = timeout;
    o.stderr_file = stderr_path;
    o.stdout_pipe = mode == StdoutMode::Pipe;
    if (!o.stdout_pipe) {
        o.stdout_file = stdout_path;
        o.stdout_append = mode == StdoutMode::Append;
    }
    const pds::test::RunResult r = pds::test::run(argv, o);
    if (o.stdout_pipe)
        std::ofstream(stdout_path, std::ios::binary) << r.out;
    Spawned res;
    res.status = r.status;
    res.timed_out = r.timed_out;
    res.error = r.error;
    return res;
}

// Nothing from the caller's libpq, wrapper or getopt settings may leak in.
pds::test::RunOptions child_env(const Config& cfg, bool posixly_correct) {
    pds::test::RunOptions o;
    o.unset = {"PG*", "BACKUP_ON_*", "POSIXLY_CORRECT"};
    for (const auto& [k, v] : cfg.server_env)
        o.env[k] = v;
    o.env["PGDATABASE"] = "difftiny";
    o.env["PGCONNECT_TIMEOUT"] = "10";
    o.env["PG_DUMP_SAFE_CONFIG"] = cfg.empty_config;
    o.env["PG_DUMP_SAFE_PG_DUMP"] = cfg.pg_dump;
    const char* path = std::getenv("PATH");
    o.env["PATH"] =
        fs::path(cfg.pg_dump).parent_path().string() + ":" + (path ? path : "/usr/bin:/bin");
    if (posixly_correct)
        o.env["POSIXLY_CORRECT"] = "1";
    return o;
}

std::map<std::string, char> tree(const std::string& root) {
    std::map<std::string, char> out;
    boost::system::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::file_status s = it->symlink_status(ec);
        const std::string rel = it->path().string().substr(root.size() + 1);
        // pg_dump-safe's content manifest beside a published dump: a documented difference
        // (README, Differences 14), not a file pg_dump would write.
        const std::string manifest = ".manifest.json";
        if (rel.size() > manifest.size() &&
            rel.compare(rel.size() - manifest.size(), manifest.size(), manifest) == 0)
            continue;
        out[rel] = s.type() == fs::regular_file ? 'f' : s.type() == fs::directory_file ? 'd' : 'l';
    }
    return out;
}

std::string show_tree(const std::map<std::string, char>& t) {
    std::string out = "{";
    for (const auto& [name, kind] : t)
        out += (out.size() > 1 ? ", " : "") + name + (kind == 'd' ? "/" : kind == 'l' ? "@" : "");
    return out + "}";
}

bool gunzip(const std::string& in, std::string& out) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return false;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    char buf[65536];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(buf, sizeof buf - zs.avail_out);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0)
            break;
    }
    inflateEnd(&zs);
    return rc == Z_STREAM_END;
}

// LZ4 frames and zstd frames (pg_dump 16+'s -Fp -Z lz4 / zstd); false unless whole.
bool unlz4(const std::string& in, std::string& out) {
    LZ4F_dctx* ctx = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
        return false;
    const char* src = in.data();
    std::size_t left = in.size(), hint = 1;
    char buf[65536];
    while (left > 0 && hint != 0) {
        std::size_t out_n = sizeof buf, in_n = left;
        hint = LZ4F_decompress(ctx, buf, &out_n, src, &in_n, nullptr);
        if (LZ4F_isError(hint))
            break;
        out.append(buf, out_n);
        src += in_n;
        left -= in_n;
    }
    LZ4F_freeDecompressionContext(ctx);
    return hint == 0 && left == 0;
}

bool unzstd(const std::string& in, std::string& out) {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    char buf[65536];
    std::size_t rc = 1;
    while (ib.pos < ib.size) {
        ZSTD_outBuffer ob{buf, sizeof buf, 0};
        rc = ZSTD_decompressStream(ctx, &ob, &ib);
        if (ZSTD_isError(rc))
            break;
        out.append(buf, ob.pos);
    }
    ZSTD_freeDCtx(ctx);
    return !ZSTD_isError(rc) && rc == 0;
}

// pg_restore -l PATH, normalised; `scratch` is a directory for its output files.
std::string listing(const Config& cfg, const std::string& path, const std::string& scratch) {
    static std::atomic<unsigned> counter{0};
    const std::string base = scratch + "/listing." + std::to_string(++counter);
    const Spawned s =
        spawn_wait(cfg.pg_restore, {"pg_restore", "-l", path}, child_env(cfg, false), scratch,
                   base + ".out", StdoutMode::FreshFile, base + ".err", cfg.timeout_seconds);
    std::string out = "pg_restore -l status " + std::to_string(s.status) + s.error + "\n";
    out += normalize_listing(read_file(base + ".out"));
    if (s.status != 0)
        out += read_file(base + ".err");
    fs::remove(base + ".out");
    fs::remove(base + ".err");
    return out;
}

// What a published dump says, with what differs between two runs taken out.
// `prefix`: what an appended-to stdout file held before; compared, then left out.
std::string content_of(const Config& cfg, const std::string& path, char kind,
                       const std::string& scratch, const std::string& prefix = "") {
    if (kind == 'd')
        return fs::exists(path + "/toc.dat") ? "directory archive\n" + listing(cfg, path, scratch)
                                             : "directory without toc.dat";
    if (kind != 'f')
        return "not a regular file";
    std::string data = read_file(path);
    if (!starts_with(data, prefix))
        return "the earlier content is gone\n" + data;
    std::string file = path;
    if (!prefix.empty()) {
        data = data.substr(prefix.size());
        static std::atomic<unsigned> counter{0};
        file = scratch + "/appended." + std::to_string(++counter);
        std::ofstream(file, std::ios::binary) << data;
    }
    if (starts_with(data, "PGDMP"))
        return "custom archive\n" + listing(cfg, file, scratch);
    if (data.size() >= 262 && data.compare(257, 5, "ustar") == 0)
        return "tar archive\n" + listing(cfg, file, scratch);
    if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
        static_cast<unsigned char>(data[1]) == 0x8b) {
        std::string sql;
        const bool whole = gunzip(data, sql);
        return std::string("gzip plain") + (whole ? "" : " (truncated)") + "\n" +
               normalize_sql(sql);
    }
    if (data.size() >= 4 && data.compare(0, 4, "\x04\x22\x4d\x18") == 0) {
        std::string sql;
        const bool whole = unlz4(data, sql);
        return std::string("lz4 plain") + (whole ? "" : " (truncated)") + "\n" + normalize_sql(sql);
    }
    if (data.size() >= 4 && data.compare(0, 4, "\x28\xb5\x2f\xfd") == 0) {
        std::string sql;
        const bool whole = unzstd(data, sql);
        return std::string("zstd plain") + (whole ? "" : " (truncated)") + "\n" +
               normalize_sql(sql);
    }
    return "plain\n" + normalize_sql(data);
}

std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream ia(a), ib(b);
    std::string la, lb;
    for (int line = 1;; ++line) {
        const bool ha = static_cast<bool>(std::getline(ia, la));
        const bool hb = static_cast<bool>(std::getline(ib, lb));
        if (!ha && !hb)
            return "";
        if (!ha || !hb || la != lb)
            return "line " + std::to_string(line) + ": pg_dump '" + (ha ? la : "<end>") +
                   "' vs pg_dump-safe '" + (hb ? lb : "<end>") + "'";
    }
}

bool is_help_or_version(const std::string& out) {
    // pg_dump 18 reworded the first line of --help ("pg_dump exports a PostgreSQL database
    // as an SQL script or to other formats.").
    return starts_with(out, "pg_dump dumps a database") ||
           starts_with(out, "pg_dump exports a PostgreSQL database") ||
           starts_with(out, "pg_dump (PostgreSQL) ");
}

// No run may leave a lock file; a failed one may leave only partials and their records.
void check_leftovers(const std::map<std::string, char>& t, const std::string& where, bool failed,
                     Outcome& o) {
    for (const auto& [name, kind] : t) {
        if (ends_with(name, ".lock"))
            o.problems.push_back("pg_dump-safe left a lock file " + where + "/" + name);
        if (!failed && (ends_with(name, ".partial") || ends_with(name, ".failure.json")))
            o.problems.push_back("pg_dump-safe succeeded but left " + where + "/" + name);
    }
}

// The "[backup] FAILED ..." lines of a stderr text.
std::vector<std::string> failed_lines(const std::string& err) {
    std::vector<std::string> out;
    std::istringstream in(err);
    std::string line;
    while (std::getline(in, line))
        if (starts_with(line, "[backup] FAILED "))
            out.push_back(line);
    return out;
}

// One unquoted key=value field of a FAILED line ("" when absent or quoted).
std::string field(const std::string& line, const std::string& key) {
    const std::size_t at = line.find(" " + key + "=");
    if (at == std::string::npos)
        return "";
    const std::size_t from = at + key.size() + 2;
    return line.substr(from, line.find(' ', from) - from);
}

} // namespace

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string normalize_sql(const std::string& sql) {
    std::istringstream in(sql);
    std::string line, out;
    while (std::getline(in, line)) {
        if (starts_with(line, "-- Started on") || starts_with(line, "-- Completed on") ||
            starts_with(line, "\\restrict ") || starts_with(line, "\\unrestrict "))
            continue;
        out += line + "\n";
    }
    return out;
}

std::string normalize_listing(const std::string& listing) {
    std::istringstream in(listing);
    std::string line, out;
    while (std::getline(in, line)) {
        if (starts_with(line, ";") && (line.find("Archive created at") != std::string::npos ||
                                       line.find("Dump begins") != std::string::npos ||
                                       line.find("Dump completed") != std::string::npos))
            continue;
        out += line + "\n";
    }
    return out;
}

Outcome run_case(const Case& c, const Config& cfg, const std::string& dir) {
    const auto t0 = std::chrono::steady_clock::now();
    Outcome o;
    fs::remove_all(dir);
    const pds::test::RunOptions env = child_env(cfg, c.posixly_correct);
    auto run_side = [&](const std::string& side, const std::string& program,
                        std::vector<std::string> argv, SideResult& r) {
        const std::string d = dir + "/" + side;
        fs::create_directories(d + "/cwd");
        fs::create_directories(d + "/stdout");
        const auto s0 = std::chrono::steady_clock::now();
        const Spawned s = spawn_wait(program, argv, env, d + "/cwd", d + "/stdout/stdout.out",
                                     c.stdout_mode, d + "/stderr.txt", cfg.timeout_seconds);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
        r.status = s.status;
        r.timed_out = s.timed_out;
        r.err = s.error + read_file(d + "/stderr.txt");
        r.cwd_tree = tree(d + "/cwd");
        r.out_tree = tree(d + "/stdout");
    };
    std::vector<std::string> pg_argv = {"pg_dump"};
    pg_argv.insert(pg_argv.end(), c.argv.begin(), c.argv.end());
    std::vector<std::string> safe_argv = {"pg_dump-safe"};
    safe_argv.insert(safe_argv.end(), c.safe_prefix.begin(), c.safe_prefix.end());
    safe_argv.insert(safe_argv.end(), c.argv.begin(), c.argv.end());
    run_side("pg", cfg.pg_dump, pg_argv, o.pg);
    run_side("safe", cfg.wrapper, safe_argv, o.safe);

    const SideResult& pg = o.pg;
    const SideResult& safe = o.safe;
    auto problem = [&](const std::string& p) { o.problems.push_back(p); };
    const std::string pg_out_path = dir + "/pg/stdout/stdout.out";
    const std::string safe_out_path = dir + "/safe/stdout/stdout.out";
    const bool pg_ok = pg.status == 0, safe_ok = safe.status == 0;
    const std::string prefix = c.stdout_mode == StdoutMode::Append ? kAppendPrefix : "";

    // docs/design.md: a failed run prints exactly one FAILED line, with its exit status.
    const std::vector<std::string> failed = failed_lines(safe.err);
    if (safe_ok && !failed.empty())
        problem("pg_dump-safe exited 0 but printed " + failed.front());
    if (!safe_ok && !safe.timed_out) {
        if (failed.size() != 1)
            problem("pg_dump-safe exited " + std::to_string(safe.status) + " with " +
                    std::to_string(failed.size()) + " FAILED lines (expected exactly one)");
        else if (field(failed[0], "exit") != std::to_string(safe.status))
            problem("FAILED line's exit= is not the exit status " + std::to_string(safe.status) +
                    ": " + failed[0]);
    }

    if (pg.timed_out || safe.timed_out) {
        problem(std::string(pg.timed_out ? "pg_dump" : "pg_dump-safe") + " timed out after " +
                std::to_string(cfg.timeout_seconds) + " s");
    } else if (pg_ok != safe_ok) {
        problem("exit status class differs: pg_dump " + std::to_string(pg.status) +
                ", pg_dump-safe " + std::to_string(safe.status));
    } else if (!pg_ok &&
               pg.err.find("Try \"pg_dump --help\" for more information.") != std::string::npos) {
        // pg_dump rejected the argv. Either pg_dump-safe refused it itself (issue 11: it never
        // starts pg_dump with a command line its table cannot map), with pg_dump's status, its
        // own "error:" line and the --help hint; or its table accepted it and pg_dump, run
        // with the rewritten argv, printed its own rejection.
        o.category = "rejected";
        if (safe.status != pg.status)
            problem("rejected argv, but exit status differs: pg_dump " + std::to_string(pg.status) +
                    ", pg_dump-safe " + std::to_string(safe.status));
        const bool refused = safe.err.find("\npg_dump-safe: error: ") != std::string::npos ||
                             safe.err.rfind("pg_dump-safe: error: ", 0) == 0;
        if (refused) {
            if (safe.err.find("Try \"pg_dump-safe --help\" for more information.\n") ==
                std::string::npos)
                problem("pg_dump-safe refused the argv without the --help hint");
        } else {
            std::istringstream lines(pg.err);
            std::string line;
            while (std::getline(lines, line))
                if (!line.empty() && safe.err.find(line + "\n") == std::string::npos)
                    problem("pg_dump's rejection line is missing from pg_dump-safe's stderr: " +
                            line);
        }
        // The man page: reason "usage" = pg_dump rejected its command line (pg_dump's
        // status); and nothing was created. A model that wrongly accepted the argv would have
        // made a partial and classified pg_dump's exit as pg_dump-exit.
        if (failed.size() == 1 &&
            (field(failed[0], "reason") != "usage" || field(failed[0], "partial") != "none"))
            problem("rejected argv, but not reason=usage partial=none: " + failed[0]);
        if (pg.cwd_tree != safe.cwd_tree)
            problem("rejected argv, but files differ: pg_dump " + show_tree(pg.cwd_tree) +
                    ", pg_dump-safe " + show_tree(safe.cwd_tree));
        if (read_file(pg_out_path) != read_file(safe_out_path))
            problem("rejected argv, but stdout differs");
        check_leftovers(safe.out_tree, "stdout-dir", true, o);
    } else if (!pg_ok) {
        // Both failed later (connection, pg_dump's own checks, output): pg_dump-safe must not
        // have published anything, and may keep only partials with their failure records.
        o.category = "both-failed";
        o.status_differs = pg.status != safe.status;
        for (const auto& [name, kind] : safe.cwd_tree) {
            const std::string top = name.substr(0, name.find('/'));
            if (!ends_with(top, ".partial") && !ends_with(top, ".partial.failure.json") &&
                !ends_with(top, ".lock"))
                problem("pg_dump-safe failed but left " + name + " (not a partial)");
        }
        for (const auto& [name, kind] : safe.out_tree) {
            if (name == "stdout.out") {
                if (c.stdout_mode == StdoutMode::FreshFile && fs::file_size(safe_out_path) != 0)
                    problem("pg_dump-safe failed but its stdout file is not empty");
                if (c.stdout_mode == StdoutMode::Append && read_file(safe_out_path) != prefix)
                    problem("pg_dump-safe failed but appended to its stdout file");
            } else if (!ends_with(name, ".partial") && !ends_with(name, ".partial.failure.json") &&
                       !ends_with(name, ".lock")) {
                problem("pg_dump-safe failed but left stdout-dir/" + name);
            }
        }
        if (c.stdout_mode == StdoutMode::Append && !safe.out_tree.count("stdout.out"))
            problem("pg_dump-safe failed and removed the stdout file it was appending to");
        check_leftovers(safe.cwd_tree, "cwd", true, o);
        check_leftovers(safe.out_tree, "stdout-dir", true, o);
        // Informational: pg_dump's own error line should reach the user through pg_dump-safe.
        std::istringstream lines(pg.err);
        std::string line;
        while (std::getline(lines, line))
            if (starts_with(line, "pg_dump: error: ")) {
                if (safe.err.find(line) == std::string::npos)
                    o.notes.push_back("pg_dump's error line not in pg_dump-safe's stderr: " + line);
                break;
            }
    } else if (is_help_or_version(read_file(pg_out_path).substr(prefix.size()))) {
        o.category = "help-version";
        const std::string a = read_file(pg_out_path), b = read_file(safe_out_path);
        if (!starts_with(b, a))
            problem("pg_dump's --help/--version text is not at the start of pg_dump-safe's "
                    "stdout: " +
                    first_difference(a, b));
        if (pg.cwd_tree != safe.cwd_tree)
            problem("files differ: pg_dump " + show_tree(pg.cwd_tree) + ", pg_dump-safe " +
                    show_tree(safe.cwd_tree));
        check_leftovers(safe.out_tree, "stdout-dir", false, o);
    } else {
        o.category = "dumped";
        if (pg.cwd_tree != safe.cwd_tree)
            problem("published files differ: pg_dump " + show_tree(pg.cwd_tree) +
                    ", pg_dump-safe " + show_tree(safe.cwd_tree));
        if (pg.out_tree != safe.out_tree)
            problem("stdout directories differ: pg_dump " + show_tree(pg.out_tree) +
                    ", pg_dump-safe " + show_tree(safe.out_tree));
        check_leftovers(safe.cwd_tree, "cwd", false, o);
        check_leftovers(safe.out_tree, "stdout-dir", false, o);
        const std::string scratch = dir;
        auto compare = [&](const std::string& rel_pg, const std::string& rel_safe,
                           const std::string& label, char kind) {
            const std::string a = content_of(cfg, rel_pg, kind, scratch);
            const std::string b = content_of(cfg, rel_safe, kind, scratch);
            if (a != b)
                problem("content of " + label + " differs: " + first_difference(a, b));
        };
        if (o.problems.empty()) {
            for (const auto& [name, kind] : pg.cwd_tree)
                if (name.find('/') == std::string::npos)
                    compare(dir + "/pg/cwd/" + name, dir + "/safe/cwd/" + name, name, kind);
            const std::string a = content_of(cfg, pg_out_path, 'f', scratch, prefix);
            const std::string b = content_of(cfg, safe_out_path, 'f', scratch, prefix);
            if (a != b)
                problem("content of stdout differs: " + first_difference(a, b));
        }
    }
    if (!o.problems.empty())
        o.category = "disagree";
    o.agree = o.problems.empty();
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return o;
}

} // namespace pdsdiff
