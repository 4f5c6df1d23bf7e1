#include "restore/cli.hpp"

#include "audit/audit.hpp"
#include "audit/command_line.hpp"
#include "audit/options.hpp"
#include "exec/child.hpp"
#include "restore/record.hpp"
#include "text/text.hpp"

#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <fnmatch.h>
#include <sys/stat.h>

namespace po = boost::program_options;

namespace pds::restore {
namespace {

using audit::get;
using audit::kProgram;
using audit::UsageError;

const char* const kHelp = R"(Usage:
  pg_dump-safe-audit --restore-test [OPTION]... DUMP|DIR...

Restore drill: proves that a dump restores, by restoring it. A DUMP operand is drilled; a
backup root DIR (a directory that is not a directory dump) is scanned like an audit, and the
newest dump of each series that verifies (structure) is drilled (or of the --series named).

The dump is restored into a throwaway PostgreSQL cluster started for the drill: initdb and
postgres of the dump's major version or newer, a temporary data directory in the dump's
directory (same filesystem) or --work-dir, a unix socket only (listen_addresses=''), run as
user postgres when invoked as root, fsync=off. It is stopped and removed at the end, also
on SIGINT and SIGTERM. Custom and directory dumps are restored with pg_restore
--exit-on-error -j N, tar with pg_restore --exit-on-error, plain (also gzip, lz4, zstd
compressed) with psql -v ON_ERROR_STOP=1. Then the restored database is checked against
what the dump holds: each table's row count equals the rows of its COPY data, the number of
large objects and every sequence value match. A result record FINAL.restore-test.json is
written beside the dump.

Options:
  --restore-test         run restore drills (this mode)
  --series=GLOB          drill only the series whose name matches GLOB (e.g. 'app-*',
                         repeatable); backup roots only
  --pattern=GLOB         also treat file names matching GLOB as final dumps (repeatable)
  --pg-bindir=DIR        initdb, postgres, pg_restore and psql from DIR (default: the
                         installation of the dump's major version or the next newer one in
                         $PATH, /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin)
  --work-dir=DIR         create the throwaway cluster in DIR (default: the dump's
                         directory); it needs about the restored database's size
  -j, --jobs=N           pg_restore parallel jobs for custom and directory dumps (2)
  --cluster-port=N       port number in the throwaway cluster's socket name (5432; the
                         socket is in a private directory, no TCP port is opened)
  --target-dsn=DSN       restore into this database instead of a throwaway cluster. Refused
                         unless the database is empty (or does not exist: it is created when
                         the DSN is key=value with dbname=) and is not named like the dump's
                         source database. Restores with --no-owner --no-privileges
  --no-record            do not write FINAL.restore-test.json
  --no-cache             roots: verify every candidate, do not use the audit's cache
  --format=FORMAT        table (default), json, prometheus
  -o, --output=FILE      write the report to FILE atomically instead of standard output
  -h, --help             show this help and exit

Exit status:
  0  every drill passed
  2  a dump does not verify, does not restore, or differs from what it holds
  3  a drill could not run (no server installation, initdb failed, target refused, bad
     option, missing operand); a caught SIGINT/SIGTERM ends with that signal after cleanup
)";

int positive(const po::variables_map& vm, const char* name, int dflt, int max) {
    auto v = get<std::string>(vm, name);
    if (!v)
        return dflt;
    char* end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1 || n > max)
        throw UsageError(std::string("--") + name + ": bad number '" + *v + "'");
    return static_cast<int>(n);
}

} // namespace

std::string help_text() {
    return kHelp;
}

bool wants_restore_test(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--")
            return false;
        if (a == "--restore-test")
            return true;
    }
    return false;
}

Options parse_options(const std::vector<std::string>& args) {
    po::options_description desc;
    desc.add_options()("restore-test", "")("help,h", "")(
        "series", po::value<std::vector<std::string>>()->composing())(
        "pattern", po::value<std::vector<std::string>>()->composing())(
        "pg-bindir", po::value<std::string>())("work-dir", po::value<std::string>())(
        "jobs,j", po::value<std::string>())("cluster-port", po::value<std::string>())(
        "target-dsn", po::value<std::string>())("no-record", "")("no-cache", "")(
        "format", po::value<std::string>())("output,o", po::value<std::string>());
    const po::variables_map vm = audit::parse_command_line(args, desc);
    Options o;
    o.help = vm.count("help") > 0;
    if (auto v = get<std::vector<std::string>>(vm, "operand"))
        o.operands = *v;
    if (auto v = get<std::vector<std::string>>(vm, "series"))
        o.series = *v;
    if (auto v = get<std::vector<std::string>>(vm, "pattern"))
        o.patterns = *v;
    if (auto v = get<std::string>(vm, "pg-bindir"))
        o.drill.pg_bindir = *v;
    if (auto v = get<std::string>(vm, "work-dir")) {
        struct stat st;
        if (v->empty() || ::stat(v->c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
            throw UsageError("--work-dir: '" + *v + "' is not a directory");
        o.drill.work_dir = *v;
    }
    if (auto v = get<std::string>(vm, "target-dsn")) {
        if (v->empty())
            throw UsageError("--target-dsn: empty");
        o.drill.target_dsn = *v;
    }
    o.drill.jobs = positive(vm, "jobs", 2, 256);
    o.drill.port = positive(vm, "cluster-port", 5432, 65535);
    o.record = vm.count("no-record") == 0;
    o.use_cache = vm.count("no-cache") == 0;
    o.format = audit::format_option(vm, Format::Table);
    o.output = audit::output_option(vm);
    return o;
}

std::string record_path(const std::string& dump) {
    std::string p = dump;
    while (p.size() > 1 && p.back() == '/')
        p.pop_back();
    return p + ".restore-test.json";
}

int exit_status(const std::vector<DrillResult>& results) {
    int s = audit::kGood;
    for (const auto& r : results)
        s = std::max(s, r.outcome == Outcome::Pass   ? audit::kGood
                        : r.outcome == Outcome::Fail ? audit::kCritical
                                                     : audit::kCannotRun);
    return s;
}

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    return audit::run_reporting_errors(err, "--restore-test --help", [&] {
        const Options o = parse_options(args);
        if (o.help) {
            out << help_text();
            return audit::kGood;
        }
        if (o.operands.empty())
            throw UsageError("--restore-test: no dump or backup root given");
        // Which dumps: the operands that are dumps, and for each backup root the newest
        // good dump of each (selected) series, as the audit finds them.
        std::vector<std::string> dumps, roots;
        for (const auto& p : o.operands) {
            struct stat st;
            if (::stat(p.c_str(), &st) != 0)
                throw audit::RootError("'" + p + "': " + std::strerror(errno));
            (audit::is_backup_root(p) ? roots : dumps).push_back(p);
        }
        if (!o.series.empty() && roots.empty())
            throw UsageError("--series selects series of backup roots; no root given");
        int status = 0;
        if (!roots.empty()) {
            audit::Options ao;
            ao.operands = roots;
            ao.level = verify::Level::Structure;
            ao.patterns = o.patterns;
            ao.use_cache = o.use_cache;
            if (ao.use_cache)
                ao.cache_file = audit::default_cache_file();
            ao.use_cache = ao.use_cache && !ao.cache_file.empty();
            std::vector<std::string> notes;
            const audit::Report rep = audit::run_audit(ao, notes);
            for (const auto& n : notes)
                err << kProgram << ": warning: " << text::visible(n) << "\n";
            for (const auto& s : rep.series) {
                bool selected = o.series.empty();
                for (const auto& g : o.series)
                    selected =
                        selected || g == s.name || ::fnmatch(g.c_str(), s.name.c_str(), 0) == 0;
                if (!selected)
                    continue;
                if (!s.newest_good) {
                    err << kProgram << ": warning: series " << text::visible(s.dir + "/" + s.name)
                        << " has no dump that verifies: nothing to drill\n";
                    status = std::max(status, 2);
                    continue;
                }
                dumps.push_back(rep.finals[*s.newest_good].dump.path);
            }
            if (dumps.empty())
                throw UsageError("no series matches --series in the backup roots");
        }
        std::vector<DrillResult> results;
        {
            exec::SignalForwarding signals;
            for (const auto& d : dumps) {
                results.push_back(run_drill(d, o.drill));
                for (const auto& n : results.back().notes)
                    err << kProgram << ": warning: " << text::visible(n) << "\n";
                if (exec::interrupted_by())
                    break;
                if (o.record) {
                    try {
                        write_record_atomically(record_path(d), render_record(results.back()),
                                                record_mode(d));
                    } catch (const std::exception& e) {
                        err << kProgram << ": warning: " << text::visible(e.what()) << "\n";
                        status = std::max(status, 1);
                    }
                }
            }
            if (const int sig = exec::interrupted_by()) {
                err << kProgram << ": interrupted by signal " << sig
                    << "; the throwaway cluster was stopped and removed\n";
                exec::die_by_signal(sig);
            }
        }
        std::string report;
        switch (o.format) {
        case Format::Json:
            report = render_json(results);
            break;
        case Format::Prometheus:
            report = render_prometheus(results);
            break;
        case Format::Table:
            report = render_table(results);
            break;
        }
        audit::emit_report(o.output, report, out);
        return std::max(status, exit_status(results));
    });
}

} // namespace pds::restore
