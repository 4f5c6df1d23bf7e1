// Writes the seed corpus of pds_fuzz_verify into $PDS_SEED_DIR: the archives of
// tests/archive/seed_corpus.hpp (every format, archive version 1.14-1.16 and compression,
// built by the tests' archive builder), a few KB each.
// Usage: PDS_SEED_DIR=DIR pds_fuzz_seed_corpus
#define CATCH_CONFIG_MAIN
#include "archive/seed_corpus.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>

TEST_CASE("write the seed corpus of pds_fuzz_verify") {
    const char* out = std::getenv("PDS_SEED_DIR");
    REQUIRE(out != nullptr);
    const int seeds = pds::verify::testing::write_seed_corpus(out);
    std::printf("wrote %d seeds into %s\n", seeds, out);
}
