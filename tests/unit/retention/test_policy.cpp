// The retention policy as a pure function: rules, the newer-good-dump gate, work files.
#include "policy_util.hpp"
#include "retention/policy.hpp"

#include <catch2/catch.hpp>

using namespace pds::retention;
using namespace pds::test;

namespace {

const std::time_t kDay0 = utc(2026, 1, 1, 3); // daily dumps at 03:00 UTC from 2026-01-01

std::vector<Candidate> dailies(int first, int last) {
    std::vector<Candidate> v;
    for (int d = first; d <= last; ++d)
        v.push_back(dump_at(kDay0 + d * kDay));
    return v;
}

} // namespace

TEST_CASE("no rule set: retention is off and nothing is looked at") {
    FakeVerifier v;
    const Plan p = plan_retention(plan_input(dailies(0, 9), "app-2026-01-10.dump", KeepSettings{},
                                             kDay0 + 10 * kDay, v.fn()));
    CHECK_FALSE(p.enabled);
    CHECK(p.prune.empty());
    CHECK(v.calls.empty());
}

TEST_CASE("keep_last keeps the N newest and prunes the rest with their age") {
    FakeVerifier v;
    const std::time_t now = kDay0 + 9 * kDay + 600;
    const Plan p =
        plan_retention(plan_input(dailies(0, 9), "app-2026-01-10.dump", last(3), now, v.fn()));
    REQUIRE(p.enabled);
    REQUIRE(p.refused.empty());
    CHECK(names(p.keep) == app_names({"2026-01-08", "2026-01-09", "2026-01-10"}));
    CHECK(p.prune.size() == 7);
    CHECK(has_reason(p, "app-2026-01-10.dump", "just published"));
    CHECK(has_reason(p, "app-2026-01-08.dump", "last 3"));
    // The published dump is the newest, the newer good dump; the two others that take a
    // "last 3" slot are verified first: only restore points count.
    CHECK(v.calls == std::vector<std::string>{"app-2026-01-09.dump", "app-2026-01-08.dump"});
    CHECK(p.newest_good == std::optional<std::string>("app-2026-01-10.dump"));
    for (const Doomed& d : p.prune)
        CHECK(d.age_seconds == now - d.dump.time);
    CHECK(p.prune.front().dump.name == "app-2026-01-07.dump"); // newest first
    CHECK(p.prune.front().age_seconds == 3 * kDay + 600);
}

TEST_CASE("keep_days keeps dumps younger than D days, the boundary itself goes") {
    std::vector<Candidate> c = dailies(0, 4);
    const std::time_t now = kDay0 + 4 * kDay;
    const Plan p = plan_retention(plan_input(c, "app-2026-01-05.dump", days(2), now));
    // 2026-01-04 is 1 day old, 2026-01-03 exactly 2 days: not younger than 2 days.
    CHECK(names(p.keep) == app_names({"2026-01-04", "2026-01-05"}));
    CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02", "2026-01-03"}));
    const Plan q = plan_retention(plan_input(c, "app-2026-01-05.dump", days(2), now - 1));
    CHECK(names(q.keep) == app_names({"2026-01-03", "2026-01-04", "2026-01-05"}));
}

TEST_CASE("the rules are a union") {
    KeepSettings s;
    s.keep_last = 2;
    s.keep_days = 4;
    const Plan p =
        plan_retention(plan_input(dailies(0, 9), "app-2026-01-10.dump", s, kDay0 + 9 * kDay + 60));
    CHECK(names(p.keep) == app_names({"2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10"}));
    CHECK(has_reason(p, "app-2026-01-09.dump", "last 2"));
    CHECK(has_reason(p, "app-2026-01-09.dump", "within 4 days"));
}

TEST_CASE("work files are never considered, even when passed in") {
    std::vector<Candidate> c = dailies(0, 3);
    for (const char* n : {"app-2025-01-01.dump.partial", "app-2025-01-01.dump.lock",
                          "app-2025-01-01.dump.partial.failure.json", ".app-2025-01-02.dump",
                          "app-2025-01-03.dump.tmp", "app-2025-01-04.dump.partial.x"}) {
        Candidate w = dump_at(utc(2025, 1, 1));
        w.name = n;
        w.path = boost::filesystem::path("/backups") / n;
        c.push_back(w);
    }
    const Plan p = plan_retention(plan_input(c, "app-2026-01-04.dump", last(1), kDay0 + 3 * kDay));
    CHECK(names(p.keep) == app_names({"2026-01-04"}));
    CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02", "2026-01-03"}));
    for (const char* n :
         {"x.partial", "x.lock", "x.partial.failure.json", ".x", "x.tmp", "x.failure.json", ""})
        CHECK(is_work_file(n));
    for (const char* n : {"app-2026-01-01.dump", "partial.dump", "app.lockdown.sql", "x.partialx"})
        CHECK_FALSE(is_work_file(n));
}

TEST_CASE("a week where the last three runs failed: the newest good dump survives") {
    // Finals for 01-01..01-04; the runs of 01-05..01-07 left only partials, which never reach
    // the planner as dumps (and would be ignored if they did).
    std::vector<Candidate> c = dailies(0, 3);
    for (int d = 4; d <= 6; ++d)
        c.push_back(dump_at(kDay0 + d * kDay, ".dump.partial"));
    const std::time_t now = kDay0 + 6 * kDay + 3600;
    FakeVerifier v;

    SECTION("retention run with no new publication, keep_days shorter than the outage") {
        const Plan p = plan_retention(plan_input(c, std::nullopt, days(2), now, v.fn()));
        REQUIRE(p.refused.empty());
        CHECK(names(p.keep) == app_names({"2026-01-04"}));
        CHECK(has_reason(p, "app-2026-01-04.dump", "newest verified dump"));
        CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02", "2026-01-03"}));
        CHECK(v.calls == std::vector<std::string>{"app-2026-01-04.dump"});
    }
    SECTION("keep_last counts dumps, not failed runs") {
        const Plan p = plan_retention(plan_input(c, std::nullopt, last(2), now, v.fn()));
        CHECK(names(p.keep) == app_names({"2026-01-03", "2026-01-04"}));
        CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02"}));
    }
    SECTION("the next successful run prunes by the rules only") {
        c.push_back(dump_at(kDay0 + 7 * kDay));
        const Plan p =
            plan_retention(plan_input(c, "app-2026-01-08.dump", last(3), now + kDay, v.fn()));
        CHECK(names(p.keep) == app_names({"2026-01-03", "2026-01-04", "2026-01-08"}));
        CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02"}));
        CHECK(v.calls == std::vector<std::string>{"app-2026-01-04.dump", "app-2026-01-03.dump"});
    }
}

TEST_CASE("a corrupt final is never the newer good dump that allows pruning") {
    const std::time_t now = kDay0 + 6 * kDay;
    FakeVerifier v;

    SECTION("newest final corrupt: the one before it is the newest good and survives") {
        v.corrupt = {"app-2026-01-07.dump"};
        const Plan p =
            plan_retention(plan_input(dailies(0, 6), std::nullopt, last(1), now, v.fn()));
        REQUIRE(p.refused.empty());
        CHECK(p.newest_good == std::optional<std::string>("app-2026-01-06.dump"));
        CHECK(names(p.keep) == app_names({"2026-01-06", "2026-01-07"}));
        CHECK(has_reason(p, "app-2026-01-07.dump", "failed verification (truncated data block)"));
        // The corrupt dump does not use up the keep_last slot: 01-06 holds it.
        CHECK(has_reason(p, "app-2026-01-06.dump", "last 1"));
        CHECK(p.prune.size() == 5);
        CHECK(v.calls == std::vector<std::string>{"app-2026-01-07.dump", "app-2026-01-06.dump"});
    }
    SECTION("two corrupt finals: pruning only below the newest good one") {
        v.corrupt = {"app-2026-01-07.dump", "app-2026-01-06.dump"};
        const Plan p =
            plan_retention(plan_input(dailies(0, 6), std::nullopt, last(1), now, v.fn()));
        CHECK(names(p.keep) == app_names({"2026-01-05", "2026-01-06", "2026-01-07"}));
        CHECK(names(p.prune) ==
              app_names({"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"}));
    }
    SECTION("every final corrupt: nothing is pruned") {
        for (int d = 0; d <= 6; ++d)
            v.corrupt.insert(dump_at(kDay0 + d * kDay).name);
        const Plan p =
            plan_retention(plan_input(dailies(0, 6), std::nullopt, last(1), now, v.fn()));
        CHECK_FALSE(p.refused.empty());
        CHECK(p.prune.empty());
        CHECK(p.keep.size() == 7);
        CHECK(v.calls.size() == 7);
    }
    SECTION("published dump older than other finals (a backfill run)") {
        v.corrupt = {"app-2026-01-07.dump"};
        const Plan p =
            plan_retention(plan_input(dailies(0, 6), "app-2026-01-05.dump", last(1), now, v.fn()));
        // Newer than the published dump: 01-07 is corrupt, 01-06 is good.
        CHECK(v.calls == std::vector<std::string>{"app-2026-01-07.dump", "app-2026-01-06.dump"});
        CHECK(p.newest_good == std::optional<std::string>("app-2026-01-06.dump"));
        CHECK(names(p.keep) == app_names({"2026-01-05", "2026-01-06", "2026-01-07"}));
        CHECK(has_reason(p, "app-2026-01-05.dump", "just published"));
        CHECK(has_reason(p, "app-2026-01-06.dump", "last 1"));
        CHECK(names(p.prune) ==
              app_names({"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"}));
    }
    SECTION("published dump older than corrupt finals only") {
        v.corrupt = {"app-2026-01-07.dump", "app-2026-01-06.dump"};
        const Plan p =
            plan_retention(plan_input(dailies(0, 6), "app-2026-01-05.dump", last(2), now, v.fn()));
        CHECK(p.newest_good == std::optional<std::string>("app-2026-01-05.dump"));
        // The corrupt ones do not fill keep_last: 01-05 and 01-04 do.
        CHECK(names(p.keep) == app_names({"2026-01-04", "2026-01-05", "2026-01-06", "2026-01-07"}));
        CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02", "2026-01-03"}));
    }
    SECTION("a verifier that throws counts as a failed verification") {
        Verifier throwing = [](const boost::filesystem::path&) -> VerifyOutcome {
            throw std::runtime_error("cannot open: Permission denied");
        };
        const Plan p =
            plan_retention(plan_input(dailies(0, 6), std::nullopt, last(1), now, throwing));
        CHECK_FALSE(p.refused.empty());
        CHECK(p.prune.empty());
        REQUIRE_FALSE(p.checked.empty());
        CHECK(p.checked[0].outcome.reason.find("Permission denied") != std::string::npos);
    }
    SECTION("no verifier given and verification needed: nothing is pruned") {
        const Plan p = plan_retention(plan_input(dailies(0, 6), std::nullopt, last(1), now, {}));
        CHECK_FALSE(p.refused.empty());
        CHECK(p.prune.empty());
    }
}

TEST_CASE("a dump as new as the newest good one is not pruned") {
    std::vector<Candidate> c = dailies(0, 3);
    Candidate twin = dump_at(kDay0 + 3 * kDay);
    twin.name = "app-1767495600.dump"; // same instant, epoch spelling
    c.push_back(twin);
    const Plan p = plan_retention(plan_input(c, "app-2026-01-04.dump", last(1), kDay0 + 4 * kDay));
    CHECK(find_kept(p, "app-1767495600.dump") != nullptr);
    CHECK(has_reason(p, "app-2026-01-04.dump", "last 1")); // the published one wins the tie
    CHECK(names(p.prune) == app_names({"2026-01-01", "2026-01-02", "2026-01-03"}));
}

TEST_CASE("a published dump that is not among the candidates refuses the plan") {
    const Plan p =
        plan_retention(plan_input(dailies(0, 3), "other.dump", last(1), kDay0 + 4 * kDay));
    CHECK(p.refused.find("other.dump") != std::string::npos);
    CHECK(p.prune.empty());
}

TEST_CASE("format_age is short and exact") {
    CHECK(format_age(0) == "0s");
    CHECK(format_age(59) == "59s");
    CHECK(format_age(61) == "1m01s");
    CHECK(format_age(3600 * 5 + 7 * 60) == "5h07m");
    CHECK(format_age(86400 * 3 + 3600 * 4 + 59) == "3d04h");
    CHECK(format_age(-90) == "-1m30s");
}
