// The drill's report formats. JSON field names and metric names are a stable interface,
// documented in docs/restore.md.
#include "restore/cli.hpp"
#include "text/json_out.hpp"
#include "text/text.hpp"

#include <cstdio>
#include <sstream>

namespace pds::restore {
namespace {

void drill_object(text::JsonOut& j, const DrillResult& r) {
    j.field("dump", r.dump);
    j.field("result", outcome_name(r.outcome));
    if (r.problem.empty())
        j.null("problem");
    else
        j.field("problem", r.problem);
    j.field("finished", text::iso8601_utc(r.finished));
    j.field("finished_epoch", static_cast<std::int64_t>(r.finished));
    j.field("format", verify::archive_format_name(r.info.format));
    j.field("pg_dump_version", r.info.pg_dump_version);
    j.field("source_server_version", r.info.server_version);
    j.field("source_database", r.info.database);
    j.field("target", r.target);
    j.field("restored_server_version", r.server_version);
    j.field("restore_seconds", r.restore_seconds);
    j.field("total_seconds", r.total_seconds);
    j.field("database_bytes", r.database_bytes);
    j.field("copy_bytes", r.copy_bytes);
    j.field("checked", r.checked);
    j.field("differing", static_cast<std::uint64_t>(r.differing()));
    j.begin_array("tables");
    for (const auto& t : r.tables) {
        j.begin_object();
        j.field("name", t.name);
        j.field("dump_rows", t.dump_rows);
        if (t.restored_rows)
            j.field("restored_rows", *t.restored_rows);
        else
            j.null("restored_rows");
        j.field("ok", t.ok());
        if (t.rows_after_marker > 0)
            j.field("rows_after_end_marker", t.rows_after_marker);
        j.end_object();
    }
    j.end_array();
    j.begin_array("sequences");
    for (const auto& s : r.sequences) {
        j.begin_object();
        j.field("name", s.name);
        j.field("dump_value", s.dump_value);
        j.field("dump_is_called", s.dump_called);
        if (s.restored_value.empty())
            j.null("restored_value");
        else
            j.field("restored_value", s.restored_value);
        j.field("restored_is_called", s.restored_called);
        j.field("ok", s.ok());
        j.end_object();
    }
    j.end_array();
    j.begin_object("large_objects");
    j.field("dump", r.dump_large_objects);
    if (r.restored_large_objects)
        j.field("restored", *r.restored_large_objects);
    else
        j.null("restored");
    j.end_object();
}

std::string fmt_seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", s);
    return buf;
}

std::string fmt_double(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

} // namespace

std::string render_record(const DrillResult& r) {
    text::JsonOut j;
    j.begin_object();
    j.field("record", "pg_dump-safe restore test");
    j.field("record_version", 1);
    drill_object(j, r);
    j.end_object();
    return j.str();
}

std::string render_json(const std::vector<DrillResult>& results) {
    text::JsonOut j;
    j.begin_object();
    j.field("exit_status", exit_status(results));
    j.begin_array("drills");
    for (const auto& r : results) {
        j.begin_object();
        drill_object(j, r);
        j.end_object();
    }
    j.end_array();
    j.end_object();
    return j.str();
}

std::string render_prometheus(const std::vector<DrillResult>& results) {
    std::ostringstream o;
    auto help = [&](const char* name, const char* type, const char* text) {
        o << "# HELP " << name << " " << text << "\n# TYPE " << name << " " << type << "\n";
    };
    struct Metric {
        const char* name;
        const char* text;
        std::string (*value)(const DrillResult&);
    };
    const Metric metrics[] = {
        {"pg_dump_safe_restore_test_success",
         "1 if the dump restored and matched what it holds, else 0",
         [](const DrillResult& r) { return std::string(r.outcome == Outcome::Pass ? "1" : "0"); }},
        {"pg_dump_safe_restore_test_error", "1 if the drill itself could not run",
         [](const DrillResult& r) { return std::string(r.outcome == Outcome::Error ? "1" : "0"); }},
        {"pg_dump_safe_restore_test_restore_seconds",
         "wall time of pg_restore or psql (the measured RTO)",
         [](const DrillResult& r) { return fmt_double(r.restore_seconds); }},
        {"pg_dump_safe_restore_test_total_seconds",
         "wall time of the whole drill, cluster start and removal included",
         [](const DrillResult& r) { return fmt_double(r.total_seconds); }},
        {"pg_dump_safe_restore_test_database_bytes", "size of the restored database",
         [](const DrillResult& r) { return std::to_string(r.database_bytes); }},
        {"pg_dump_safe_restore_test_differing",
         "tables, sequences and large-object counts that differ from the dump",
         [](const DrillResult& r) { return std::to_string(r.differing()); }},
        {"pg_dump_safe_restore_test_timestamp_seconds", "when the drill finished",
         [](const DrillResult& r) { return std::to_string(static_cast<long long>(r.finished)); }},
    };
    for (const auto& m : metrics) {
        help(m.name, "gauge", m.text);
        for (const auto& r : results)
            o << m.name << "{dump=\"" << text::prom_label(r.dump) << "\"} " << m.value(r) << "\n";
    }
    return o.str();
}

std::string render_table(const std::vector<DrillResult>& results) {
    std::ostringstream o;
    for (const auto& r : results) {
        const char* verdict = r.outcome == Outcome::Pass   ? "PASS"
                              : r.outcome == Outcome::Fail ? "FAIL"
                                                           : "ERROR";
        o << verdict << "  " << text::visible(r.dump) << "\n";
        o << "  dump      " << verify::archive_format_name(r.info.format);
        if (!r.info.pg_dump_version.empty())
            o << ", pg_dump " << text::visible(r.info.pg_dump_version);
        if (!r.info.database.empty())
            o << ", database " << text::visible(r.info.database);
        o << "\n";
        if (!r.target.empty())
            o << "  target    " << text::visible(r.target) << "\n";
        if (r.checked || r.restore_seconds > 0)
            o << "  restore   " << fmt_seconds(r.restore_seconds) << " (RTO), drill "
              << fmt_seconds(r.total_seconds) << ", " << text::human_size(r.database_bytes)
              << " restored, " << text::human_size(r.copy_bytes) << " of table data\n";
        if (r.checked) {
            std::uint64_t rows = 0;
            for (const auto& t : r.tables)
                rows += t.dump_rows;
            o << "  checked   " << r.tables.size() << " tables (" << rows << " rows), "
              << r.sequences.size() << " sequences, " << r.dump_large_objects
              << " large objects: " << r.differing() << " differ\n";
            for (const auto& t : r.tables)
                if (!t.ok())
                    o << "  differs   table " << text::visible(t.name) << ": dump " << t.dump_rows
                      << " rows, restored "
                      << (t.restored_rows ? std::to_string(*t.restored_rows) : "?") << "\n";
            for (const auto& s : r.sequences)
                if (!s.ok())
                    o << "  differs   sequence " << text::visible(s.name) << ": dump "
                      << s.dump_value << ", restored "
                      << (s.restored_value.empty() ? "?" : s.restored_value) << "\n";
            if (!r.restored_large_objects || *r.restored_large_objects != r.dump_large_objects)
                o << "  differs   large objects: dump " << r.dump_large_objects << ", restored "
                  << (r.restored_large_objects ? std::to_string(*r.restored_large_objects) : "?")
                  << "\n";
        }
        if (!r.problem.empty()) {
            // One line per line of the problem (pg_restore's error and its context).
            std::istringstream lines(r.problem);
            std::string line;
            const char* label = "  problem   ";
            while (std::getline(lines, line)) {
                o << label << text::visible(line) << "\n";
                label = "            ";
            }
        }
    }
    return o.str();
}

} // namespace pds::restore
