// Backup series: the file name with its date/time stamp removed.
// "app-2026-06-17.dump" -> "app-*.dump", "app_20260617T0300Z.sql.gz" -> "app_*.sql.gz".
// Shared by retention (pg_dump-safe) and the audit tool, so both agree on what a series is.
//
// Recognised stamps (a stamp is never preceded or followed by another digit):
//   YYYY-MM-DD, YYYY_MM_DD, YYYY.MM.DD           date; the separator must be the same twice
//     then optionally [T _ - space] and a time:  HH, HHMM, HHMMSS, HH:MM[:SS], HH-MM[-SS],
//                                                 HH.MM[.SS], HH_MM[_SS]
//   YYYYMMDD, then optionally [T _ -] and HH, HHMM or HHMMSS
//   YYYYMMDDHHMM, YYYYMMDDHHMMSS                 (12 or 14 digits in one run)
//   NNNNNNNNNN                                   epoch seconds: exactly 10 digits, 2000..2099
//   DD-Month-YYYY, DD-Mon-YYYY (English month names, any case; separators - _ . or space),
//     then optionally a time as above (kartoza's PG_db.25-November-2026-12-15.dmp is 12:15)
//   a time may also be written HHhMMm (AutoPostgreSQLBackup's 2026-11-25_03h05m)
//   YYYYMM or YYYYWW (6 digits, YYYY then 01-53): a coarse stamp (docker-postgres-backup-
//     local's weekly and monthly names); it names the series but gives no time
// A time with seconds may carry a fraction (".123") and a zone: Z, +HH:MM, -HH:MM, +HHMM,
// -HHMM. Without a zone the stamp is local time (as `date +%F` writes it).
// Fields are range-checked (month 1-12, day within the month, 00:00:00-23:59:60, year
// 1970-2199): "app-20261399.dump" has no stamp and is its own series.
// When a name holds several stamps, the last one is the series stamp.
#pragma once

#include <cstddef>
#include <ctime>
#include <optional>
#include <string>

namespace pds::series {

// The series key of a file name (no directory part). A name without a recognisable stamp
// is its own series (the key is the name itself).
std::string series_of(const std::string& filename);

// The time the name's stamp denotes (UTC when the stamp says Z, else local time), if any
// (never for a coarse stamp).
std::optional<std::time_t> stamp_of(const std::string& filename);

// fnmatch(3)-style glob match of a file name against a series glob ("app-*.dump").
bool glob_matches(const std::string& glob, const std::string& filename);

// Where the series stamp is in the name and the time it denotes.
struct Stamp {
    std::size_t pos = 0;    // first byte of the stamp
    std::size_t length = 0; // bytes of the stamp, zone included
    std::time_t time = 0;
    bool date_only = false; // the stamp has no time of day (the time is local midnight)
    bool coarse = false;    // YYYYMM/YYYYWW: part of the series pattern, but `time` is unset
};
std::optional<Stamp> find_stamp(const std::string& filename);

} // namespace pds::series
