// The per-version option tables: kept sorted, and a few facts about when options came and went.
#include "cli/pgdump_option_table.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

using namespace pds::cli;

namespace {

const PgDumpLongOption* find(const char* name, int major) {
    for (const PgDumpLongOption* o : long_options_for(major))
        if (std::strcmp(o->name, name) == 0)
            return o;
    return nullptr;
}

bool has(const char* name, int major) {
    return find(name, major) != nullptr;
}

// Majors in which the option exists, e.g. "15-18".
std::string span(const char* name) {
    int first = 0;
    int last = 0;
    for (int m = kOldestMajor; m <= kLatestMajor; ++m) {
        if (!has(name, m))
            continue;
        if (first == 0)
            first = m;
        last = m;
    }
    return first == 0 ? "never" : std::to_string(first) + "-" + std::to_string(last);
}

} // namespace

TEST_CASE("the long option table is sorted, unique and well-formed") {
    const auto& all = all_long_options();
    REQUIRE(all.size() == 78);
    for (std::size_t i = 1; i < all.size(); ++i) {
        INFO(all[i - 1].name << " / " << all[i].name);
        CHECK(std::strcmp(all[i - 1].name, all[i].name) < 0);
    }
    for (const PgDumpLongOption& o : all) {
        INFO(o.name);
        CHECK(o.first_major >= kOldestMajor);
        CHECK(o.first_major <= o.last_major);
        CHECK(o.last_major <= kLatestMajor);
        CHECK(o.has_arg != HasArg::Optional); // pg_dump has no optional-argument option
        if (o.flag != nullptr)
            CHECK(o.val == 1);
        // A short equivalent must agree with the optstring about taking a value.
        if (o.flag == nullptr && o.val > ' ' && o.val != '?' && o.val != 'V') {
            for (int m = o.first_major; m <= o.last_major; ++m) {
                const char* spec = std::strchr(short_optstring(m), o.val);
                REQUIRE(spec != nullptr);
                CHECK((spec[1] == ':') == (o.has_arg == HasArg::Required));
            }
        }
    }
}

TEST_CASE("options appear and disappear in the right major versions") {
    CHECK(span("rows-per-insert") == "12-18");
    CHECK(span("extra-float-digits") == "12-18");
    CHECK(span("on-conflict-do-nothing") == "12-18");
    CHECK(span("load-via-partition-root") == "12-18");
    CHECK(span("no-sync") == "12-18");
    CHECK(span("include-foreign-data") == "13-18");
    CHECK(span("extension") == "14-18");
    CHECK(span("no-toast-compression") == "14-18");
    CHECK(span("no-synchronized-snapshots") == "12-14");
    CHECK(span("no-table-access-method") == "15-18");
    CHECK(span("exclude-table-and-children") == "16-18");
    CHECK(span("table-and-children") == "16-18");
    CHECK(span("exclude-table-data-and-children") == "16-18");
    CHECK(span("large-objects") == "16-18");
    CHECK(span("no-large-objects") == "16-18");
    CHECK(span("filter") == "17-18");
    CHECK(span("sync-method") == "17-18");
    CHECK(span("exclude-extension") == "17-18");
    CHECK(span("statistics") == "18-18");
    CHECK(span("statistics-only") == "18-18");
    CHECK(span("no-statistics") == "18-18");
    CHECK(span("no-policies") == "18-18");
    CHECK(span("no-data") == "18-18");
    CHECK(span("no-schema") == "18-18");
    CHECK(span("sequence-data") == "18-18");
    // Added and withdrawn again during 18's development: not in 18.0.
    CHECK(span("with-statistics") == "never");
    CHECK(span("with-data") == "never");
    CHECK(span("oids") == "never"); // -o/--oids went away in 12
    CHECK(long_options_for(12).size() == 58);
    CHECK(long_options_for(13).size() == 60); // 13.16's 59 and --restrict-key (13.22)
    CHECK(long_options_for(15).size() == 62);
    CHECK(long_options_for(18).size() == 78 - 1); // all but --no-synchronized-snapshots
}

TEST_CASE("short option strings per version") {
    CHECK(std::string(short_optstring(12)) == "abBcCd:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxZ:");
    CHECK(std::string(short_optstring(13)) == short_optstring(12));
    CHECK(std::string(short_optstring(14)) == "abBcCd:e:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxZ:");
    CHECK(std::string(short_optstring(17)) == short_optstring(14));
    CHECK(std::string(short_optstring(18)) == "abBcCd:e:E:f:F:h:j:n:N:Op:RsS:t:T:U:vwWxXZ:");
    CHECK(std::string(short_optstring(30)) == short_optstring(18));
    CHECK(std::string(short_optstring(9)) == short_optstring(12));
    CHECK_FALSE(pg_dump_handles('X', 18));
    CHECK(pg_dump_handles('x', 18));
    CHECK_FALSE(pg_dump_handles('?', 15));
    CHECK_FALSE(pg_dump_handles('V', 15));
    CHECK(pg_dump_handles('f', 12));
}

TEST_CASE("glibc abbreviation rule: prefixes of one and the same option are not ambiguous") {
    // pg_dump's real aliases share no distinguishing prefix, so a small table shows the rule.
    const PgDumpLongOption acl{"no-acl", HasArg::No, nullptr, 'x', 12, 18};
    const PgDumpLongOption acls{"no-acls", HasArg::No, nullptr, 'x', 12, 18};
    const PgDumpLongOption cols{"col-inserts", HasArg::No, "dopt.column_inserts", 1, 12, 18};
    const PgDumpLongOption colv{"col-inserts-too", HasArg::No, "dopt.column_inserts", 1, 12, 18};
    const PgDumpLongOption colr{"col-required", HasArg::Required, nullptr, 'c', 12, 18};
    const std::vector<const PgDumpLongOption*> table = {&acl, &acls, &cols, &colv, &colr};

    LongMatch m = match_long_option(table, "no-a");
    CHECK(m.option == &acl);
    CHECK_FALSE(m.ambiguous);
    CHECK(m.candidates.size() == 2);

    m = match_long_option(table, "col-i");
    CHECK(m.option == &cols); // same flag variable and value
    CHECK_FALSE(m.ambiguous);

    m = match_long_option(table, "col-");
    CHECK(m.ambiguous);
    CHECK(m.option == nullptr);
    CHECK(m.candidates.size() == 3);

    m = match_long_option(table, "col-inserts"); // exact match wins over a longer name
    CHECK(m.option == &cols);
    CHECK(m.candidates.empty());

    m = match_long_option(table, "nothing");
    CHECK(m.option == nullptr);
    CHECK_FALSE(m.ambiguous);
}
