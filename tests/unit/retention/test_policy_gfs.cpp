// Grandfather-father-son: keep_weekly / keep_monthly over simulated months of daily dumps.
#include "policy_util.hpp"
#include "retention/policy.hpp"

#include <catch2/catch.hpp>

using namespace pds::retention;
using namespace pds::test;

namespace {

const std::time_t kDay0 = utc(2026, 1, 1, 3); // a Thursday

KeepSettings gfs(unsigned last, unsigned weekly, unsigned monthly) {
    KeepSettings s;
    s.keep_last = last;
    s.keep_weekly = weekly;
    s.keep_monthly = monthly;
    return s;
}

// Runs one publication per day from day 0 to `days - 1`, pruning after each as pg_dump-safe
// would, and returns what is left.
std::vector<Candidate> simulate(int days, const KeepSettings& s, int check_until = -1) {
    std::vector<Candidate> dir;
    for (int d = 0; d < days; ++d) {
        const Candidate today = dump_at(kDay0 + d * kDay);
        dir.push_back(today);
        PlanInput in;
        in.verify = all_good();
        in.verify = all_good();
        in.candidates = dir;
        in.published = today.name;
        in.settings = s;
        in.now = today.time + 600;
        const Plan p = plan_retention(in);
        REQUIRE(p.refused.empty());
        REQUIRE(find_kept(p, today.name) != nullptr);
        REQUIRE(p.keep.size() <= s.keep_last + s.keep_weekly + s.keep_monthly);
        REQUIRE(p.keep.size() + p.prune.size() == dir.size());
        std::vector<Candidate> left;
        for (const Kept& k : p.keep)
            left.push_back(k.dump);
        dir = left;
        if (d == check_until)
            break;
    }
    std::sort(dir.begin(), dir.end(),
              [](const Candidate& a, const Candidate& b) { return a.name < b.name; });
    return dir;
}

std::vector<std::string> sorted_names(const std::vector<Candidate>& v) {
    std::vector<std::string> out;
    for (const Candidate& c : v)
        out.push_back(c.name);
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

TEST_CASE("GFS over 120 daily runs keeps the last 7, 4 weekly and 3 monthly dumps") {
    ScopedTz tz("UTC0");
    // Day 119 is Thursday 2026-04-30 (ISO week 2026-W18 started Monday 04-27).
    const auto left = simulate(120, gfs(7, 4, 3));
    CHECK(sorted_names(left) ==
          app_names({"2026-02-28",               // monthly: newest of February
                     "2026-03-31",               // monthly: newest of March
                     "2026-04-12", "2026-04-19", // weekly: Sundays of W15, W16
                     "2026-04-24", "2026-04-25", "2026-04-26", "2026-04-27", "2026-04-28",
                     "2026-04-29", "2026-04-30"})); // last 7 (W17's Sunday 04-26, W18, April)
}

TEST_CASE("GFS after 91 daily runs, mid-week at the start of a month") {
    ScopedTz tz("UTC0");
    // Day 90 is Wednesday 2026-04-01.
    const auto left = simulate(91, gfs(7, 4, 3));
    CHECK(sorted_names(left) ==
          app_names({"2026-02-28", "2026-03-15", "2026-03-22", "2026-03-26", "2026-03-27",
                     "2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31", "2026-04-01"}));
}

TEST_CASE("pruning once after 120 days gives the same set as pruning daily") {
    ScopedTz tz("UTC0");
    std::vector<Candidate> all;
    for (int d = 0; d < 120; ++d)
        all.push_back(dump_at(kDay0 + d * kDay));
    PlanInput in;
    in.verify = all_good();
    in.candidates = all;
    in.published = all.back().name;
    in.settings = gfs(7, 4, 3);
    in.now = all.back().time + 600;
    const Plan p = plan_retention(in);
    CHECK(names(p.keep) == sorted_names(simulate(120, gfs(7, 4, 3))));
    CHECK(p.prune.size() == 109);
    CHECK(has_reason(p, "app-2026-04-19.dump", "weekly 2026-W16"));
    CHECK(has_reason(p, "app-2026-02-28.dump", "monthly 2026-02"));
}

TEST_CASE("weeks and months without dumps do not use up slots") {
    ScopedTz tz("UTC0");
    // Dumps in January, then an outage until June.
    std::vector<Candidate> c;
    for (int d : {3, 10, 11, 20})
        c.push_back(dump_at(utc(2026, 1, d, 3)));
    c.push_back(dump_at(utc(2026, 6, 2, 3)));
    PlanInput in;
    in.verify = all_good();
    in.candidates = c;
    in.published = "app-2026-06-02.dump";
    in.now = utc(2026, 6, 2, 4);

    in.settings = gfs(0, 0, 2);
    Plan p = plan_retention(in);
    CHECK(names(p.keep) == app_names({"2026-01-20", "2026-06-02"}));

    in.settings = gfs(0, 3, 0); // ISO weeks 2026-W23, W04, W02 (01-10 and 01-11 share W02)
    p = plan_retention(in);
    CHECK(names(p.keep) == app_names({"2026-01-11", "2026-01-20", "2026-06-02"}));
    CHECK(names(p.prune) == app_names({"2026-01-03", "2026-01-10"}));
}

TEST_CASE("weekly buckets are ISO weeks across the year boundary") {
    ScopedTz tz("UTC0");
    // Sunday 2025-12-28 ends 2025-W52; Monday 2025-12-29 starts 2026-W01.
    std::vector<Candidate> c = {dump_at(utc(2025, 12, 28, 3)), dump_at(utc(2025, 12, 29, 3)),
                                dump_at(utc(2026, 1, 1, 3))};
    PlanInput in;
    in.verify = all_good();
    in.candidates = c;
    in.published = "app-2026-01-01.dump";
    in.settings = gfs(0, 2, 0);
    in.now = utc(2026, 1, 1, 4);
    const Plan p = plan_retention(in);
    CHECK(names(p.keep) == app_names({"2025-12-28", "2026-01-01"}));
    CHECK(has_reason(p, "app-2025-12-28.dump", "weekly 2025-W52"));
    CHECK(names(p.prune) == app_names({"2025-12-29"}));
}

TEST_CASE("months are local months") {
    ScopedTz tz("EET-2"); // UTC+2 all year
    // 2026-03-31 23:30 UTC is already April 1 in this zone.
    Candidate late_march_utc = dump_at(utc(2026, 3, 31, 23, 30));
    late_march_utc.name = "app-a.dump";
    Candidate mid_march = dump_at(utc(2026, 3, 15, 3));
    mid_march.name = "app-b.dump";
    Candidate april = dump_at(utc(2026, 4, 1, 12));
    april.name = "app-c.dump";
    PlanInput in;
    in.verify = all_good();
    in.candidates = {late_march_utc, mid_march, april};
    in.published = "app-c.dump";
    in.settings = gfs(0, 0, 2);
    in.now = utc(2026, 4, 1, 13);
    const Plan p = plan_retention(in);
    CHECK(has_reason(p, "app-b.dump", "monthly 2026-03"));
    CHECK(has_reason(p, "app-c.dump", "monthly 2026-04"));
    REQUIRE(p.prune.size() == 1);
    CHECK(p.prune[0].dump.name == "app-a.dump");
}
