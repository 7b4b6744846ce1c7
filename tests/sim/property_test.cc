// Property tests (rapidcheck) of every mode's promise: for any seed and any
// workload length, a simulated run over SimFs reports no violation. With a
// bug planted, rapidcheck finds a failing run and shrinks it — the seed and
// the workload length — to a short history. A failure prints rapidcheck's
// seed; RC_PARAMS="reproduce=..." replays it.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <limits>

#include "sim/simulation.h"

namespace amber::sim {
namespace {

SimResult generated_run(Mode mode, uint32_t faults, const PlantedBugs& bugs,
                        uint64_t* commands_out = nullptr) {
  SimOptions o;
  o.seed = *rc::gen::inRange<uint64_t>(0, 1'000'000'000);
  o.commands = *rc::gen::inRange<uint64_t>(1, 400);
  o.fault_per_million = faults;
  o.persistence.mode = mode;
  o.persistence.rdb_preamble = *rc::gen::arbitrary<bool>();
  o.bugs = bugs;
  if (commands_out != nullptr) *commands_out = o.commands;
  SimResult r = run_simulation(o);
  if (r.violation) {
    RC_LOG() << "seed " << o.seed << " commands " << o.commands << " preamble "
             << o.persistence.rdb_preamble << "\n"
             << r.report;
  }
  return r;
}

RC_GTEST_PROP(SimProperty, AlwaysKeepsEveryAcknowledgedWrite, ()) {
  RC_ASSERT_FALSE(generated_run(Mode::kAlways, 3000, {}).violation);
}

RC_GTEST_PROP(SimProperty, EverysecKeepsWritesOlderThanTwoSeconds, ()) {
  RC_ASSERT_FALSE(generated_run(Mode::kEverysec, 3000, {}).violation);
}

RC_GTEST_PROP(SimProperty, NoFsyncRecoversAPrefix, ()) {
  RC_ASSERT_FALSE(generated_run(Mode::kNo, 3000, {}).violation);
}

RC_GTEST_PROP(SimProperty, SnapshotRecoversExactlyTheLastSnapshot, ()) {
  RC_ASSERT_FALSE(generated_run(Mode::kSnapshot, 3000, {}).violation);
}

// The smallest workload length among the failing runs rapidcheck tried,
// which its shrinking drives down; rapidcheck must report a failure. (It
// then prints "Some of your RapidCheck properties had failures" at exit:
// expected, these failures are the point of the test.)
uint64_t shrunk_failing_length(const PlantedBugs& bugs, uint32_t faults) {
  uint64_t smallest = std::numeric_limits<uint64_t>::max();
  const bool passed = rc::check("planted bug is found and shrunk", [&] {
    uint64_t commands = 0;
    const bool violation = generated_run(Mode::kAlways, faults, bugs, &commands).violation;
    if (violation) smallest = std::min(smallest, commands);
    RC_ASSERT_FALSE(violation);
  });
  EXPECT_FALSE(passed) << "rapidcheck found no failing run";
  return smallest;
}

TEST(SimProperty, SkippedFsyncShrinksToAShortHistory) {
  PlantedBugs bugs;
  bugs.skip_fsync_before_ack = true;
  EXPECT_LE(shrunk_failing_length(bugs, 0), 20u);
}

TEST(SimProperty, AckBeforeGroupCommitShrinksToAShortHistory) {
  PlantedBugs bugs;
  bugs.ack_before_group_commit = true;
  EXPECT_LE(shrunk_failing_length(bugs, 0), 20u);
}

}  // namespace
}  // namespace amber::sim
