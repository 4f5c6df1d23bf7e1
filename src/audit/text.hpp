// Text helpers shared by the output formats. File names are arbitrary bytes: every format
// must survive spaces, newlines, control characters and bytes that are not UTF-8.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace pds::audit {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the byte there does not
// start one (overlong forms, surrogates and code points past U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);
bool is_valid_utf8(std::string_view s);

// For humans (table, stderr): C escapes for backslash, control characters (C0, DEL, C1) and
// bytes that are not UTF-8 (\xHH); valid UTF-8 text and spaces are kept as they are.
std::string visible(std::string_view s);

// A complete JSON string literal (with quotes). The result is valid UTF-8: a byte that is
// not UTF-8 is written as the four characters \xHH (the backslash JSON-escaped).
std::string json_string(std::string_view s);

// A Prometheus label value without its quotes: \\, \" and \n as the exposition format
// wants; other control characters and non-UTF-8 bytes as the visible text \xHH.
std::string prom_label(std::string_view s);

// Terminal columns of a visible() string (code points; no wide-character tables).
std::size_t display_width(std::string_view utf8);

// "1.5G", "512.0M", "42B" (powers of 1024).
std::string human_size(std::uint64_t bytes);
// "3d4h", "8h29m", "90s"; negative ages (clock skew, files from the future) as "-5m".
std::string human_duration(std::int64_t seconds);
// "2026-11-25T11:29:49Z"
std::string iso_utc(std::time_t t);
// "2026-11-25 11:29" in local time, for the table.
std::string local_minutes(std::time_t t);

} // namespace pds::audit
