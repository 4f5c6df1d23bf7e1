// Text that pg_dump-safe and pg_dump-safe-audit write for machines: JSON (journal, failure
// record, audit -f json), Prometheus label values (metrics file, audit -f prometheus) and
// ISO 8601 times; and for humans: escaped names, sizes, durations. One module, so one target
// gets the same label from both tools.
//
// The rule for bytes (file names on Linux are bytes, not text): every output first turns a
// name into valid UTF-8 text with utf8_text(): valid UTF-8 passes unchanged and each byte
// that is not part of valid UTF-8 (overlong forms, UTF-16 surrogates and values above
// U+10FFFF count as invalid) becomes the four characters \xHH (lower-case hex). Then each
// format escapes that text its own way. The FAILED line and the audit's table use the same
// \xHH spelling, so a name reads the same everywhere. (A name that really contains the text
// "\xff" looks the same as one with the byte 0xFF: a reader who must tell them apart checks
// the directory.)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace pds::text {

// The length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 when the bytes there
// are not valid UTF-8.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
bool is_valid_utf8(std::string_view s);

// The rule above: valid UTF-8 text, invalid bytes as \xHH.
std::string utf8_text(std::string_view s);

// A complete JSON string literal (quotes included) of utf8_text(s): `"` and `\` escaped,
// control characters as \b \f \n \r \t or \u00XX (DEL as \u007f).
std::string json_string(std::string_view s);

// ASCII only, for the FAILED/PUBLISHED lines' quoted values: C escapes \" \\ \n \r \t, and
// every other byte below 0x20 or from 0x7F on as \xHH, bytes of valid UTF-8 included (so the
// line is the same bytes whatever the locale of the reader). No quotes added.
std::string ascii_escaped(std::string_view s);

// The text a Prometheus label value stands for: utf8_text(s) with control characters other
// than newline (C0, DEL, C1) also written as \xHH, so no raw control byte reaches a
// collector or a terminal. Compare label values read back from a file with this.
std::string prom_text(std::string_view s);
// prom_text(s) escaped for the exposition format (\\, \" and \n), without the quotes.
std::string prom_label(std::string_view s);

// s with each byte of `special` (some of: backslash, double quote, newline, carriage return,
// tab) written as its C escape, every other byte as it is: for line formats that reserve a
// few characters (Prometheus label values: backslash, quote, newline; the audit's cache
// fields: backslash, tab, newline).
std::string backslash_escaped(std::string_view s, std::string_view special);

// "2026-06-17T03:00:00Z", or with milliseconds "2026-06-17T03:00:00.120Z". UTC.
std::string iso8601_utc(std::time_t t);
std::string iso8601_utc_ms(std::chrono::system_clock::time_point t);

// For humans (the audit's table, messages on stderr): C escapes for backslash, \n, \t, \r,
// other control characters (C0, DEL, C1) and bytes that are not UTF-8 (\xHH, as above);
// valid UTF-8 text and spaces are kept as they are.
std::string visible(std::string_view s);

// Terminal columns of a visible() string (code points; no wide-character tables).
std::size_t display_width(std::string_view utf8);

// "1.5G", "512.0M", "42B" (powers of 1024).
std::string human_size(std::uint64_t bytes);
// "3d4h", "8h29m", "90s"; negative ages (clock skew, files from the future) as "-5m".
std::string human_duration(std::int64_t seconds);
// "2026-11-25 11:29" in local time, for tables.
std::string local_minutes(std::time_t t);

} // namespace pds::text
