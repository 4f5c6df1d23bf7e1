// The greppable report lines: "[backup] FAILED key=value ..." and "[backup] PUBLISHED ...",
// and the failure record written beside a partial for pg_dump-safe-audit.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pds::report {

using Fields = std::vector<std::pair<std::string, std::string>>;

// A value as it appears after "key=": bare when it is non-empty and made only of printable
// ASCII other than space, '"', '\\' and '='; otherwise double-quoted with C escapes
// (\" \\ \n \r \t \xHH for other control and all non-ASCII bytes), so one record is always
// one line whatever bytes a path holds.
std::string quote_value(const std::string& v);

// "[backup] WORD k=v k=v ..." (no trailing newline).
std::string format_line(const std::string& word, const Fields& fields);

// Write PARTIAL.failure.json (fields as JSON strings, plus "time"), atomically. Best effort:
// returns false on error (the FAILED line has already been printed).
bool write_failure_record(const std::string& partial, const Fields& fields);

} // namespace pds::report
