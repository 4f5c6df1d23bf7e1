#include "restore/content.hpp"

#include "exec/child.hpp"
#include "posix/fd.hpp"
#include "posix/open.hpp"
#include "restore/drill.hpp"
#include "restore/plain_text.hpp"
#include "restore/process.hpp"
#include "restore/sql_scan.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <poll.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace pds::restore {
namespace {

using posix::Fd;
using Sink = std::function<void(const char*, std::size_t)>;

constexpr std::size_t kStderrKept = 4096;

void check_interrupted() {
    if (exec::interrupted_by())
        throw ContentError("interrupted by signal " + std::to_string(exec::interrupted_by()));
}

// Runs pg_restore ARGS, handing its standard output to `sink` as it arrives; keeps the tail of
// its standard error for the message. A sink that throws stops pg_restore (SIGTERM).
void stream_pg_restore(const std::string& pg_restore, const std::vector<std::string>& args,
                       const Sink& sink) {
    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0)
        throw ContentError(std::string("cannot create a pipe: ") + std::strerror(errno));
    Fd out_rd(out_pipe[0]), out_wr(out_pipe[1]);
    if (::pipe2(err_pipe, O_CLOEXEC) != 0)
        throw ContentError(std::string("cannot create a pipe: ") + std::strerror(errno));
    Fd err_rd(err_pipe[0]), err_wr(err_pipe[1]);
    SpawnSpec spec;
    spec.argv = {pg_restore};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.stdout_fd = out_wr.get();
    spec.stderr_fd = err_wr.get();
    pid_t pid = -1;
    try {
        pid = spawn(spec);
    } catch (const std::exception& e) {
        throw ContentError(e.what());
    }
    out_wr = Fd();
    err_wr = Fd();
    std::unique_ptr<char[]> buf(new char[1 << 20]);
    std::string err_tail, failure;
    bool out_open = true, err_open = true, stopped = false;
    auto stop = [&](const std::string& why) {
        if (failure.empty())
            failure = why;
        if (!stopped)
            ::kill(pid, SIGTERM);
        stopped = true;
    };
    while (out_open || err_open) {
        if (exec::interrupted_by())
            stop("interrupted by signal " + std::to_string(exec::interrupted_by()));
        struct pollfd p[2] = {{out_open ? out_rd.get() : -1, POLLIN, 0},
                              {err_open ? err_rd.get() : -1, POLLIN, 0}};
        const int ready = ::poll(p, 2, 100);
        if (ready < 0 && errno != EINTR)
            stop(std::string("poll: ") + std::strerror(errno));
        if (ready <= 0)
            continue;
        if (out_open && p[0].revents) {
            const ssize_t n = ::read(out_rd.get(), buf.get(), 1 << 20);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                out_open = false;
            } else if (failure.empty()) {
                try {
                    sink(buf.get(), static_cast<std::size_t>(n));
                } catch (const std::exception& e) {
                    stop(e.what());
                }
            }
        }
        if (err_open && p[1].revents) {
            char eb[4096];
            const ssize_t n = ::read(err_rd.get(), eb, sizeof eb);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                err_open = false;
            } else {
                err_tail.append(eb, static_cast<std::size_t>(n));
                if (err_tail.size() > kStderrKept)
                    err_tail.erase(0, err_tail.size() - kStderrKept);
            }
        }
    }
    const int status = wait_for(pid);
    if (!failure.empty())
        throw ContentError(failure);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        while (!err_tail.empty() && (err_tail.back() == '\n' || err_tail.back() == '\r'))
            err_tail.pop_back();
        const std::size_t nl = err_tail.rfind('\n');
        throw ContentError(
            pg_restore + " " + describe_status(status) +
            (err_tail.empty()
                 ? std::string()
                 : ": " + (nl == std::string::npos ? err_tail : err_tail.substr(nl + 1))));
    }
}

// A plain dump's text, decompressed when it is compressed as a whole (gzip, lz4, zstd).
void read_plain(const std::string& path, const Sink& f) {
    Fd fd;
    try {
        fd = posix::open_nofollow_regular(path, O_RDONLY);
    } catch (const std::exception& e) {
        throw ContentError(e.what());
    }
    std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[1 << 20]);
    PlainText text(f);
    for (;;) {
        check_interrupted();
        const ssize_t n = ::read(fd.get(), buf.get(), 1 << 20);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw ContentError("could not read " + path + ": " + std::strerror(errno));
        if (n == 0)
            break;
        text.feed(buf.get(), static_cast<std::size_t>(n));
    }
    text.finish();
}

} // namespace

std::vector<std::string> table_data_entries(const std::string& listing) {
    // pg_backup_archiver.c PrintTOCSummary: "%d; %u %u %s %s %s %s" = dumpId; tableoid oid
    // desc schema tag owner. The desc "TABLE DATA" has a space of its own.
    std::vector<std::string> out;
    std::istringstream in(listing);
    std::string line;
    const std::string marker = " TABLE DATA ";
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == ';')
            continue;
        const std::size_t semi = line.find("; ");
        const std::size_t at = line.find(marker);
        if (semi == std::string::npos || at == std::string::npos || at < semi)
            continue;
        std::string rest = line.substr(at + marker.size());
        const std::size_t owner = rest.rfind(' ');
        const std::size_t schema = rest.find(' ');
        if (owner == std::string::npos || schema == owner)
            continue;
        out.push_back(rest.substr(0, schema) + "." + rest.substr(schema + 1, owner - schema - 1));
    }
    return out;
}

std::string drill_partial(const std::string& partial, double* seconds) {
    const DrillResult r = run_drill(partial, DrillOptions{});
    if (seconds)
        *seconds = r.total_seconds;
    if (r.outcome == Outcome::Pass)
        return "";
    return std::string(r.outcome == Outcome::Fail ? "restore drill failed: "
                                                  : "restore drill could not run: ") +
           r.problem;
}

manifest::Manifest measure_content(const ContentRequest& req) {
    manifest::Manifest m;
    const verify::ArchiveInfo& info = req.info;
    const bool plain = info.format == verify::ArchiveFormat::Plain;
    m.format = verify::archive_format_name(info.format);
    m.database = info.database;
    m.pg_dump_version = info.pg_dump_version;
    m.compression = info.compression;
    if (info.data_bytes_known)
        m.stored_data_bytes = info.data_bytes;
    if (req.count_rows && !plain && info.counts) {
        // Counted by the verifier as it decompressed every data stream (verify::DataCounts):
        // no second pass through pg_restore --data-only. Read as pg_restore's text would be.
        SqlScanner scanner;
        bool all = true;
        try {
            for (const verify::CopyCount& c : info.counts->copies)
                all = all && scanner.add_copy_block(c.copy_stmt, c.rows, c.bytes);
        } catch (const std::exception& e) {
            throw ContentError(e.what());
        }
        if (all) {
            const DumpContent& c = scanner.content();
            m.measured = manifest::Measure::Rows;
            m.data_bytes = c.copy_bytes;
            m.large_objects = info.counts->large_objects;
            for (const TableCount& t : c.tables)
                m.tables.push_back({t.name, t.rows, t.bytes});
            return m;
        }
    }
    if (req.count_rows) {
        SqlScanner scanner;
        const Sink feed = [&](const char* d, std::size_t n) { scanner.feed(d, n); };
        try {
            if (plain)
                read_plain(req.dump, feed);
            else
                stream_pg_restore(req.pg_restore, {"--data-only", "-f", "-", "--", req.dump}, feed);
            scanner.finish();
        } catch (const ContentError&) {
            throw;
        } catch (const std::exception& e) {
            throw ContentError(e.what());
        }
        check_interrupted();
        const DumpContent& c = scanner.content();
        m.measured = manifest::Measure::Rows;
        m.data_bytes = c.copy_bytes;
        m.large_objects = c.large_objects.size();
        for (const TableCount& t : c.tables)
            m.tables.push_back({t.name, t.rows, t.bytes});
        return m;
    }
    if (plain)
        return m; // Measure::None: reading the text is not cheap at this level
    std::string listing = req.toc_listing;
    if (listing.empty())
        stream_pg_restore(req.pg_restore, {"-l", "--", req.dump},
                          [&](const char* d, std::size_t n) { listing.append(d, n); });
    m.measured = manifest::Measure::Names;
    for (std::string& name : table_data_entries(listing))
        m.tables.push_back({std::move(name), std::nullopt, std::nullopt});
    return m;
}

} // namespace pds::restore
