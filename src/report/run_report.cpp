#include "report/run_report.hpp"

#include "series/series.hpp"

#include <boost/filesystem/operations.hpp>
#include <cstdio>
#include <exception>
#include <iostream>

namespace pds::report {

void RunReport::set_failure(const Failure& f) {
    published = false;
    reason = f.reason();
    exit_status = f.exit_status();
    detail = f.detail();
}

double RunReport::seconds_so_far() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

namespace {

std::string reason_text(const RunReport& r) {
    return r.reason ? reason_name(*r.reason) : "";
}

void say(const std::string& line) {
    std::cerr << line << std::endl;
}

} // namespace

Fields failed_fields(const RunReport& r) {
    return {{"target", r.target},
            {"partial", r.partial},
            {"reason", reason_text(r)},
            {"exit", std::to_string(r.exit_status)},
            {"bytes", std::to_string(r.bytes)},
            {"format", r.format},
            {"detail", r.detail}};
}

std::string failed_line(const RunReport& r) {
    return format_line("FAILED", failed_fields(r));
}

std::string published_line(const RunReport& r, double seconds) {
    char dur[32];
    std::snprintf(dur, sizeof dur, "%.2fs", seconds);
    return format_line("PUBLISHED", {{"target", r.target},
                                     {"bytes", std::to_string(r.bytes)},
                                     {"format", r.format},
                                     {"verify", r.verify},
                                     {"output", r.output},
                                     {"duration", dur}});
}

Fields hook_env(const RunReport& r) {
    Fields env = {{"PG_DUMP_SAFE_STATUS", r.published ? "published" : "failed"},
                  {"PG_DUMP_SAFE_TARGET", r.target},
                  {"PG_DUMP_SAFE_PARTIAL", r.partial == "none" ? "" : r.partial},
                  {"PG_DUMP_SAFE_REASON", reason_text(r)},
                  {"PG_DUMP_SAFE_EXIT_CODE", std::to_string(r.exit_status)},
                  {"PG_DUMP_SAFE_BYTES", std::to_string(r.bytes)},
                  {"PG_DUMP_SAFE_FORMAT", r.format},
                  {"PG_DUMP_SAFE_DETAIL", r.detail},
                  {"PG_DUMP_SAFE_VERIFY", r.verify}};
    env.insert(env.end(), r.content_env.begin(), r.content_env.end());
    return env;
}

RecordNames record_names(const std::string& target) {
    if (target == "-")
        return {"-", "-"};
    // Absolute, so that jobs writing "app.dump" in different directories stay apart.
    std::string spelled = boost::filesystem::absolute(target).string();
    while (spelled.size() > 1 && spelled.back() == '/')
        spelled.pop_back();
    const boost::filesystem::path abs = spelled;
    return {abs.string(),
            (abs.parent_path() / series::series_of(abs.filename().string())).string()};
}

JournalRecord journal_record(const RunReport& r, const RecordNames& names, int run_status,
                             std::chrono::system_clock::time_point end) {
    JournalRecord j;
    j.start = r.wall_started;
    j.end = end;
    j.status = r.published ? "published" : "failed";
    j.reason = r.published ? "" : reason_text(r);
    j.exit_code = run_status;
    j.target = names.target;
    j.series = names.series;
    j.bytes = r.bytes;
    j.verify_level = r.verify;
    j.phases = r.phases;
    j.content_json = r.content_json;
    j.detail = !r.published             ? r.detail
               : !r.not_durable.empty() ? "not durable: " + r.not_durable
                                        : r.cleanup_note;
    return j;
}

RunMetrics run_metrics(const RunReport& r, const RecordNames& names,
                       std::chrono::system_clock::time_point end, double seconds) {
    RunMetrics m;
    m.target = names.target;
    m.series = names.series;
    m.success = r.published;
    m.end = end;
    m.duration_seconds = seconds;
    m.bytes = r.bytes;
    m.verify_level = r.verify;
    m.failure_reason = r.published ? "" : reason_text(r);
    m.content_checked = r.content_checked;
    m.content_warnings = r.content_warnings;
    m.table_data_bytes = r.table_data_bytes;
    return m;
}

void write_run_records(const RunReport& r, int run_status, const std::string& metrics_file,
                       const std::string& journal) {
    if (metrics_file.empty() && journal.empty())
        return;
    try {
        const RecordNames names = record_names(r.target);
        const auto end = std::chrono::system_clock::now();
        const double seconds = r.seconds_so_far();
        if (!metrics_file.empty()) {
            try {
                write_metrics(metrics_file, run_metrics(r, names, end, seconds));
            } catch (const std::exception& e) {
                say(std::string("pg_dump-safe: warning: metrics file not written: ") + e.what());
            }
        }
        if (!journal.empty()) {
            try {
                append_journal(journal, journal_record(r, names, run_status, end));
            } catch (const std::exception& e) {
                say(std::string("pg_dump-safe: warning: journal not written: ") + e.what());
            }
        }
    } catch (const std::exception& e) { // record_names: the current directory is gone
        say(std::string("pg_dump-safe: warning: metrics file or journal not written: ") + e.what());
    }
}

RunReport internal_error_report(const std::string& what) {
    RunReport r;
    r.set_failure(Failure::of(Reason::Internal, "internal error: " + what));
    r.partial = "unknown";
    return r;
}

} // namespace pds::report
