#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time and fails on any crash, leak,
# timeout or out-of-memory. New coverage goes to a scratch corpus (the
# committed seeds in fuzz/corpus/<name>/ and fuzz/regressions/<name>/ are
# only read); an input that broke the target is copied to
# fuzz/regressions/<name>/, to be committed so the test suite replays it.
#
#   fuzz/run_fuzzer.sh <fuzzer-binary> <name> [seconds]
# Environment: FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (10 s per input),
# FUZZ_EXTRA_ARGS (more libFuzzer flags, e.g. -jobs=2).
set -uo pipefail
binary=$1
name=$2
seconds=${3:-60}
fuzz_dir=$(cd "$(dirname "$0")" && pwd)
seeds="$fuzz_dir/corpus/$name"
regressions="$fuzz_dir/regressions/$name"
work=$(mktemp -d "${TMPDIR:-/tmp}/amber-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"

args=(-max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_MB:-2048}"
      -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
[[ -f "$fuzz_dir/$name.dict" ]] && args+=(-dict="$fuzz_dir/$name.dict")
dirs=("$work/corpus")
[[ -d "$seeds" ]] && dirs+=("$seeds")
[[ -d "$regressions" ]] && dirs+=("$regressions")

# shellcheck disable=SC2086
"$binary" "${args[@]}" ${FUZZ_EXTRA_ARGS:-} "${dirs[@]}" >"$work/log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -1)
if [[ -n "$runs" && -n "$took" && "$took" -gt 0 ]]; then
  echo "fuzz $name: $runs runs in $took s, $((runs / took)) exec/s"
fi

found=0
for artifact in "$work"/artifacts/{crash,leak,timeout,oom}-*; do
  [[ -e "$artifact" ]] || continue
  mkdir -p "$regressions"
  cp "$artifact" "$regressions/"
  echo "fuzz $name: FAILED, input saved as fuzz/regressions/$name/$(basename "$artifact")"
  found=1
done
if [[ $rc -ne 0 || $found -ne 0 ]]; then
  tail -n 60 "$work/log"
  echo "fuzz $name: FAILED (exit $rc). Commit the input under fuzz/regressions/$name/;" \
       "the test suite replays it (tests/fuzz_regressions)."
  exit 1
fi
exit 0
