#!/usr/bin/env bash
# Builds amber with AddressSanitizer + UndefinedBehaviorSanitizer and runs
# every test through ctest: unit and property tests, integration tests
# against the real binary, and the differential test against redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMBER_SANITIZE=ON -DAMBER_BENCH=OFF
cd build/test
ctest --output-on-failure -j2 --timeout 600
cd ../..
# New crash-simulation seeds for every commit (the tests replay fixed ones).
scripts/sim_sweep.sh build/test/sim/amber-sim
# The bounded fuzz pass: every libFuzzer target for FUZZ_SECONDS (60) each,
# the NVM image targets four times as long.
scripts/fuzz.sh
