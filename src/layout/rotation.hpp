// How the backup tools people already have name and rotate their dumps, so that the audit
// groups one database's dumps into one series across a tool's rotation folders, and both
// tools take the same time for a dump.
//
// Grouping rules (documented in docs/audit.md, "Series"):
//   - a folder below the root is a rotation folder, and becomes "*" in the series key, when
//     it is a rotation word (last, latest, hourly, daily, weekly, monthly, yearly), a year
//     (1970-2199), a month name or number (01-12), or a stamp with at most a rotation word
//     beside it ("2026-11-25-daily");
//   - in the file name, after the stamp became "*" (series::series_of): weekday names,
//     month names, rotation words, "week" with its number and a repeat of the first word
//     (AutoPostgreSQLBackup's monthly "app_DATE.November.app.sql.gz") become "*", and runs
//     of "*" with separators between them collapse into one "*".
#pragma once

#include <ctime>
#include <string>

namespace pds::layout {

bool is_rotation_folder(const std::string& component);

// The series key of a final dump: `relative_dir` is its folder below the root ("" for the
// root itself, '/'-separated), `series_name` the name's series (series::series_of or the
// audit's --series-regex). Folders that are not rotation folders are kept as they are.
std::string group_key(const std::string& relative_dir, const std::string& series_name);

// The file-name part of group_key.
std::string normalize_series_name(const std::string& series_name);

// The time a dump stands for.
enum class TimeSource {
    Name,      // the stamp in its name
    NameMtime, // the name has only a date and the mtime falls on it: the mtime
    Mtime,     // no usable stamp: the mtime
    Future     // the name's stamp is later than `now`: not believed, the mtime is used
};
struct DumpTime {
    std::time_t time = 0;
    TimeSource source = TimeSource::Mtime;
    std::time_t stamp = 0; // the name's stamp, when it has one
};
DumpTime dump_time(const std::string& filename, std::time_t mtime, std::time_t now);

} // namespace pds::layout
