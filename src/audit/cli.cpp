#include "audit/cli.hpp"

#include "audit/audit.hpp"
#include "audit/command_line.hpp"
#include "audit/json_reader.hpp"
#include "audit/render.hpp"
#include "audit/text.hpp"
#include "audit/verify_files.hpp"
#include "posix/open.hpp"

#include <cerrno>
#include <cstdlib>

#ifndef PDS_VERSION
#define PDS_VERSION "unknown"
#endif

namespace pds::audit {
namespace {

// --verify names both the level of an audit and verify mode; the operands decide: backup
// roots (directories that are not directory dumps) mean an audit, anything else a dump.
bool verify_mode(const Options& o) {
    if (!o.verify_given)
        return false;
    std::size_t roots = 0;
    for (const auto& p : o.operands)
        roots += is_backup_root(p);
    if (roots == o.operands.size())
        return false;
    if (roots != 0)
        throw UsageError("operands mix backup roots and dumps; audit roots and --verify dumps "
                         "in separate runs");
    if (!o.level)
        throw UsageError("--verify=none needs backup roots (directories) to audit");
    if (o.format == OutputFormat::Prometheus)
        throw UsageError("--format=prometheus is for audits of backup roots, not --verify DUMP");
    return true;
}

// --max-restore-age: the newest good restore point of each series must have a passed drill
// (its FINAL.restore-test.json, written by --restore-test) no older than the limit.
void check_restore_age(const Options& o, Report& r) {
    if (!o.max_restore_age)
        return;
    const Severity sev = o.strict ? Severity::Critical : Severity::Warning;
    for (SeriesResult& s : r.series) {
        if (!s.newest_good)
            continue;
        std::string dump = r.finals[*s.newest_good].dump.path;
        while (dump.size() > 1 && dump.back() == '/')
            dump.pop_back();
        const std::string record = dump + ".restore-test.json";
        std::string code, message;
        try {
            // Never through a link, never blocking on a FIFO planted at the record's name.
            std::string text;
            bool missing = false;
            try {
                text = posix::read_regular_file(record, 1 << 20);
            } catch (const posix::Error& e) {
                if (e.code() != ENOENT)
                    throw;
                missing = true;
            }
            if (missing) {
                code = "no-restore-test";
                message = "newest good restore point of series " + s.dir + "/" + s.name +
                          " has no restore drill (" + record + ")";
            } else {
                const JsonValue j = parse_json(text);
                const std::int64_t age =
                    static_cast<std::int64_t>(r.now) - j.at("finished_epoch").as_int();
                if (j.at("result").text != "pass") {
                    code = "restore-test-failed";
                    message = "the last restore drill of " + dump +
                              " did not pass: " + j.at("problem").scalar_text();
                } else if (age > *o.max_restore_age) {
                    code = "restore-test-too-old";
                    message = "the last passed restore drill of " + dump + " is " +
                              human_duration(age) + " old (--max-restore-age " +
                              human_duration(*o.max_restore_age) + ")";
                }
            }
        } catch (const std::exception& e) {
            code = "restore-test-unreadable";
            message = "cannot read " + record + ": " + e.what();
        }
        if (code.empty())
            continue;
        r.findings.push_back({sev, code, dump, message});
        r.severity = std::max(r.severity, sev);
        s.severity = std::max(s.severity, sev);
    }
}

} // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
            bool stdout_is_terminal) {
    return run_reporting_errors(err, "--help", [&] {
        const Options o = parse_options(args);
        if (o.help) {
            out << help_text();
            return kGood;
        }
        if (o.version) {
            out << kProgram << " " << PDS_VERSION << "\n";
            return kGood;
        }
        if (o.operands.empty())
            throw UsageError("no backup root or dump given");
        if (verify_mode(o)) {
            std::string report;
            const int status = verify_files(o, report);
            emit_report(o.output, report, out);
            return status;
        }
        std::vector<std::string> notes;
        Report r = run_audit(o, notes);
        check_restore_age(o, r);
        for (const auto& n : notes)
            err << kProgram << ": warning: " << visible(n) << "\n";
        std::string text;
        switch (o.format) {
        case OutputFormat::Json:
            text = render_json(r);
            break;
        case OutputFormat::Prometheus:
            text = render_prometheus(r);
            break;
        case OutputFormat::Table: {
            TableStyle style;
            style.colour = stdout_is_terminal && o.output.empty() && !std::getenv("NO_COLOR");
            style.verbose = o.verbose;
            text = render_table(r, style);
            break;
        }
        }
        emit_report(o.output, text, out);
        return r.exit_status();
    });
}

} // namespace pds::audit
