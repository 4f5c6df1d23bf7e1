// On/off options (--safe-manifest, --safe-dry-run-retention): every spelling the docs name is
// accepted, and a bad value's message lists what is accepted (the docs say on|off).
#include "cli/safe_options.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

namespace {

// --safe-manifest=VALUE, with no configuration file and no PG_DUMP_SAFE_MANIFEST.
pds::cli::SafeOptions with_manifest(const std::string& value) {
    ::unsetenv("PG_DUMP_SAFE_MANIFEST");
    return pds::cli::load_safe_options({"--safe-manifest=" + value},
                                       "/nonexistent/pg_dump-safe.conf");
}

} // namespace

TEST_CASE("safe-manifest: on/off, true/false, yes/no and 1/0 are accepted") {
    for (const char* on : {"on", "true", "yes", "1"})
        CHECK(with_manifest(on).manifest);
    for (const char* off : {"off", "false", "no", "0"})
        CHECK_FALSE(with_manifest(off).manifest);
}

TEST_CASE("safe-manifest: a bad value is a usage error listing the accepted values") {
    CHECK_THROWS_AS(with_manifest("maybe"), pds::cli::UsageError);
    CHECK_THROWS_WITH(
        with_manifest("maybe"),
        Catch::Contains("invalid value 'maybe' for --safe-manifest") &&
            Catch::Contains("expected on or off (also accepted: true/false, yes/no, 1/0)"));
    ::setenv("PG_DUMP_SAFE_MANIFEST", "enabled", 1);
    CHECK_THROWS_WITH(pds::cli::load_safe_options({}, "/nonexistent/pg_dump-safe.conf"),
                      Catch::Contains("PG_DUMP_SAFE_MANIFEST") &&
                          Catch::Contains("expected on or off"));
    ::unsetenv("PG_DUMP_SAFE_MANIFEST");
}
