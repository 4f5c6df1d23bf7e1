// --safe-verify-jobs: the worker threads of the verification (issue 15), from the command
// line and the environment, with its bounds.
#include "cli/safe_options.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using pds::cli::load_safe_options;
using pds::cli::UsageError;

namespace {
const char* const kNoConfig = "/nonexistent/pg_dump-safe.conf";
}

TEST_CASE("safe-verify-jobs: default 0 (the CPUs available), command line and environment") {
    ::unsetenv("PG_DUMP_SAFE_VERIFY_JOBS");
    CHECK(load_safe_options({}, kNoConfig).verify_jobs == 0);
    CHECK(load_safe_options({"--safe-verify-jobs=3"}, kNoConfig).verify_jobs == 3);
    CHECK(load_safe_options({"--safe-verify-jobs=1"}, kNoConfig).verify_jobs == 1);
    ::setenv("PG_DUMP_SAFE_VERIFY_JOBS", "2", 1);
    CHECK(load_safe_options({}, kNoConfig).verify_jobs == 2);
    CHECK(load_safe_options({"--safe-verify-jobs=5"}, kNoConfig).verify_jobs == 5);
    ::unsetenv("PG_DUMP_SAFE_VERIFY_JOBS");
    CHECK(pds::cli::describe(load_safe_options({"--safe-verify-jobs=4"}, kNoConfig))
              .find("safe-verify-jobs = 4    # --safe-verify-jobs") != std::string::npos);
}

TEST_CASE("safe-verify-jobs: a bad value is a usage error naming its source") {
    ::unsetenv("PG_DUMP_SAFE_VERIFY_JOBS");
    CHECK_THROWS_AS(load_safe_options({"--safe-verify-jobs=two"}, kNoConfig), UsageError);
    CHECK_THROWS_AS(load_safe_options({"--safe-verify-jobs=-1"}, kNoConfig), UsageError);
    CHECK_THROWS_WITH(load_safe_options({"--safe-verify-jobs=65"}, kNoConfig),
                      Catch::Contains("--safe-verify-jobs") && Catch::Contains("at most 64"));
    ::setenv("PG_DUMP_SAFE_VERIFY_JOBS", "x", 1);
    CHECK_THROWS_WITH(load_safe_options({}, kNoConfig),
                      Catch::Contains("PG_DUMP_SAFE_VERIFY_JOBS"));
    ::unsetenv("PG_DUMP_SAFE_VERIFY_JOBS");
}
