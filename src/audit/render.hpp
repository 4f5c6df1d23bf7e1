// The three output formats of an audit report. Field names of JSON and Prometheus are a
// stable interface, documented in docs/audit.md.
#pragma once

#include "audit/audit.hpp"

#include <string>

namespace pds::audit {

struct TableStyle {
    bool colour = false;
    bool verbose = false; // list every final dump, not only those with problems
};

std::string render_table(const Report& r, const TableStyle& style);
std::string render_json(const Report& r);
std::string render_prometheus(const Report& r);

// A writer of indented JSON, shared by the audit report and verify mode.
class JsonOut {
public:
    JsonOut& begin_object(const char* key = nullptr) { return open(key, '{'); }
    JsonOut& begin_array(const char* key = nullptr) { return open(key, '['); }
    JsonOut& end_object() { return close('}'); }
    JsonOut& end_array() { return close(']'); }
    JsonOut& field(const char* key, const std::string& v);
    JsonOut& field(const char* key, const char* v) { return field(key, std::string(v)); }
    JsonOut& field(const char* key, bool v) { return raw(key, v ? "true" : "false"); }
    JsonOut& field(const char* key, std::uint64_t v) { return raw(key, std::to_string(v)); }
    JsonOut& field(const char* key, std::int64_t v) { return raw(key, std::to_string(v)); }
    JsonOut& field(const char* key, int v) { return raw(key, std::to_string(v)); }
    JsonOut& field(const char* key, double v);
    JsonOut& null(const char* key) { return raw(key, "null"); }
    JsonOut& raw(const char* key, const std::string& literal);
    std::string str() const { return out_ + "\n"; }

private:
    std::string out_;
    std::vector<bool> first_;
    JsonOut& open(const char* key, char c);
    JsonOut& close(char c);
    void prefix(const char* key);
};

} // namespace pds::audit
