// Retention policy: which older dumps of a series to keep and which to prune after a
// successful publication. A pure function of its input (the verifier is injected), so the
// whole policy is testable without files.
//
// Rules (the kept set is the union):
//   keep_last N     the N newest dumps
//   keep_days D     every dump younger than D days (now - time < D * 86400)
//   keep_weekly W   the newest dump of each of the W most recent ISO weeks that have a dump
//   keep_monthly M  the newest dump of each of the M most recent months that have a dump
// Weeks and months are taken in local time. As in restic and borg, a week or month without
// any dump does not use up a slot, so a gap in the backups never shortens the history.
// 0 means "no rule of that kind"; with no rule at all retention is off.
//
// Safety, which no rule overrides:
//   - work files (layout::is_work_file: *.partial, *.lock, *.failure.json, ...) are never
//     considered, even if they are passed in;
//   - the dump just published is always kept;
//   - a dump is pruned only when a strictly newer dump of the series is known good: the dump
//     just published counts as good (it was verified before publication); other dumps are
//     asked to the verifier, newest first, until one passes;
//   - only restore points count: a dump takes a keep_last/weekly/monthly slot only after the
//     verifier passed it (asked lazily, newest first, until the slots are filled) and, when
//     both databases are known, only when it holds the same database as the dump just
//     published. A dump that fails, or holds another database, is kept and reported, never
//     counted;
//   - a dump whose name is dated in the future (Candidate::future) is never counted, never
//     newer than the dump just published, and kept;
//   - a dump with other hard links, or the target of a symbolic link beside it
//     (Candidate::held_by), is kept: another tool's rotation still refers to it.
#pragma once

#include <boost/filesystem/path.hpp>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pds::retention {

struct KeepSettings {
    unsigned keep_last = 0;
    unsigned keep_days = 0;
    unsigned keep_weekly = 0;
    unsigned keep_monthly = 0;
    bool enabled() const { return keep_last || keep_days || keep_weekly || keep_monthly; }
};

// One final dump of the series, as found in its directory.
struct Candidate {
    std::string name;             // file name, no directory part
    boost::filesystem::path path; // where it is
    std::time_t time = 0;         // the stamp in the name, else the mtime
    bool time_from_name = false;
    bool future = false;    // the name's stamp is later than now (time is then the mtime)
    std::string held_by;    // non-empty: why it must stay ("2 hard links", "symlink X -> it")
    std::uint64_t size = 0; // bytes; for a directory dump the sum of its files
    bool directory = false; // a -Fd directory dump (removed as a whole)
    // Identity when scanned: the executor refuses to remove a path that now names another
    // file. Inode numbers are reused at once, so mtime (and size, for files) count too.
    std::uint64_t device = 0;
    std::uint64_t inode = 0; // 0: not checked
    std::int64_t mtime_ns = 0;
};

struct VerifyOutcome {
    bool good = false;
    std::string reason;   // why it is bad (the verifier's problem text)
    std::string database; // the database the archive header names ("" when unknown)
};
// Verifies one dump (file or directory). May throw: an exception counts as "bad".
using Verifier = std::function<VerifyOutcome(const boost::filesystem::path&)>;

struct Kept {
    Candidate dump;
    std::vector<std::string> reasons; // "just published", "last 3", "weekly 2026-W24", ...
};
struct Doomed {
    Candidate dump;
    std::int64_t age_seconds = 0; // now - time
};
struct Checked {
    std::string name;
    VerifyOutcome outcome;
};

struct Plan {
    bool enabled = false;                   // false: no rule set, nothing was looked at
    std::string refused;                    // non-empty: nothing is pruned, and this says why
    std::vector<Kept> keep;                 // newest first
    std::vector<Doomed> prune;              // newest first
    std::vector<Checked> checked;           // the verifier calls made, in order
    std::optional<std::string> newest_good; // the dump whose goodness allows the pruning
};

struct PlanInput {
    std::vector<Candidate> candidates;    // the series' dumps in one directory
    std::optional<std::string> published; // file name of the dump just published, if any
    KeepSettings settings;
    Verifier verify; // asked about every dump that could take a slot, newest first
    std::time_t now = 0;
    std::string database; // the published dump's database ("" when unknown: not compared)
};

Plan plan_retention(const PlanInput& in);

// True for names retention must never touch: pg_dump-safe's own work files and hidden names
// (layout::is_work_file).
bool is_work_file(const std::string& name);

// "3d04h", "5h07m", "42s": short, for log lines.
std::string format_age(std::int64_t seconds);

} // namespace pds::retention
