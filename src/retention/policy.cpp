#include "retention/policy.hpp"

#include "layout/layout.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <set>

namespace pds::retention {
namespace {

// Newest first; on equal times the published dump first, then by name, so the order (and so
// which dump a rule picks) never depends on directory order.
void sort_newest_first(std::vector<Candidate>& v, const std::optional<std::string>& published) {
    std::sort(v.begin(), v.end(), [&](const Candidate& a, const Candidate& b) {
        if (a.time != b.time)
            return a.time > b.time;
        const bool pa = published && a.name == *published;
        const bool pb = published && b.name == *published;
        if (pa != pb)
            return pa;
        return a.name > b.name;
    });
}

std::string local_bucket(std::time_t t, const char* format) {
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

VerifyOutcome ask(const Verifier& verify, const Candidate& c) {
    if (!verify)
        return {false, "no verifier available", ""};
    try {
        return verify(c.path);
    } catch (const std::exception& e) {
        return {false, std::string("verifier failed: ") + e.what(), ""};
    } catch (...) {
        return {false, "verifier failed", ""};
    }
}

// Whether a dump is a restore point of the published database, asked once per dump.
class Restorable {
public:
    Restorable(const PlanInput& in, Plan& plan) : in_(in), plan_(plan) {}
    enum Status { Good, Bad, Foreign };
    Status operator()(const Candidate& c) {
        if (in_.published && c.name == *in_.published)
            return Good;
        const auto it = memo_.find(c.name);
        if (it != memo_.end())
            return it->second;
        VerifyOutcome v = ask(in_.verify, c);
        Status st = Good;
        if (!v.good) {
            st = Bad;
        } else if (!in_.database.empty() && !v.database.empty() && v.database != in_.database) {
            st = Foreign;
            v.good = false;
            v.reason = "a dump of database " + v.database + ", not " + in_.database;
        }
        plan_.checked.push_back({c.name, v});
        memo_[c.name] = st;
        return st;
    }

private:
    const PlanInput& in_;
    Plan& plan_;
    std::map<std::string, Status> memo_;
};

// Adds `reason` for the newest restore point of each of the `slots` most recent buckets.
void keep_per_bucket(const std::vector<const Candidate*>& dumps, unsigned slots, const char* format,
                     const std::string& label, Restorable& restorable,
                     std::map<std::string, std::vector<std::string>>& reasons) {
    std::set<std::string> seen;
    for (const Candidate* c : dumps) {
        if (seen.size() >= slots)
            break;
        const std::string bucket = local_bucket(c->time, format);
        if (!seen.count(bucket) && restorable(*c) == Restorable::Good) {
            seen.insert(bucket);
            reasons[c->name].push_back(label + " " + bucket);
        }
    }
}

} // namespace

bool is_work_file(const std::string& name) {
    return layout::is_work_file(name);
}

Plan plan_retention(const PlanInput& in) {
    Plan plan;
    plan.enabled = in.settings.enabled();
    if (!plan.enabled)
        return plan;

    std::vector<Candidate> dumps, future;
    for (const Candidate& c : in.candidates)
        if (!is_work_file(c.name))
            (c.future ? future : dumps).push_back(c);
    sort_newest_first(dumps, in.published);

    const auto is_published = [&](const Candidate& c) {
        return in.published && c.name == *in.published;
    };
    if (in.published && std::none_of(dumps.begin(), dumps.end(), is_published))
        plan.refused = "the published dump " + *in.published + " is not among the series' dumps";

    // The newest good dump: walk from the newest until one is good. Usually the published
    // dump is the newest and no verifier call is made.
    Restorable restorable(in, plan);
    std::optional<std::size_t> newest_good;
    if (plan.refused.empty()) {
        for (std::size_t i = 0; i < dumps.size() && !newest_good; ++i)
            if (restorable(dumps[i]) == Restorable::Good)
                newest_good = i;
        if (!newest_good)
            plan.refused = "no dump of the series passed verification";
    }
    const auto future_reason = [](const Candidate& c) {
        return "dated in the future by its name: never counted, never newer than the dump "
               "just published (" +
               c.name + ")";
    };
    if (!plan.refused.empty()) {
        for (const Candidate& c : dumps)
            plan.keep.push_back({c, {"nothing pruned: " + plan.refused}});
        for (const Candidate& c : future)
            plan.keep.push_back({c, {future_reason(c)}});
        return plan;
    }
    const Candidate good = dumps[*newest_good];
    plan.newest_good = good.name;

    std::map<std::string, std::vector<std::string>> reasons;
    std::vector<const Candidate*> all;
    for (const Candidate& c : dumps)
        all.push_back(&c);

    const KeepSettings& s = in.settings;
    unsigned counted = 0;
    for (std::size_t i = 0; i < all.size() && counted < s.keep_last; ++i)
        if (restorable(*all[i]) == Restorable::Good) {
            reasons[all[i]->name].push_back("last " + std::to_string(s.keep_last));
            ++counted;
        }
    if (s.keep_days) {
        const std::int64_t window = static_cast<std::int64_t>(s.keep_days) * 86400;
        for (const Candidate* c : all)
            if (static_cast<std::int64_t>(in.now) - c->time < window)
                reasons[c->name].push_back("within " + std::to_string(s.keep_days) + " days");
    }
    keep_per_bucket(all, s.keep_weekly, "%G-W%V", "weekly", restorable, reasons);
    keep_per_bucket(all, s.keep_monthly, "%Y-%m", "monthly", restorable, reasons);

    for (const Candidate& c : dumps) {
        std::vector<std::string> why;
        if (is_published(c))
            why.push_back("just published");
        if (c.name == good.name && !is_published(c))
            why.push_back("newest verified dump");
        for (const Checked& ch : plan.checked)
            if (!ch.outcome.good && ch.name == c.name)
                why.push_back(ch.outcome.reason.rfind("a dump of database ", 0) == 0
                                  ? "not counted: " + ch.outcome.reason
                                  : "failed verification (" + ch.outcome.reason + ")");
        const auto r = reasons.find(c.name);
        if (r != reasons.end())
            why.insert(why.end(), r->second.begin(), r->second.end());
        if (!c.held_by.empty())
            why.push_back("still referred to: " + c.held_by);
        if (why.empty() && c.time >= good.time)
            why.push_back("no newer verified dump");
        if (why.empty())
            plan.prune.push_back({c, static_cast<std::int64_t>(in.now) - c.time});
        else
            plan.keep.push_back({c, why});
    }
    for (const Candidate& c : future)
        plan.keep.push_back({c, {future_reason(c)}});
    return plan;
}

std::string format_age(std::int64_t seconds) {
    const char* sign = seconds < 0 ? "-" : "";
    std::int64_t s = seconds < 0 ? -seconds : seconds;
    char buf[48];
    if (s >= 86400)
        std::snprintf(buf, sizeof buf, "%s%lldd%02lldh", sign, static_cast<long long>(s / 86400),
                      static_cast<long long>(s % 86400 / 3600));
    else if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%s%lldh%02lldm", sign, static_cast<long long>(s / 3600),
                      static_cast<long long>(s % 3600 / 60));
    else if (s >= 60)
        std::snprintf(buf, sizeof buf, "%s%lldm%02llds", sign, static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%s%llds", sign, static_cast<long long>(s));
    return buf;
}

} // namespace pds::retention
