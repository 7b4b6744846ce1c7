// Proof that the simulator can fail: each planted bug (core/planted_bugs.h)
// is reported as a violation within 500 seeds, in the mode it breaks. The
// seed that caught it is printed; a miss prints how many seeds were tried.
#include <gtest/gtest.h>

#include "sim/simulation.h"

namespace amber::sim {
namespace {

constexpr uint64_t kMaxSeeds = 500;

// The first seed (1..kMaxSeeds) whose run reports a violation; 0 if none.
uint64_t first_failing_seed(Mode mode, const PlantedBugs& bugs, uint32_t faults) {
  for (uint64_t seed = 1; seed <= kMaxSeeds; ++seed) {
    SimOptions o;
    o.seed = seed;
    o.persistence.mode = mode;
    o.bugs = bugs;
    o.fault_per_million = faults;
    SimResult r = run_simulation(o);
    if (r.violation) {
      std::printf("caught at seed %llu:\n%s", static_cast<unsigned long long>(seed),
                  r.report.substr(0, 600).c_str());
      return seed;
    }
  }
  return 0;
}

TEST(PlantedBug, SkippedFsyncBeforeAckIsCaught) {
  PlantedBugs bugs;
  bugs.skip_fsync_before_ack = true;
  EXPECT_NE(first_failing_seed(Mode::kAlways, bugs, 0), 0u);
}

TEST(PlantedBug, SkippedDirectoryFsyncAfterRenameIsCaught) {
  PlantedBugs bugs;
  bugs.skip_dir_fsync_after_rename = true;
  EXPECT_NE(first_failing_seed(Mode::kAlways, bugs, 0), 0u);
}

TEST(PlantedBug, AckBeforeGroupCommitIsCaught) {
  PlantedBugs bugs;
  bugs.ack_before_group_commit = true;
  EXPECT_NE(first_failing_seed(Mode::kAlways, bugs, 0), 0u);
}

TEST(PlantedBug, TrustingAFailedFsyncIsCaught) {
  PlantedBugs bugs;
  bugs.trust_failed_fsync = true;
  EXPECT_NE(first_failing_seed(Mode::kAlways, bugs, 5000), 0u);
}

}  // namespace
}  // namespace amber::sim
