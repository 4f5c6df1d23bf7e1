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
        if (!compact && at(s, end, "h") && digit_run(s, end + 1) == 2 && at(s, end + 3, "m")) {
            t.min = number(s, end + 1, 2); // 03h05m
            end += 4;
        } else if (!compact && at(s, end, ":-._") && digit_run(s, end + 1) == 2) {
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

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// An English month name (full or three-letter) at p, not followed by another letter:
// its number and the end, or 0.
int month_name_at(const std::string& s, std::size_t p, std::size_t& end) {
    static const char* const names[] = {"january",   "february", "march",    "april",
                                        "may",       "june",     "july",     "august",
                                        "september", "october",  "november", "december"};
    auto letter = [&](std::size_t k) {
        return k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z'));
    };
    for (int m = 0; m < 12; ++m) {
        const std::string full = names[m];
        for (std::size_t n : {full.size(), std::size_t(3)}) {
            std::size_t k = 0;
            while (k < n && p + k < s.size() && lower(s[p + k]) == full[k])
                ++k;
            if (k == n && !letter(p + n)) {
                end = p + n;
                return m + 1;
            }
        }
    }
    return 0;
}

// DD-Month-YYYY (one or two day digits) at i, then an optional time.
std::optional<Stamp> month_name_stamp(const std::string& s, std::size_t i, std::size_t run) {
    if ((run != 1 && run != 2) || !at(s, i + run, "-_. "))
        return std::nullopt;
    const char sep = s[i + run];
    std::size_t p = 0;
    Fields f;
    f.day = number(s, i, run);
    f.mon = month_name_at(s, i + run + 1, p);
    if (!f.mon || !at(s, p, "-_. ") || s[p] != sep || digit_run(s, p + 1) != 4)
        return std::nullopt;
    f.year = number(s, p + 1, 4);
    if (!valid_date(f.year, f.mon, f.day))
        return std::nullopt;
    const std::size_t date_end = p + 5;
    const std::size_t end = parse_time(s, date_end, "Tt_- .", false, f);
    Stamp st{i, end - i, to_time(f)};
    st.date_only = end == date_end;
    return st;
}

// A stamp starting at i (s[i] is a digit not preceded by a digit), or nothing.
std::optional<Stamp> stamp_at(const std::string& s, std::size_t i) {
    const std::size_t run = digit_run(s, i);
    Fields f;
    std::size_t end = 0;
    std::size_t date_end = 0;
    if (run <= 2)
        return month_name_stamp(s, i, run);
    if (run == 6) {
        // YYYYMM or YYYYWW: which one cannot be told, so the name gives no time.
        const int year = number(s, i, 4), n = number(s, i + 4, 2);
        if (year < 1970 || year > 2199 || n < 1 || n > 53)
            return std::nullopt;
        Stamp st{i, 6, 0};
        st.coarse = true;
        return st;
    }
    if (run == 4 && at(s, i + 4, "-_.") && digit_run(s, i + 5) == 2 && s.size() > i + 7 &&
        s[i + 7] == s[i + 4] && digit_run(s, i + 8) == 2) {
        f.year = number(s, i, 4), f.mon = number(s, i + 5, 2), f.day = number(s, i + 8, 2);
        if (!valid_date(f.year, f.mon, f.day))
            return std::nullopt;
        date_end = i + 10;
        end = parse_time(s, i + 10, "Tt_- ", false, f);
    } else if (run == 8 || run == 12 || run == 14) {
        f.year = number(s, i, 4), f.mon = number(s, i + 4, 2), f.day = number(s, i + 6, 2);
        if (!valid_date(f.year, f.mon, f.day))
            return std::nullopt;
        if (run == 8) {
            date_end = i + 8;
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
    Stamp st{i, end - i, to_time(f)};
    st.date_only = end == date_end;
    return st;
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
    if (const auto st = find_stamp(filename); st && !st->coarse)
        return st->time;
    return std::nullopt;
}

bool glob_matches(const std::string& glob, const std::string& filename) {
    return ::fnmatch(glob.c_str(), filename.c_str(), 0) == 0;
}

} // namespace pds::series
