#include "text/json_out.hpp"

#include "text/text.hpp"

#include <cstdio>

namespace pds::text {

void JsonOut::prefix(const char* key) {
    if (!first_.empty()) {
        if (!first_.back())
            out_ += ',';
        first_.back() = false;
        out_ += '\n';
        out_.append(2 * first_.size(), ' ');
    }
    if (key) {
        out_ += json_string(key);
        out_ += ": ";
    }
}

JsonOut& JsonOut::open(const char* key, char c) {
    prefix(key);
    out_ += c;
    first_.push_back(true);
    return *this;
}

JsonOut& JsonOut::close(char c) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) {
        out_ += '\n';
        out_.append(2 * first_.size(), ' ');
    }
    out_ += c;
    return *this;
}

JsonOut& JsonOut::raw(const char* key, const std::string& literal) {
    prefix(key);
    out_ += literal;
    return *this;
}

JsonOut& JsonOut::field(const char* key, const std::string& v) {
    return raw(key, json_string(v));
}

JsonOut& JsonOut::field(const char* key, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return raw(key, buf);
}

} // namespace pds::text
