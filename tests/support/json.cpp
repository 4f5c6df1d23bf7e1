#include "support/json.hpp"

#include "audit/json_reader.hpp"

#include <stdexcept>

namespace pds::test {
namespace {

Json convert(const audit::JsonValue& v) {
    using T = audit::JsonValue::Type;
    Json j;
    switch (v.type) {
    case T::Null:
        break;
    case T::Bool:
        j.kind = Json::Bool, j.b = v.boolean;
        break;
    case T::Number:
        j.kind = Json::Number, j.num = v.as_double();
        break;
    case T::String:
        j.kind = Json::String, j.str = v.text;
        break;
    case T::Array:
        j.kind = Json::Array;
        for (const auto& item : v.items)
            j.arr.push_back(convert(item));
        break;
    case T::Object:
        j.kind = Json::Object;
        for (const auto& [k, m] : v.members) {
            j.obj[k] = convert(m);
            j.keys.push_back(k);
        }
        break;
    }
    return j;
}

} // namespace

const Json& Json::at(const std::string& k) const {
    const auto it = obj.find(k);
    if (kind != Object || it == obj.end())
        throw std::runtime_error("no key " + k);
    return it->second;
}

Json StrictJson::parse(const std::string& text) {
    return convert(audit::parse_json_strict(text));
}

} // namespace pds::test
