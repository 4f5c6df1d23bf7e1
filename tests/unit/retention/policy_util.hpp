// Building plan inputs for the policy tests: daily dumps named by date.
#pragma once

#include "retention/policy.hpp"
#include "support/test_util.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>
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

inline std::vector<std::string> names(const std::vector<retention::Kept>& v) {
    std::vector<std::string> out;
    for (const auto& k : v)
        out.push_back(k.dump.name);
    std::sort(out.begin(), out.end());
    return out;
}

inline std::vector<std::string> names(const std::vector<retention::Doomed>& v) {
    std::vector<std::string> out;
    for (const auto& d : v)
        out.push_back(d.dump.name);
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
