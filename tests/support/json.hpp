// The JSON we write (journal, failure records, audit and drill reports), read back strictly:
// pds::audit::parse_json_strict (RFC 8259, valid UTF-8, no duplicate keys), as a plain tree.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pds::test {

struct Json {
    enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<Json> arr;
    std::map<std::string, Json> obj;
    std::vector<std::string> keys; // in document order

    // Throws std::runtime_error when this is not an object or has no member k.
    const Json& at(const std::string& k) const;
};

struct StrictJson {
    // Throws at the first deviation, naming the byte offset.
    static Json parse(const std::string& text);
};

} // namespace pds::test
