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

// True when standard error is systemd's journal stream: $JOURNAL_STREAM ("DEV:INO", set by
// systemd for a service whose stderr goes to the journal) names the file descriptor 2 refers
// to. A scheduled run then logs its PUBLISHED line without -v (which would also turn on
// pg_dump's per-object chatter); a shell that inherited the variable but redirected stderr
// elsewhere does not match.
bool stderr_is_journal();

// Write PARTIAL.failure.json (fields as JSON strings, plus "time") with posix::AtomicFile: an
// O_EXCL temp name beside it (a planted file is never truncated or adopted), mode `mode`
// exactly (the caller passes no wider than the dump it replaces), written, fsynced, renamed,
// and the directory fsynced. Returns "" on success, else what failed with the path and errno text
// (ENOSPC after a disk-full dump is the usual one): the caller must say that the record is
// missing.
std::string write_failure_record(const std::string& partial, const Fields& fields,
                                 unsigned mode = 0644);

} // namespace pds::report
