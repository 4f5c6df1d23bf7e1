// A strict parser of the Prometheus text exposition format (version 0.0.4), for checking the
// metrics file: anything node_exporter's textfile collector would reject, or that we never
// mean to write, throws.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace pds::test {

struct PromSample {
    std::string name;
    std::map<std::string, std::string> labels; // unescaped
    std::string value_text;
    double value = 0;
};

struct PromFile {
    std::map<std::string, std::string> help, type;
    std::vector<PromSample> samples;

    // The samples of a family whose labels include all of `match`.
    std::vector<PromSample> find(const std::string& name,
                                 const std::map<std::string, std::string>& match = {}) const {
        std::vector<PromSample> out;
        for (const PromSample& s : samples) {
            if (s.name != name)
                continue;
            bool ok = true;
            for (const auto& [k, v] : match) {
                const auto it = s.labels.find(k);
                ok = ok && it != s.labels.end() && it->second == v;
            }
            if (ok)
                out.push_back(s);
        }
        return out;
    }
};

inline bool prom_valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80             ? 1
                        : (c & 0xE0) == 0xC0 ? 2
                        : (c & 0xF0) == 0xE0 ? 3
                        : (c & 0xF8) == 0xF0 ? 4
                                             : 0;
        if (n == 0 || i + n > s.size() || (n == 2 && c < 0xC2))
            return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        i += n;
    }
    return true;
}

inline PromFile parse_prometheus(const std::string& text) {
    PromFile f;
    const auto fail = [](std::size_t line, const std::string& why) {
        throw std::runtime_error("exposition line " + std::to_string(line) + ": " + why);
    };
    if (text.empty() || text.back() != '\n')
        fail(0, "file must end with a newline");
    if (!prom_valid_utf8(text))
        fail(0, "file is not valid UTF-8");
    const auto is_name = [](const std::string& n, bool metric) {
        if (n.empty())
            return false;
        for (std::size_t i = 0; i < n.size(); ++i) {
            const char c = n[i];
            const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                               (metric && c == ':');
            if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
                return false;
        }
        return true;
    };
    std::set<std::string> closed, series;
    std::string current;
    std::size_t lineno = 0, pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++lineno;
        if (line.empty())
            fail(lineno, "empty line");
        const auto open_family = [&](const std::string& fam) {
            if (fam != current) {
                if (closed.count(fam))
                    fail(lineno, "family " + fam + " is not contiguous");
                if (!current.empty())
                    closed.insert(current);
                current = fam;
            }
        };
        if (line[0] == '#') {
            const bool is_help = line.rfind("# HELP ", 0) == 0;
            const bool is_type = line.rfind("# TYPE ", 0) == 0;
            if (!is_help && !is_type)
                fail(lineno, "unexpected comment");
            const std::string rest = line.substr(7);
            const std::size_t sp = rest.find(' ');
            if (sp == std::string::npos)
                fail(lineno, "HELP/TYPE without text");
            const std::string fam = rest.substr(0, sp), arg = rest.substr(sp + 1);
            if (!is_name(fam, true))
                fail(lineno, "bad metric name " + fam);
            open_family(fam);
            if (is_help) {
                if (f.help.count(fam))
                    fail(lineno, "second HELP for " + fam);
                for (std::size_t i = 0; i < arg.size(); ++i)
                    if (arg[i] == '\\' &&
                        (i + 1 >= arg.size() || (arg[i + 1] != '\\' && arg[i + 1] != 'n')))
                        fail(lineno, "bad escape in HELP");
                    else if (arg[i] == '\\')
                        ++i;
                f.help[fam] = arg;
            } else {
                if (f.type.count(fam))
                    fail(lineno, "second TYPE for " + fam);
                if (arg != "gauge" && arg != "counter" && arg != "untyped")
                    fail(lineno, "unexpected type " + arg);
                for (const PromSample& s : f.samples)
                    if (s.name == fam)
                        fail(lineno, "TYPE after samples of " + fam);
                f.type[fam] = arg;
            }
            continue;
        }
        PromSample s;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ')
            ++i;
        s.name = line.substr(0, i);
        if (!is_name(s.name, true))
            fail(lineno, "bad metric name " + s.name);
        if (!f.type.count(s.name))
            fail(lineno, "sample before TYPE of " + s.name);
        open_family(s.name);
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (true) {
                const std::size_t eq = line.find('=', i);
                if (eq == std::string::npos)
                    fail(lineno, "label without =");
                const std::string ln = line.substr(i, eq - i);
                if (!is_name(ln, false) || ln.rfind("__", 0) == 0)
                    fail(lineno, "bad label name " + ln);
                if (eq + 1 >= line.size() || line[eq + 1] != '"')
                    fail(lineno, "label value not quoted");
                std::string v;
                std::size_t k = eq + 2;
                for (; k < line.size() && line[k] != '"'; ++k) {
                    if (line[k] == '\\') {
                        ++k;
                        if (k >= line.size())
                            fail(lineno, "dangling backslash");
                        if (line[k] == 'n')
                            v += '\n';
                        else if (line[k] == '\\' || line[k] == '"')
                            v += line[k];
                        else
                            fail(lineno, "bad escape in label value");
                    } else {
                        v += line[k];
                    }
                }
                if (k >= line.size())
                    fail(lineno, "unterminated label value");
                if (!s.labels.emplace(ln, v).second)
                    fail(lineno, "duplicate label " + ln);
                i = k + 1;
                if (i < line.size() && line[i] == ',') {
                    ++i;
                    continue;
                }
                if (i >= line.size() || line[i] != '}')
                    fail(lineno, "expected } after labels");
                ++i;
                break;
            }
        }
        if (i >= line.size() || line[i] != ' ')
            fail(lineno, "expected one space before the value");
        ++i;
        const std::size_t sp = line.find(' ', i);
        s.value_text = line.substr(i, sp == std::string::npos ? std::string::npos : sp - i);
        if (s.value_text == "NaN" || s.value_text == "+Inf" || s.value_text == "-Inf") {
            s.value = std::nan("");
        } else {
            char* end = nullptr;
            s.value = std::strtod(s.value_text.c_str(), &end);
            if (s.value_text.empty() || *end != '\0' ||
                s.value_text.find_first_of("xXpPiInN") != std::string::npos)
                fail(lineno, "bad value " + s.value_text);
        }
        if (sp != std::string::npos)
            fail(lineno, "unexpected timestamp or trailing text");
        std::string id = s.name;
        for (const auto& [k, v] : s.labels)
            id += "|" + k + "=" + v;
        if (!series.insert(id).second)
            fail(lineno, "duplicate series " + id);
        f.samples.push_back(s);
    }
    return f;
}

} // namespace pds::test
