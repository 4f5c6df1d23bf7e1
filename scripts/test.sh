#!/usr/bin/env bash
# Build pg_dump-safe and run its whole test suite (unit tests, then integration tests against
# real PostgreSQL servers that the suite starts and stops itself).
# usage: scripts/test.sh [BUILD_DIR] [extra cmake arguments...]
#   e.g. scripts/test.sh build-asan -DPDS_SANITIZE=ON -DPDS_TEST_PORT=54490
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
cmake -S . -B "$build" -G Ninja -DPDS_WERROR=ON "$@"
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 300
