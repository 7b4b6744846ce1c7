#!/usr/bin/env bash
# The bounded fuzz pass of CI: builds every libFuzzer target (clang, ASan +
# UBSan) in build/fuzz and runs each for FUZZ_SECONDS (default 60; nvm_log
# and nvm_store four times that, see fuzz/CMakeLists.txt) through ctest
# (label "fuzz", two at a time: one per core). Fails on any crash,
# leak, timeout (-timeout=10 per input) or out-of-memory (-rss_limit_mb=2048);
# the input that did it is copied to fuzz/regressions/<target>/ with a
# message to commit it, so that the ordinary test suite replays it.
#
#   scripts/fuzz.sh                      # every target, 60 s each
#   FUZZ_SECONDS=600 scripts/fuzz.sh     # longer
# One target for as long as you like: see README.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
CC=clang CXX=clang++ scripts/setup.sh build/fuzz -DAMBER_FUZZ=ON -DAMBER_TESTS=OFF \
  -DAMBER_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAMBER_FUZZ_SECONDS="$seconds"
# run_fuzzer.sh prints one line per target (runs, exec/s) and, on failure,
# the end of libFuzzer's log.
status=0
ctest --test-dir build/fuzz/fuzz -L fuzz -j"${FUZZ_JOBS:-2}" -V || status=$?
if [[ $status -ne 0 ]]; then
  echo "fuzz: FAILED — commit the inputs saved under fuzz/regressions/ and fix the bug"
  exit 1
fi
echo "fuzz: every target ran its ${seconds} s (nvm_log, nvm_store: four times that) without a crash, leak, timeout or OOM"
