// Snapshot: the point-in-time property (random writes of every kind
// interleaved with walker steps and executor jobs; the file loads back as the
// keyspace at start, exactly), the memory bound of the copy-on-write side
// buffer, and failure handling (a failed write or fsync fails the snapshot,
// removes the temp file and leaves the old dump in place).
#include "core/persist/snapshot.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <random>
#include <string>

#include "core/persist/rdb_writer.h"
#include "tests/core/engine_harness.h"
#include "tests/core/snapshot_test_util.h"

namespace amber {
namespace {

using testing::capture;
using testing::KeyspaceImage;
using testing::load_image;
using testing::TempDir;

constexpr int kDbs = 4;

EngineOptions small_engine() {
  EngineOptions options;
  options.databases = kDbs;
  options.active_expire = false;
  return options;
}

SnapshotOptions options_for(const std::string& dir) {
  SnapshotOptions options;
  options.dir = dir;
  options.temp_name = "temp-1-1.rdb";
  options.final_name = "dump.rdb";
  options.max_in_flight_bytes = 4096;
  return options;
}

struct World {
  explicit World(uint64_t seed) : h(seed, small_engine()) {}
  std::vector<Db*> dbs() { return engine_dbs(h.engine); }
  EngineHarness h;
};

// One random write through the engine's commands.
void random_write(EngineHarness& h, std::mt19937_64& rng) {
  auto pick = [&](uint64_t n) { return rng() % n; };
  std::string key = "k" + std::to_string(pick(40));
  std::string other = "k" + std::to_string(pick(40));
  std::string db = std::to_string(pick(kDbs));
  std::string value(pick(3) == 0 ? 60 + pick(200) : 1 + pick(10),
                    static_cast<char>('a' + pick(26)));
  switch (pick(13)) {
    case 0:
      h.run({"SELECT", db});
      break;
    case 1:
      h.run({"SET", key, value});
      break;
    case 2:
      h.run({"APPEND", key, value});
      break;
    case 3:
      h.run({"SETRANGE", key, std::to_string(pick(8)), value});
      break;
    case 4:
      h.run({"DEL", key});
      break;
    case 5:
      h.run({"PEXPIRE", key, std::to_string(1 + pick(3000))});
      break;
    case 6:
      h.run({"PERSIST", key});
      break;
    case 7:
      h.run({"RENAME", key, other});
      break;
    case 8:
      if (pick(8) == 0) h.run({"FLUSHDB"});
      break;
    case 9:
      if (pick(4) == 0) h.run({"SWAPDB", db, std::to_string(pick(kDbs))});
      break;
    case 10:
      h.run({"MOVE", key, db});
      break;
    case 11:
      h.run({"SET", "new" + std::to_string(rng()), value});
      break;
    case 12:
      h.clock.advance_ms(static_cast<int64_t>(pick(500)));
      h.run({"GET", key});
      break;
  }
}

void populate(EngineHarness& h, std::mt19937_64& rng, int writes) {
  for (int i = 0; i < writes; ++i) random_write(h, rng);
  h.run({"SELECT", "0"});
}

RC_GTEST_PROP(SnapshotProperty, FileIsTheKeyspaceAtStart, (uint64_t seed)) {
  std::mt19937_64 rng(seed);
  World w(seed);
  populate(w.h, rng, 300);
  TempDir dir;
  testing::FailingFileSystem fs;
  QueuedExecutor executor;
  KeyspaceImage at_start = capture(w.dbs());
  Snapshot snapshot(w.dbs(), fs, executor, options_for(dir.path));
  RC_ASSERT(snapshot.start().ok());
  while (snapshot.state() == Snapshot::State::kRunning ||
         snapshot.state() == Snapshot::State::kFinishing) {
    for (uint64_t n = rng() % 4; n > 0; --n) random_write(w.h, rng);
    if (rng() % 2 == 0) snapshot.step(1 + rng() % 3);
    if (rng() % 3 == 0) executor.run_one();
    if (snapshot.state() == Snapshot::State::kFinishing) executor.run_all();
  }
  RC_ASSERT(snapshot.state() == Snapshot::State::kDone);
  Status status;
  KeyspaceImage loaded = load_image(fs, dir.path + "/dump.rdb", kDbs, &status);
  RC_ASSERT(status.ok());
  RC_ASSERT(loaded == at_start);
  RC_ASSERT(!fs.file_exists(dir.path + "/temp-1-1.rdb"));
}

TEST(Snapshot, NextSnapshotAfterACompletedOneSeesTheNewState) {
  World w(3);
  TempDir dir;
  testing::FailingFileSystem fs;
  InlineExecutor executor;
  for (int round = 0; round < 3; ++round) {
    w.h.run({"SET", "round", std::to_string(round)});
    Snapshot snapshot(w.dbs(), fs, executor, options_for(dir.path));
    ASSERT_TRUE(snapshot.start().ok());
    ASSERT_EQ(snapshot.run_to_end(), Snapshot::State::kDone);
    Status status;
    KeyspaceImage loaded = load_image(fs, dir.path + "/dump.rdb", kDbs, &status);
    ASSERT_TRUE(status.ok()) << status.to_string();
    EXPECT_EQ(loaded[0]["round"].first, std::to_string(round));
  }
}

TEST(Snapshot, SideBufferHoldsOnlyEntriesWrittenDuringTheSnapshot) {
  World w(5);
  for (int i = 0; i < 1000; ++i) w.h.run({"SET", "k" + std::to_string(i), std::string(100, 'x')});
  w.h.run({"SELECT", "1"});
  w.h.run({"SET", "late", std::string(100, 'y')});
  TempDir dir;
  testing::FailingFileSystem fs;
  InlineExecutor executor;
  Snapshot snapshot(w.dbs(), fs, executor, options_for(dir.path));
  ASSERT_TRUE(snapshot.start().ok());
  // db 1 is not reached yet: one overwrite there goes to the side buffer.
  w.h.run({"SET", "late", "z"});
  EXPECT_GT(snapshot.cow_bytes(), 10u);
  EXPECT_LT(snapshot.cow_bytes(), 200u);
  ASSERT_EQ(snapshot.run_to_end(), Snapshot::State::kDone);
  EXPECT_EQ(snapshot.cow_bytes(), 0u);
  EXPECT_LT(snapshot.cow_peak_bytes(), 200u);
  EXPECT_EQ(snapshot.keys_saved(), 1001u);
}

TEST(Snapshot, FailedWriteFailsAndKeepsTheOldDump) {
  World w(9);
  TempDir dir;
  testing::FailingFileSystem fs;
  InlineExecutor executor;
  w.h.run({"SET", "a", "old"});
  {
    Snapshot good(w.dbs(), fs, executor, options_for(dir.path));
    ASSERT_TRUE(good.start().ok());
    ASSERT_EQ(good.run_to_end(), Snapshot::State::kDone);
  }
  w.h.run({"SET", "a", "new"});
  for (bool sync_fails : {false, true}) {
    fs.fail_append = !sync_fails;
    fs.fail_sync = sync_fails;
    Snapshot bad(w.dbs(), fs, executor, options_for(dir.path));
    (void)bad.start();
    EXPECT_EQ(bad.run_to_end(), Snapshot::State::kFailed);
    EXPECT_NE(bad.error().message().find("injected"), std::string::npos);
    EXPECT_FALSE(fs.file_exists(dir.path + "/temp-1-1.rdb"));
    Status status;
    KeyspaceImage loaded = load_image(fs, dir.path + "/dump.rdb", kDbs, &status);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(loaded[0]["a"].first, "old");
  }
  // A failed snapshot leaves the marks consistent: the next one is complete.
  fs.fail_append = fs.fail_sync = false;
  Snapshot again(w.dbs(), fs, executor, options_for(dir.path));
  ASSERT_TRUE(again.start().ok());
  ASSERT_EQ(again.run_to_end(), Snapshot::State::kDone);
  Status status;
  EXPECT_EQ(load_image(fs, dir.path + "/dump.rdb", kDbs, &status)[0]["a"].first, "new");
}

TEST(Snapshot, AbortMidWalkRemovesTempAndNextSnapshotIsComplete) {
  World w(11);
  for (int i = 0; i < 500; ++i) w.h.run({"SET", "k" + std::to_string(i), "v"});
  TempDir dir;
  testing::FailingFileSystem fs;
  InlineExecutor executor;
  {
    Snapshot first(w.dbs(), fs, executor, options_for(dir.path));
    ASSERT_TRUE(first.start().ok());
    first.step(3);
    first.abort();
    EXPECT_FALSE(fs.file_exists(dir.path + "/temp-1-1.rdb"));
  }
  Snapshot second(w.dbs(), fs, executor, options_for(dir.path));
  ASSERT_TRUE(second.start().ok());
  ASSERT_EQ(second.run_to_end(), Snapshot::State::kDone);
  Status status;
  EXPECT_EQ(load_image(fs, dir.path + "/dump.rdb", kDbs, &status)[0].size(), 500u);
}

}  // namespace
}  // namespace amber
