// The three output formats of an audit report. Field names of JSON and Prometheus are a
// stable interface, documented in docs/audit.md.
#pragma once

#include "audit/audit.hpp"
#include "text/json_out.hpp"

#include <string>

namespace pds::audit {

struct TableStyle {
    bool colour = false;
    bool verbose = false; // list every final dump, not only those with problems
};

std::string render_table(const Report& r, const TableStyle& style);
std::string render_json(const Report& r);
std::string render_prometheus(const Report& r);

// The JSON writer of both tools (src/text/json_out.hpp).
using JsonOut = text::JsonOut;

} // namespace pds::audit
