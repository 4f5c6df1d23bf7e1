#include "layout/rotation.hpp"

#include "series/series.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace pds::layout {
namespace {

std::string lowered(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool one_of(const std::string& word, std::initializer_list<const char*> list) {
    const std::string w = lowered(word);
    return std::any_of(list.begin(), list.end(), [&](const char* x) { return w == x; });
}

bool rotation_word(const std::string& w) {
    return one_of(w, {"last", "latest", "hourly", "daily", "weekly", "monthly", "yearly"});
}

bool month_word(const std::string& w) {
    return one_of(w,
                  {"january",   "february", "march",    "april",    "may", "june", "july", "august",
                   "september", "october",  "november", "december", "jan", "feb",  "mar",  "apr",
                   "jun",       "jul",      "aug",      "sep",      "oct", "nov",  "dec"});
}

bool weekday_word(const std::string& w) {
    return one_of(w, {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                      "mon", "tue", "wed", "thu", "fri", "sat", "sun"});
}

bool all_digits(const std::string& w) {
    return !w.empty() &&
           std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool separator(char c) {
    return c == '-' || c == '_' || c == '.' || c == ' ';
}

} // namespace

bool is_rotation_folder(const std::string& c) {
    if (rotation_word(c) || month_word(c))
        return true;
    if (all_digits(c) && c.size() == 4) {
        const int y = std::stoi(c);
        return y >= 1970 && y <= 2199;
    }
    if (all_digits(c) && c.size() <= 2) {
        const int m = std::stoi(c);
        return m >= 1 && m <= 12;
    }
    const auto st = series::find_stamp(c);
    if (!st)
        return false;
    std::string rest = c.substr(0, st->pos) + " " + c.substr(st->pos + st->length);
    std::string word;
    for (char ch : rest + " ") {
        if (!separator(ch)) {
            word += ch;
            continue;
        }
        if (!word.empty() && !rotation_word(word))
            return false;
        word.clear();
    }
    return true;
}

std::string normalize_series_name(const std::string& name) {
    // Split into words and separators; the extension (from the first '.' after the last
    // '*' or word that is not noise) stays as it is because only whole words are replaced.
    std::vector<std::string> parts; // alternating word / separator runs
    std::string cur;
    bool cur_sep = false;
    for (char ch : name) {
        const bool sep = separator(ch);
        if (!cur.empty() && sep != cur_sep) {
            parts.push_back(cur);
            cur.clear();
        }
        cur += ch;
        cur_sep = sep;
    }
    if (!cur.empty())
        parts.push_back(cur);
    const std::string first = parts.empty() ? "" : parts[0];
    bool after_week = false;
    for (std::size_t k = 0; k < parts.size(); ++k) {
        std::string& w = parts[k];
        if (separator(w[0]))
            continue;
        const bool week = lowered(w) == "week";
        if (k > 0 && (weekday_word(w) || month_word(w) || rotation_word(w) || week ||
                      (after_week && all_digits(w)) || (w == first && first != "*")))
            w = "*";
        after_week = week;
    }
    // Collapse "*", separator, "*" into "*" (keeping the first separator before it).
    std::string out;
    for (std::size_t k = 0; k < parts.size(); ++k) {
        if (parts[k] == "*" && k >= 2 && parts[k - 2] == "*" && separator(parts[k - 1][0])) {
            out.erase(out.size() - parts[k - 1].size());
            continue;
        }
        out += parts[k];
    }
    return out;
}

std::string group_key(const std::string& relative_dir, const std::string& series_name) {
    std::string out;
    std::string comp;
    for (char ch : relative_dir + "/") {
        if (ch != '/') {
            comp += ch;
            continue;
        }
        if (!comp.empty())
            out += (is_rotation_folder(comp) ? std::string("*") : comp) + "/";
        comp.clear();
    }
    return out + normalize_series_name(series_name);
}

DumpTime dump_time(const std::string& filename, std::time_t mtime, std::time_t now) {
    DumpTime d;
    d.time = mtime;
    const auto st = series::find_stamp(filename);
    if (!st || st->coarse)
        return d;
    d.stamp = st->time;
    if (st->time > now) {
        d.source = TimeSource::Future;
        return d;
    }
    d.time = st->time;
    d.source = TimeSource::Name;
    if (st->date_only) {
        std::tm a{}, b{};
        ::localtime_r(&st->time, &a);
        ::localtime_r(&mtime, &b);
        if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday && mtime <= now) {
            d.time = mtime;
            d.source = TimeSource::NameMtime;
        }
    }
    return d;
}

} // namespace pds::layout
