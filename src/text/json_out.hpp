// Indented JSON documents, written member by member.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pds::text {

// A writer of indented JSON (two spaces a level, one member a line), used by every JSON
// document pg_dump-safe-audit writes: the audit report, verify mode, the restore drill's
// report and its FINAL.restore-test.json record. Strings go through json_string().
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

} // namespace pds::text
