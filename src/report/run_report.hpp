// One run's outcome as a value, and everything rendered from it: the FAILED and PUBLISHED
// lines, the failure record beside a partial, the hooks' PG_DUMP_SAFE_* environment, the
// journal line and the metrics. Each field is set once, by the step that learns it; each
// report is a function of the value, so the four agree by construction.
#pragma once

#include "failure/failure.hpp"
#include "report/failure_line.hpp"
#include "report/journal.hpp"
#include "report/metrics.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pds::report {

struct RunReport {
    bool published = false;
    std::optional<Reason> reason;   // set when the run failed
    int exit_status = 0;            // the failure's status (FAILED exit=, hook EXIT_CODE)
    std::string target = "-";       // the final name as given ("-": none, e.g. a pipe)
    std::string partial = "none";   // the partial left beside the target as evidence
    std::uint64_t bytes = 0;        // of the dump published or appended; of the partial left
    std::string format = "unknown"; // pg_dump's format, once the command line was checked
    std::string verify;             // the verification level's name
    std::string output;             // the output shape's name (PUBLISHED output=)
    std::string detail;             // why the run failed
    std::string cleanup_note;       // a stale partial removed or moved aside
    std::string not_durable;        // the directory fsync after the rename failed: why
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::chrono::system_clock::time_point wall_started = std::chrono::system_clock::now();
    PhaseTimes phases;
    // The content step (src/manifest/step.hpp): its hook variables (PG_DUMP_SAFE_CONTENT_*,
    // _PREVIOUS), the journal's content object ("" = null) and the metrics' content samples.
    Fields content_env;
    std::string content_json;
    bool content_checked = false;
    std::vector<std::string> content_warnings;
    std::optional<std::uint64_t> table_data_bytes;

    void set_failure(const Failure& f); // reason, exit status and detail of a failed run
    double seconds_so_far() const;
};

// The FAILED line's fields, in their documented order (also the failure record's).
Fields failed_fields(const RunReport& r);
std::string failed_line(const RunReport& r);                    // "[backup] FAILED ..."
std::string published_line(const RunReport& r, double seconds); // "[backup] PUBLISHED ..."
// PG_DUMP_SAFE_STATUS, _TARGET, _PARTIAL, _REASON, _EXIT_CODE, _BYTES, _FORMAT, _DETAIL, _VERIFY.
Fields hook_env(const RunReport& r);

// The journal and metrics name the target by its absolute path and its series (the directory
// plus the name's series pattern, "/backups/app-*.dump"); "-" for both when there is none.
struct RecordNames {
    std::string target, series;
};
RecordNames record_names(const std::string& target);
JournalRecord journal_record(const RunReport& r, const RecordNames& names, int run_status,
                             std::chrono::system_clock::time_point end);
RunMetrics run_metrics(const RunReport& r, const RecordNames& names,
                       std::chrono::system_clock::time_point end, double seconds);

// Writes the metrics file and appends the journal line (either path may be empty: skipped).
// Their own failures are warnings on stderr: they never change the exit status.
void write_run_records(const RunReport& r, int run_status, const std::string& metrics_file,
                       const std::string& journal);

// The report of a bug caught in main(): target "-", partial "unknown", reason publish-failed,
// exit 70.
RunReport internal_error_report(const std::string& what);

// Adds the time from construction to destruction to one phase of the run.
class PhaseTimer {
public:
    explicit PhaseTimer(std::optional<double>& slot)
        : slot_(slot), begin_(std::chrono::steady_clock::now()) {}
    ~PhaseTimer() {
        slot_ = slot_.value_or(0) +
                std::chrono::duration<double>(std::chrono::steady_clock::now() - begin_).count();
    }
    PhaseTimer(const PhaseTimer&) = delete;
    PhaseTimer& operator=(const PhaseTimer&) = delete;

private:
    std::optional<double>& slot_;
    std::chrono::steady_clock::time_point begin_;
};

} // namespace pds::report
