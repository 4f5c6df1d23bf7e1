// The names the audit takes from the one text module (src/text/text.hpp, library pds_text),
// which documents the rule for bytes that are not UTF-8. Nothing is defined here.
#pragma once

#include "text/text.hpp"

namespace pds::audit {

using text::display_width;
using text::human_duration;
using text::human_size;
using text::is_valid_utf8;
using text::json_string;
using text::local_minutes;
using text::prom_label;
using text::utf8_sequence_length;
using text::visible;
// "2026-11-25T11:29:49Z"
inline std::string iso_utc(std::time_t t) {
    return text::iso8601_utc(t);
}

} // namespace pds::audit
