// What the retention tests share: daily dumps named by date, keep rules, plan inputs and
// retention requests, fixed mtimes, a verifier fake.
#pragma once

#include "retention/execute.hpp"
#include "retention/policy.hpp"
#include "support/test_util.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utime.h>
#include <vector>

namespace pds::test {

constexpr std::time_t kDay = 86400;

inline retention::Candidate dump_at(std::time_t t, const std::string& suffix = ".dump") {
    retention::Candidate c;
    c.name = "app-" + utc_date(t) + suffix;
    c.path = boost::filesystem::path("/backups") / c.name;
    c.time = t;
    c.time_from_name = true;
    c.size = 1000;
    return c;
}

// The sorted file names of plan entries (Kept, Doomed).
template <class Entry> std::vector<std::string> names(const std::vector<Entry>& v) {
    std::vector<std::string> out;
    for (const auto& e : v)
        out.push_back(e.dump.name);
    std::sort(out.begin(), out.end());
    return out;
}

inline std::vector<std::string> app_names(std::initializer_list<const char*> dates) {
    std::vector<std::string> out;
    for (const char* d : dates)
        out.push_back(std::string("app-") + d + ".dump");
    std::sort(out.begin(), out.end());
    return out;
}

// A verifier fake: the tests decide which dumps are corrupt (reality cannot make a dump go bad
// on demand); it records every call so tests can assert how much verification was done.
struct FakeVerifier {
    std::set<std::string> corrupt; // file names
    std::vector<std::string> calls;
    std::string database; // what every archive header says ("" unknown)
    retention::Verifier fn() {
        return [this](const boost::filesystem::path& p) {
            const std::string name = p.filename().string();
            calls.push_back(name);
            if (corrupt.count(name))
                return retention::VerifyOutcome{false, "truncated data block", ""};
            return retention::VerifyOutcome{true, "", database};
        };
    }
};

// A verifier for tests where every dump is good (only restore points take keep slots, so
// the policy asks about each dump that would take one).
inline retention::Verifier all_good() {
    return [](const boost::filesystem::path&) { return retention::VerifyOutcome{true, "", ""}; };
}

inline retention::KeepSettings last(unsigned n) {
    retention::KeepSettings s;
    s.keep_last = n;
    return s;
}

inline retention::KeepSettings days(unsigned n) {
    retention::KeepSettings s;
    s.keep_days = n;
    return s;
}

inline retention::PlanInput plan_input(std::vector<retention::Candidate> c,
                                       std::optional<std::string> published,
                                       retention::KeepSettings s, std::time_t now,
                                       retention::Verifier verify = all_good()) {
    retention::PlanInput in;
    in.candidates = std::move(c);
    in.published = std::move(published);
    in.settings = s;
    in.now = now;
    in.verify = std::move(verify);
    return in;
}

// Retention after publishing `published` (a file or directory on disk), at time `now`.
inline retention::RetentionRequest request(const boost::filesystem::path& published,
                                           retention::KeepSettings s, std::time_t now,
                                           retention::Verifier verify = {}) {
    retention::RetentionRequest r;
    r.published = published;
    r.settings = s;
    r.verify = std::move(verify);
    r.now = now;
    return r;
}

// Sets a file's (or directory's) mtime and atime: the tests never depend on the clock.
inline void set_mtime(const boost::filesystem::path& p, std::time_t t) {
    struct utimbuf ut {
        t, t
    };
    REQUIRE(::utime(p.c_str(), &ut) == 0);
}

inline const retention::Kept* find_kept(const retention::Plan& p, const std::string& name) {
    for (const auto& k : p.keep)
        if (k.dump.name == name)
            return &k;
    return nullptr;
}

inline bool has_reason(const retention::Plan& p, const std::string& name, const std::string& part) {
    const retention::Kept* k = find_kept(p, name);
    if (!k)
        return false;
    for (const auto& r : k->reasons)
        if (r.find(part) != std::string::npos)
            return true;
    return false;
}

} // namespace pds::test
