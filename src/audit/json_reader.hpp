// A small strict JSON reader: enough for the wrapper's failure records and for tests that
// check the audit's own JSON. Numbers keep their literal text so 64-bit values survive.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::audit {

struct JsonValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    std::string text; // string contents (decoded) or the number's literal
    std::vector<JsonValue> items;
    std::vector<std::pair<std::string, JsonValue>> members; // in document order

    bool is_null() const { return type == Type::Null; }
    // Member lookup; throws std::out_of_range naming the key when absent or not an object.
    const JsonValue& at(const std::string& key) const;
    const JsonValue* find(const std::string& key) const;
    const JsonValue& operator[](std::size_t i) const { return items.at(i); }
    long long as_int() const;
    double as_double() const;
    // The scalar as text: strings as they are, numbers as written, true/false/null.
    std::string scalar_text() const;
};

struct JsonError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses one JSON document (RFC 8259; surrounding whitespace allowed). Throws JsonError with
// the byte offset of the first problem.
JsonValue parse_json(const std::string& text);
// The same, also refusing what RFC 8259 allows but nothing we write contains: bytes that are
// not UTF-8 in a string and a key twice in one object. The tests check our output with it.
JsonValue parse_json_strict(const std::string& text);

} // namespace pds::audit
