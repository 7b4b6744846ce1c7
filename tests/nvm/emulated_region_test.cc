// EmulatedRegion: the image holds exactly what was flushed and drained, a
// reopened file is a power failure, and crash images cover every subset of
// the dirty lines or words.
#include "nvm/emulated_region.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <set>

namespace amber::nvm {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/amber-nvm-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

TEST(EmulatedRegion, StoresReachTheImageOnlyWhenFlushedAndDrained) {
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  std::memset(region->base() + 100, 'a', 10);
  EXPECT_EQ(region->image()[100], '\0');
  region->flush(region->base() + 100, 10);
  EXPECT_EQ(region->image()[100], '\0') << "a flush alone is not durable";
  region->drain();
  EXPECT_EQ(region->image()[100], 'a');
  EXPECT_TRUE(region->dirty_units(CrashGranularity::kLine).empty());
}

TEST(EmulatedRegion, DrainWritesTheBytesAsTheyWereAtFlush) {
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  region->store_u64(64, 1);
  region->flush(region->base() + 64, 8);
  region->store_u64(64, 2);  // after the flush: not covered by it
  region->drain();
  uint64_t durable;
  std::memcpy(&durable, region->image() + 64, 8);
  EXPECT_EQ(durable, 1u);
  EXPECT_EQ(region->dirty_units(CrashGranularity::kLine), std::vector<size_t>{1});
}

TEST(EmulatedRegion, ReopenedFileHoldsOnlyPersistedBytes) {
  TempDir dir;
  std::string path = dir.path + "/region";
  {
    std::unique_ptr<EmulatedRegion> region;
    ASSERT_TRUE(EmulatedRegion::open_file(path, 8192, &region).ok());
    std::memcpy(region->base(), "durable", 7);
    region->persist(region->base(), 7);
    std::memcpy(region->base() + 4096, "lost", 4);  // never flushed
  }
  std::unique_ptr<EmulatedRegion> region;
  ASSERT_TRUE(EmulatedRegion::open_file(path, 0, &region).ok());
  EXPECT_EQ(region->size_bytes(), 8192u);
  EXPECT_EQ(std::string(region->base(), 7), "durable");
  EXPECT_EQ(region->base()[4096], '\0');
}

TEST(EmulatedRegion, AKilledProcessLeavesExactlyThePersistedBytes) {
  TempDir dir;
  std::string path = dir.path + "/region";
  EXPECT_EXIT(
      {
        std::unique_ptr<EmulatedRegion> region;
        if (!EmulatedRegion::open_file(path, 8192, &region).ok()) std::_Exit(1);
        std::memcpy(region->base(), "durable", 7);
        region->persist(region->base(), 7);
        std::memcpy(region->base() + 64, "flushed only", 12);
        region->flush(region->base() + 64, 12);
        std::memcpy(region->base() + 4096, "stored only", 11);
        raise(SIGKILL);
      },
      testing::KilledBySignal(SIGKILL), "");
  std::unique_ptr<EmulatedRegion> region;
  ASSERT_TRUE(EmulatedRegion::open_file(path, 0, &region).ok());
  EXPECT_EQ(std::string(region->base(), 7), "durable");
  EXPECT_EQ(region->base()[64], '\0') << "flushed but never drained";
  EXPECT_EQ(region->base()[4096], '\0');
}

TEST(EmulatedRegion, OpenFileRefusesASizeMismatch) {
  TempDir dir;
  std::string path = dir.path + "/region";
  std::unique_ptr<EmulatedRegion> region;
  ASSERT_TRUE(EmulatedRegion::open_file(path, 4096, &region).ok());
  region.reset();
  Status status = EmulatedRegion::open_file(path, 8192, &region);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find(path), std::string::npos) << status.to_string();
}

TEST(EmulatedRegion, CrashImagesEnumerateEverySubsetOfDirtyLines) {
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  region->base()[0] = 'x';
  region->base()[64 * 3] = 'y';
  region->base()[64 * 3 + 8] = 'z';
  std::vector<size_t> lines = region->dirty_units(CrashGranularity::kLine);
  ASSERT_EQ(lines, (std::vector<size_t>{0, 3}));
  std::set<std::string> images;
  for (int mask = 0; mask < 4; ++mask) {
    std::string image =
        region->crash_image(CrashGranularity::kLine, lines, {(mask & 1) != 0, (mask & 2) != 0});
    EXPECT_EQ(image[0] == 'x', (mask & 1) != 0);
    EXPECT_EQ(image[64 * 3] == 'y', (mask & 2) != 0);
    EXPECT_EQ(image[64 * 3] == 'y', image[64 * 3 + 8] == 'z') << "a line moves as a whole";
    images.insert(image);
  }
  EXPECT_EQ(images.size(), 4u);
}

TEST(EmulatedRegion, WordGranularityTearsALineAtEightByteBoundaries) {
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  region->base()[64 * 3] = 'y';
  region->base()[64 * 3 + 8] = 'z';
  std::vector<size_t> words = region->dirty_units(CrashGranularity::kWord);
  ASSERT_EQ(words, (std::vector<size_t>{24, 25}));
  std::string torn = region->crash_image(CrashGranularity::kWord, words, {true, false});
  EXPECT_EQ(torn[64 * 3], 'y');
  EXPECT_EQ(torn[64 * 3 + 8], '\0');
}

TEST(EmulatedRegion, SeededCrashImagesAreReproducibleAndVary) {
  auto region = EmulatedRegion::from_image(std::string(64 * 64, '\0'));
  for (int line = 0; line < 64; ++line) region->base()[line * 64] = 'd';
  EXPECT_EQ(region->crash_image(7, CrashGranularity::kLine),
            region->crash_image(7, CrashGranularity::kLine));
  EXPECT_NE(region->crash_image(7, CrashGranularity::kLine),
            region->crash_image(8, CrashGranularity::kLine));
}

// A word stored to again after its flush, before the drain, may hold at a
// crash the old bytes, the bytes it was flushed with, or the new ones.
TEST(EmulatedRegion, ALineStoredToAfterItsFlushMayHoldItsFlushedBytes) {
  auto region = EmulatedRegion::from_image(std::string(128, '\0'));
  region->base()[0] = 'a';
  region->flush(region->base(), 8);
  region->base()[0] = 'b';
  std::set<char> seen;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const std::string image = region->crash_image(seed, CrashGranularity::kWord);
    ASSERT_TRUE(image[0] == '\0' || image[0] == 'a' || image[0] == 'b') << seed;
    seen.insert(image[0]);
  }
  EXPECT_EQ(seen, (std::set<char>{'\0', 'a', 'b'}));
  region->drain();
  EXPECT_EQ(region->image()[0], 'a') << "the drain lands the flushed bytes";
}

TEST(EmulatedRegion, EvictionWritesBackUnflushedLinesEarly) {
  auto region = EmulatedRegion::from_image(std::string(64 * 64, '\0'));
  region->set_eviction(/*seed=*/3, /*per_mille=*/500);
  for (int line = 1; line < 64; ++line) region->base()[line * 64] = 'd';
  region->persist(region->base(), 8);  // a drain: evicts about half
  size_t left = region->dirty_units(CrashGranularity::kLine).size();
  EXPECT_GT(left, 10u);
  EXPECT_LT(left, 53u);
}

TEST(EmulatedRegion, EvictionAtOneDrainInNLeavesTheOtherDrainsAlone) {
  auto region = EmulatedRegion::from_image(std::string(64 * 64, '\0'));
  region->set_eviction(/*seed=*/5, /*per_mille=*/1000, /*one_drain_in=*/8);
  int passes = 0;
  for (int drain = 0; drain < 160; ++drain) {
    for (int line = 1; line < 64; ++line) region->base()[line * 64] = static_cast<char>(drain + 1);
    region->persist(region->base(), 8);
    // Every dirty line goes at a pass (per mille 1000), none at another drain.
    const size_t left = region->dirty_units(CrashGranularity::kLine).size();
    ASSERT_TRUE(left == 0 || left == 63) << "drain " << drain << ": " << left << " dirty";
    if (left == 0) ++passes;
  }
  EXPECT_GT(passes, 8);  // 20 expected
  EXPECT_LT(passes, 40);
}

TEST(EmulatedRegion, DrainHookRunsBeforeTheFlushedLinesLand) {
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  size_t dirty_at_hook = 0;
  region->set_drain_hook(
      [&] { dirty_at_hook = region->dirty_units(CrashGranularity::kLine).size(); });
  region->base()[0] = 'x';
  region->persist(region->base(), 1);
  EXPECT_EQ(dirty_at_hook, 1u);
  EXPECT_TRUE(region->dirty_units(CrashGranularity::kLine).empty());
}

}  // namespace
}  // namespace amber::nvm
