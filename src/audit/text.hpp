// Text helpers shared by the output formats. File names are arbitrary bytes: every format
// must survive spaces, newlines, control characters and bytes that are not UTF-8.
#pragma once

#include "text/text.hpp"

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace pds::audit {

// UTF-8, JSON and Prometheus escaping and ISO times come from the one text module, shared
// with pg_dump-safe (src/text/text.hpp documents the rule for bytes that are not UTF-8).
using text::is_valid_utf8;
using text::json_string;
using text::prom_label;
using text::utf8_sequence_length;

// For humans (table, stderr): C escapes for backslash, control characters (C0, DEL, C1) and
// bytes that are not UTF-8 (\xHH); valid UTF-8 text and spaces are kept as they are.
std::string visible(std::string_view s);

// Terminal columns of a visible() string (code points; no wide-character tables).
std::size_t display_width(std::string_view utf8);

// "1.5G", "512.0M", "42B" (powers of 1024).
std::string human_size(std::uint64_t bytes);
// "3d4h", "8h29m", "90s"; negative ages (clock skew, files from the future) as "-5m".
std::string human_duration(std::int64_t seconds);
// "2026-11-25T11:29:49Z"
inline std::string iso_utc(std::time_t t) {
    return text::iso8601_utc(t);
}
// "2026-11-25 11:29" in local time, for the table.
std::string local_minutes(std::time_t t);

} // namespace pds::audit
