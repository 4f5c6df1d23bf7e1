#!/usr/bin/env bash
# check_test_names.sh TEST_BINARY: fail (and so fail the build) when a Catch2 test case name
# cannot be selected by the name that catch_discover_tests hands back to the binary. Such a test
# either runs nothing and passes, or is split into bogus tests:
#   ';'  CatchAddTests splits the name into several CTest tests;
#   ','  Catch2 reads a test spec with a comma as several specs;
#   a leading '-' is read as a command-line option (--version prints Catch's version, exit 0);
#   a leading '~' or '*', a trailing '*', '\' or '"' change the meaning of the spec.
# (',', '[' and ']' are escaped by CatchAddTests.)
set -euo pipefail
bin=$1
bad=$("$bin" --list-test-names-only | grep -nE '[;"\\]|^[-~*]|\*$|^[[:space:]]|[[:space:]]$' || true)
if [ -n "$bad" ]; then
    echo "$(basename "$bin"): test case names that CTest cannot select (see tests/check_test_names.sh):" >&2
    echo "$bad" >&2
    exit 1
fi
