#include "series/series.hpp"

#include <fnmatch.h>

namespace pds::series {
namespace {

struct Fields {
    int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
    bool utc = false;
    long offset = 0; // seconds east of UTC, when utc
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

std::size_t digit_run(const std::string& s, std::size_t p) {
    std::size_t q = p;
    while (q < s.size() && is_digit(s[q]))
        ++q;
    return q - p;
}

int number(const std::string& s, std::size_t p, std::size_t n) {
    int v = 0;
    for (std::size_t k = 0; k < n; ++k)
        v = v * 10 + (s[p + k] - '0');
    return v;
}

bool at(const std::string& s, std::size_t p, const char* set) {
    if (p >= s.size())
        return false;
    for (const char* c = set; *c; ++c)
        if (s[p] == *c)
            return true;
    return false;
}

bool valid_date(int y, int m, int d) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || y > 2199 || m < 1 || m > 12 || d < 1)
        return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool valid_time(int h, int m, int s) {
    return h <= 23 && m <= 59 && s <= 60;
}

// Fraction and zone after a time; `seconds` says whether the time had seconds, because an
// offset after a bare HHMM is more likely a sequence number ("_0300-0001") than a zone.
std::size_t parse_zone(const std::string& s, std::size_t p, bool seconds, Fields& f) {
    if (seconds && at(s, p, ".,") && digit_run(s, p + 1) > 0)
        p += 1 + digit_run(s, p + 1);
    if (at(s, p, "Zz")) {
        f.utc = true;
        return p + 1;
    }
    if (!seconds || !at(s, p, "+-"))
        return p;
    const long sign = s[p] == '-' ? -1 : 1;
    int hh = 0, mm = 0;
    std::size_t end = 0;
    if (digit_run(s, p + 1) == 4) {
        hh = number(s, p + 1, 2);
        mm = number(s, p + 3, 2);
        end = p + 5;
    } else if (digit_run(s, p + 1) == 2 && at(s, p + 3, ":") && digit_run(s, p + 4) == 2) {
        hh = number(s, p + 1, 2);
        mm = number(s, p + 4, 2);
        end = p + 6;
    } else {
        return p;
    }
    if (hh > 14 || mm > 59)
        return p;
    f.utc = true;
    f.offset = sign * (hh * 3600L + mm * 60L);
    return end;
}

// A time after the date, starting at the separator at p. Returns the end of the stamp, or p
// when there is no valid time (the stamp is then the date alone).
std::size_t parse_time(const std::string& s, std::size_t p, const char* separators, bool compact,
                       Fields& f) {
    if (!at(s, p, separators))
        return p;
    const std::size_t q = p + 1;
    const std::size_t run = digit_run(s, q);
    Fields t = f;
    std::size_t end = 0;
    bool seconds = false;
    if (run == 6) {
        t.hour = number(s, q, 2), t.min = number(s, q + 2, 2), t.sec = number(s, q + 4, 2);
        end = q + 6, seconds = true;
    } else if (run == 4) {
        t.hour = number(s, q, 2), t.min = number(s, q + 2, 2);
        end = q + 4;
    } else if (run == 2) {
        t.hour = number(s, q, 2);
        end = q + 2;
        if (!compact && at(s, end, ":-._") && digit_run(s, end + 1) == 2) {
            const char ts = s[end];
            t.min = number(s, end + 1, 2);
            end += 3;
            if (s.size() > end && s[end] == ts && digit_run(s, end + 1) == 2) {
                t.sec = number(s, end + 1, 2);
                end += 3, seconds = true;
            }
        }
    } else {
        return p;
    }
    if (!valid_time(t.hour, t.min, t.sec))
        return p;
    f = t;
    return parse_zone(s, end, seconds, f);
}

std::time_t to_time(const Fields& f) {
    std::tm tm{};
    tm.tm_year = f.year - 1900;
    tm.tm_mon = f.mon - 1;
    tm.tm_mday = f.day;
    tm.tm_hour = f.hour;
    tm.tm_min = f.min;
    tm.tm_sec = f.sec;
    if (f.utc)
        return timegm(&tm) - f.offset;
    tm.tm_isdst = -1; // let the zone rules decide, as `date` did when it wrote the name
    return std::mktime(&tm);
}

// A stamp starting at i (s[i] is a digit not preceded by a digit), or nothing.
std::optional<Stamp> stamp_at(const std::string& s, std::size_t i) {
    const std::size_t run = digit_run(s, i);
    Fields f;
    std::size_t end = 0;
    if (run == 4 && at(s, i + 4, "-_.") && digit_run(s, i + 5) == 2 && s.size() > i + 7 &&
        s[i + 7] == s[i + 4] && digit_run(s, i + 8) == 2) {
        f.year = number(s, i, 4), f.mon = number(s, i + 5, 2), f.day = number(s, i + 8, 2);
        if (!valid_date(f.year, f.mon, f.day))
            return std::nullopt;
        end = parse_time(s, i + 10, "Tt_- ", false, f);
    } else if (run == 8 || run == 12 || run == 14) {
        f.year = number(s, i, 4), f.mon = number(s, i + 4, 2), f.day = number(s, i + 6, 2);
        if (!valid_date(f.year, f.mon, f.day))
            return std::nullopt;
        if (run == 8) {
            end = parse_time(s, i + 8, "Tt_-", true, f);
        } else {
            f.hour = number(s, i + 8, 2), f.min = number(s, i + 10, 2);
            f.sec = run == 14 ? number(s, i + 12, 2) : 0;
            if (!valid_time(f.hour, f.min, f.sec))
                return std::nullopt;
            end = parse_zone(s, i + run, run == 14, f);
        }
    } else if (run == 10) {
        // Epoch seconds; the range keeps phone numbers and ids out.
        long long v = 0;
        for (std::size_t k = 0; k < 10; ++k)
            v = v * 10 + (s[i + k] - '0');
        if (v < 946684800LL || v >= 4102444800LL)
            return std::nullopt;
        return Stamp{i, 10, static_cast<std::time_t>(v)};
    } else {
        return std::nullopt;
    }
    return Stamp{i, end - i, to_time(f)};
}

} // namespace

std::optional<Stamp> find_stamp(const std::string& filename) {
    std::optional<Stamp> last;
    std::size_t i = 0;
    while (i < filename.size()) {
        if (!is_digit(filename[i]) || (i > 0 && is_digit(filename[i - 1]))) {
            ++i;
            continue;
        }
        if (auto st = stamp_at(filename, i)) {
            last = st;
            i += st->length;
        } else {
            i += digit_run(filename, i);
        }
    }
    return last;
}

std::string series_of(const std::string& filename) {
    const auto st = find_stamp(filename);
    if (!st)
        return filename;
    return filename.substr(0, st->pos) + "*" + filename.substr(st->pos + st->length);
}

std::optional<std::time_t> stamp_of(const std::string& filename) {
    if (const auto st = find_stamp(filename))
        return st->time;
    return std::nullopt;
}

bool glob_matches(const std::string& glob, const std::string& filename) {
    return ::fnmatch(glob.c_str(), filename.c_str(), 0) == 0;
}

} // namespace pds::series
