#!/usr/bin/env bash
# CI's rolling crash-simulation sweep. The test suite's simulator tests
# (tests/sim/) replay the same fixed seeds on every run; this sweep starts
# at a seed taken from the commit's hash, so every commit explores runs no
# earlier commit tried, the way the fuzz pass does, and a failure is still
# reproduced from its seed: amber-sim prints the mode, the seed and the
# command that replays it.
#
#   scripts/sim_sweep.sh path/to/amber-sim
# Environment: SIM_SWEEP_SCALE (1) multiplies every seed count;
# SIM_SWEEP_SEED overrides the starting seed (default: from `git rev-parse`).
#
# Two runs at a time, one per core: NVM mode (the most code under the
# fewest fixed seeds) on one, every mode and the harsher settings on the
# other. About two minutes on CI's two cores under ASan + UBSan.
set -euo pipefail
sim=${1:?usage: $0 path/to/amber-sim}
scale=${SIM_SWEEP_SCALE:-1}
cd "$(dirname "$0")/.."
if [[ -n ${SIM_SWEEP_SEED:-} ]]; then
  base=$SIM_SWEEP_SEED
else
  # Above 2^40, clear of the small seeds the tests and docs use.
  commit=$(git rev-parse --short=10 HEAD 2>/dev/null || echo 0)
  base=$(((16#$commit % (1 << 40)) + (1 << 40)))
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/amber-sim-sweep.XXXXXX")
trap 'rm -rf "$work"' EXIT

# run LOG ARGS...: one amber-sim run, its summary appended to LOG.
run() {
  local log=$1
  shift
  echo "amber-sim $*" >>"$log"
  "$sim" "$@" >>"$log" 2>&1
}
seeds() { echo $(($1 * scale)); }

(run "$work/nvm.log" --mode nvm --seeds "$(seeds 3000)" --seed "$base") &
nvm_pid=$!
status=0
{
  run "$work/all.log" --mode all --seeds "$(seeds 600)" --seed $((base + 10000000)) &&
    run "$work/all.log" --mode all --seeds "$(seeds 300)" --seed $((base + 20000000)) --faults io &&
    run "$work/all.log" --mode nvm --seeds "$(seeds 400)" --seed $((base + 30000000)) \
      --large-values 100 &&
    run "$work/all.log" --mode nvm --seeds "$(seeds 400)" --seed $((base + 40000000)) \
      --nvm-dram-max-memory 4096
} || status=$?
wait "$nvm_pid" || status=$?
cat "$work/nvm.log" "$work/all.log"
if [[ $status -ne 0 ]]; then
  echo "sim sweep: FAILED — the VIOLATION above names its mode and seed; fix the bug and add the seed to tests/sim/"
  exit 1
fi
echo "sim sweep: no violation from seed $base on"
