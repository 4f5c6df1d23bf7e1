#include "support/prometheus.hpp"

#include "text/text.hpp"

#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace pds::test {
namespace {

bool name_start(char c, bool colon) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool name_char(char c, bool colon) {
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

bool valid_name(const std::string& s, bool colon) {
    if (s.empty() || !name_start(s[0], colon))
        return false;
    for (char c : s)
        if (!name_char(c, colon))
            return false;
    return true;
}

struct LineError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double parse_value(const std::string& s) {
    if (s == "+Inf")
        return HUGE_VAL;
    if (s == "-Inf")
        return -HUGE_VAL;
    if (s == "NaN")
        return NAN;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || s.find_first_of("xXnNiI") != std::string::npos)
        throw LineError("bad sample value '" + s + "'");
    return v;
}

} // namespace

std::vector<PromSample> PromDoc::find(const std::string& name,
                                      const std::map<std::string, std::string>& match) const {
    std::vector<PromSample> out;
    for (const auto& s : samples) {
        if (s.name != name)
            continue;
        bool ok = true;
        for (const auto& [k, v] : match)
            ok = ok && s.labels.count(k) && s.labels.at(k) == v;
        if (ok)
            out.push_back(s);
    }
    return out;
}

PromDoc parse_prometheus(const std::string& text) {
    PromDoc doc;
    if (!text::is_valid_utf8(text))
        throw std::runtime_error("exposition is not valid UTF-8");
    if (text.empty())
        throw std::runtime_error("empty exposition");
    if (text.back() != '\n')
        throw std::runtime_error("last line does not end with a newline");
    std::set<std::string> seen_series, closed_families, help_seen;
    std::string current;
    std::size_t lineno = 0, pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lineno;
        try {
            if (line.empty())
                throw LineError("empty line");
            if (line[0] == '#') {
                if (line.rfind("# HELP ", 0) != 0 && line.rfind("# TYPE ", 0) != 0)
                    throw LineError("comment that is neither HELP nor TYPE");
                const bool help = line[2] == 'H';
                std::string rest = line.substr(7);
                auto sp = rest.find(' ');
                std::string name = rest.substr(0, sp);
                if (!valid_name(name, true))
                    throw LineError("bad metric name '" + name + "'");
                if (sp == std::string::npos || sp + 1 >= rest.size())
                    throw LineError("HELP/TYPE without text");
                std::string arg = rest.substr(sp + 1);
                if (closed_families.count(name))
                    throw LineError("family " + name + " continues after another family");
                if (name != current && !current.empty())
                    closed_families.insert(current);
                current = name;
                PromFamily& f = doc.families[name];
                if (help) {
                    if (!help_seen.insert(name).second)
                        throw LineError("second HELP for " + name);
                    for (std::size_t i = 0; i < arg.size(); ++i)
                        if (arg[i] == '\\' &&
                            (i + 1 >= arg.size() || (arg[i + 1] != '\\' && arg[i + 1] != 'n')))
                            throw LineError("bad escape in HELP");
                    f.help = arg;
                } else {
                    if (!f.type.empty())
                        throw LineError("second TYPE for " + name);
                    // histogram and summary are valid, but we never write them.
                    static const std::set<std::string> types{"counter", "gauge", "untyped"};
                    if (!types.count(arg))
                        throw LineError("unknown type '" + arg + "'");
                    f.type = arg;
                }
                continue;
            }
            PromSample s;
            std::size_t i = 0;
            while (i < line.size() && name_char(line[i], true))
                ++i;
            s.name = line.substr(0, i);
            if (!valid_name(s.name, true))
                throw LineError("bad metric name in sample");
            if (s.name != current) {
                if (closed_families.count(s.name) || doc.families.count(s.name))
                    throw LineError("samples of " + s.name + " are not contiguous");
                throw LineError("sample of " + s.name + " without a preceding TYPE");
            }
            if (doc.families[s.name].type.empty())
                throw LineError("sample of " + s.name + " before its TYPE");
            std::string series_key = s.name + "{";
            if (i < line.size() && line[i] == '{') {
                ++i;
                bool first = true;
                while (true) {
                    if (i < line.size() && line[i] == '}') {
                        ++i;
                        break;
                    }
                    if (!first) {
                        if (i >= line.size() || line[i] != ',')
                            throw LineError("expected ',' between labels");
                        ++i;
                        if (i < line.size() && line[i] == '}') {
                            ++i;
                            break;
                        }
                    }
                    first = false;
                    std::size_t b = i;
                    while (i < line.size() && name_char(line[i], false))
                        ++i;
                    std::string label = line.substr(b, i - b);
                    if (!valid_name(label, false) || label.rfind("__", 0) == 0)
                        throw LineError("bad label name '" + label + "'");
                    if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
                        throw LineError("expected =\" after label " + label);
                    i += 2;
                    std::string value;
                    for (;;) {
                        if (i >= line.size())
                            throw LineError("unterminated label value");
                        char c = line[i++];
                        if (c == '"')
                            break;
                        if (c == '\\') {
                            if (i >= line.size())
                                throw LineError("dangling backslash");
                            char e = line[i++];
                            if (e == '\\')
                                value += '\\';
                            else if (e == '"')
                                value += '"';
                            else if (e == 'n')
                                value += '\n';
                            else
                                throw LineError(std::string("bad escape \\") + e +
                                                " in label value");
                        } else {
                            value += c;
                        }
                    }
                    if (!s.labels.emplace(label, value).second)
                        throw LineError("duplicate label " + label);
                }
            }
            for (const auto& [k, v] : s.labels)
                series_key += k + "=" + v + ",";
            if (!seen_series.insert(series_key).second)
                throw LineError("duplicate series " + series_key);
            if (i >= line.size() || line[i] != ' ')
                throw LineError("expected a space before the value");
            std::string rest = line.substr(i + 1);
            auto sp = rest.find(' ');
            s.value_text = rest.substr(0, sp);
            s.value = parse_value(s.value_text);
            if (sp != std::string::npos) // valid, but we never write timestamps
                throw LineError("timestamp or trailing text after the value");
            doc.samples.push_back(std::move(s));
        } catch (const LineError& e) {
            throw std::runtime_error("line " + std::to_string(lineno) + ": " + e.what() + ": " +
                                     text::visible(line));
        }
    }
    return doc;
}

} // namespace pds::test
