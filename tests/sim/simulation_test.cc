// The simulator end to end: no violation without a planted bug in every
// mode (with and without injected disk faults), and the same seed gives the
// same run bit for bit. Seeds are loop variables printed on failure.
#include "sim/simulation.h"

#include <gtest/gtest.h>

namespace amber::sim {
namespace {

SimOptions options_for(Mode mode, uint64_t seed, uint32_t faults = 0) {
  SimOptions o;
  o.seed = seed;
  o.commands = 300;
  o.fault_per_million = faults;
  o.persistence.mode = mode;
  return o;
}

void expect_clean(Mode mode, uint64_t seeds, uint32_t faults) {
  uint64_t crashes = 0, checks = 0;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    SimResult r = run_simulation(options_for(mode, seed, faults));
    ASSERT_FALSE(r.violation) << "mode " << mode_name(mode) << " seed " << seed << "\n" << r.report;
    crashes += r.crashes;
    checks += r.checks;
  }
  EXPECT_GT(crashes, seeds);  // crashes really happen
  EXPECT_GT(checks, seeds);
}

TEST(Simulation, AlwaysKeepsEveryAcknowledgedWrite) { expect_clean(Mode::kAlways, 150, 0); }
TEST(Simulation, EverysecLosesNothingOlderThanTwoSeconds) { expect_clean(Mode::kEverysec, 150, 0); }
TEST(Simulation, NoFsyncRecoversAPrefix) { expect_clean(Mode::kNo, 150, 0); }
TEST(Simulation, SnapshotRecoversTheLastCompletedSnapshot) {
  expect_clean(Mode::kSnapshot, 150, 0);
}
TEST(Simulation, AlwaysSurvivesDiskFaults) { expect_clean(Mode::kAlways, 100, 5000); }
TEST(Simulation, EverysecSurvivesDiskFaults) { expect_clean(Mode::kEverysec, 100, 5000); }
TEST(Simulation, NoFsyncSurvivesDiskFaults) { expect_clean(Mode::kNo, 100, 5000); }
TEST(Simulation, SnapshotSurvivesDiskFaults) { expect_clean(Mode::kSnapshot, 100, 5000); }

TEST(Simulation, CrashesLandInsideBackgroundWorkAndRecovery) {
  for (Mode mode : {Mode::kAlways, Mode::kSnapshot}) {
    uint64_t done = 0, in_background = 0, in_recovery = 0;
    for (uint64_t seed = 1; seed <= 60; ++seed) {
      SimResult r = run_simulation(options_for(mode, seed));
      done += r.background_done;
      in_background += r.crashes_in_background;
      in_recovery += r.crashes_in_recovery;
    }
    EXPECT_GT(done, 0u) << mode_name(mode) << ": no rewrite/snapshot ever completed";
    EXPECT_GT(in_background, 0u) << mode_name(mode);
    // Loading an RDB writes nothing, so only the AOF's startup can crash.
    if (mode == Mode::kAlways) {
      EXPECT_GT(in_recovery, 0u);
    }
  }
}

TEST(Simulation, SameSeedGivesTheSameRunBitForBit) {
  for (Mode mode : {Mode::kAlways, Mode::kEverysec, Mode::kNo, Mode::kSnapshot}) {
    for (uint64_t seed : {3u, 17u}) {
      SimResult a = run_simulation(options_for(mode, seed, 5000));
      SimResult b = run_simulation(options_for(mode, seed, 5000));
      EXPECT_EQ(a.digest, b.digest) << mode_name(mode) << " seed " << seed;
      EXPECT_EQ(a.crashes, b.crashes);
      EXPECT_EQ(a.commands, b.commands);
    }
  }
}

TEST(Simulation, DifferentSeedsGiveDifferentRuns) {
  EXPECT_NE(run_simulation(options_for(Mode::kAlways, 1)).digest,
            run_simulation(options_for(Mode::kAlways, 2)).digest);
}

}  // namespace
}  // namespace amber::sim
