// NVM restart is lazy: recover() maps the store, puts only the unreplayed
// log tail in DRAM, and every other key is faulted in by a lookup or moved
// in by the background fill. These tests pin what must hold *during* the
// fill: reads see the store, writes and deletions win over it, whole-
// keyspace commands see every key, and a crash mid-fill loses nothing.
#include <gtest/gtest.h>

#include <string>

#include "core/io/random.h"
#include "tests/nvm/nvm_node.h"

namespace amber::nvm {
namespace {

constexpr int64_t kStartUs = 1'700'000'000'000'000;
constexpr int kStoreKeys = 2000;

// A store holding key0..key1999 = value<i> in db 0 and "one" in db 1, fully
// replayed (the log is empty), then a crash.
void build_replayed_store(const std::string& dir) {
  Node n(dir, 4 << 20, kStartUs);
  ASSERT_TRUE(n.status.ok()) << n.status.to_string();
  for (int i = 0; i < kStoreKeys; ++i) {
    n.run({"SET", "key" + std::to_string(i), "value" + std::to_string(i)});
  }
  n.run({"SELECT", "1"});
  n.run({"SET", "one", "in db 1"});
  n.nvm->before_reply();
  replay_all(*n.nvm);
}

std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

TEST(NvmLazyRestart, RecoveryLoadsNothingAndLookupsFaultKeysIn) {
  TempDir dir;
  build_replayed_store(dir.path);
  Node r(dir.path, 0, kStartUs);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_TRUE(r.nvm->filling());
  EXPECT_EQ(resident_keys(r.h.engine), 0u);
  EXPECT_EQ(r.run({"GET", "key1234"}), bulk("value1234"));
  EXPECT_EQ(r.run({"GET", "missing"}), "$-1\r\n");
  EXPECT_EQ(r.run({"EXISTS", "key7", "key8", "nokey"}), ":2\r\n");
  EXPECT_EQ(resident_keys(r.h.engine), 3u);
  EXPECT_EQ(r.nvm->stats().fault_keys, 3u);
  EXPECT_TRUE(r.nvm->filling());
}

// A fill step ends when its time budget is spent, whatever its slot cap: a
// request waits for one step, however many keys the store holds.
TEST(NvmLazyRestart, AFillStepEndsWhenItsTimeBudgetIsSpent) {
  TempDir dir;
  build_replayed_store(dir.path);
  // Size 0: the files as build_replayed_store made them (a larger size
  // would grow them, and spread the keys over a larger index).
  NvmOptions options{.dir = dir.path, .size_bytes = 0, .backend = NvmBackend::kEmulated};
  options.fill_step_budget_us = 1000;
  options.fill_chunk_slots = 64;
  options.fill_slots_per_step = uint64_t{1} << 40;
  {
    // The clock stands still: only the cap ends the step, after the last slot.
    Node r(options, kStartUs);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    ASSERT_TRUE(r.nvm->step().ok());
    EXPECT_FALSE(r.nvm->filling());
    EXPECT_EQ(r.nvm->stats().fill_keys, kStoreKeys + 1u);
  }
  Node r(options, kStartUs);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  r.h.clock.tick_on_read(300);  // 300 us per chunk, give or take a reading
  ASSERT_TRUE(r.nvm->step().ok());
  EXPECT_TRUE(r.nvm->filling());
  const uint64_t first_step_keys = r.nvm->stats().fill_keys;
  EXPECT_GT(first_step_keys, 0u);
  // At most four chunks of 64 slots (of ~24,000) fit in the budget.
  EXPECT_LT(first_step_keys, kStoreKeys / 20u);
  for (int i = 0; i < 100000 && r.nvm->filling(); ++i) ASSERT_TRUE(r.nvm->step().ok());
  EXPECT_FALSE(r.nvm->filling());
  EXPECT_EQ(r.run({"GET", "key1999"}), bulk("value1999"));
  EXPECT_EQ(resident_keys(r.h.engine), kStoreKeys + 1u);
}

TEST(NvmLazyRestart, WritesAndDeletionsDuringTheFillWinOverTheStore) {
  TempDir dir;
  build_replayed_store(dir.path);
  {
    Node r(dir.path, 0, kStartUs);
    ASSERT_TRUE(r.status.ok());
    r.run({"DEL", "key5"});                // never looked up: must not come back
    r.run({"SET", "key6", "new"});         // overwritten blind
    r.run({"APPEND", "key7", "+"});        // read-modify-write of a store value
    r.run({"PEXPIRE", "key8", "100"});     // expires during the fill
    r.run({"RENAME", "key9", "renamed"});  // source gone, target new
    r.nvm->before_reply();
    // A few background slices, then time passes so key8 is due.
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(r.nvm->step().ok());
    r.h.clock.advance_ms(200);
    ASSERT_TRUE(r.nvm->finish_fill().ok());
    EXPECT_FALSE(r.nvm->filling());
    EXPECT_EQ(r.run({"GET", "key5"}), "$-1\r\n");
    EXPECT_EQ(r.run({"GET", "key6"}), bulk("new"));
    EXPECT_EQ(r.run({"GET", "key7"}), bulk("value7+"));
    EXPECT_EQ(r.run({"GET", "key8"}), "$-1\r\n");
    EXPECT_EQ(r.run({"GET", "key9"}), "$-1\r\n");
    EXPECT_EQ(r.run({"GET", "renamed"}), bulk("value9"));
    // key5 deleted and key8 expired; key9 became "renamed".
    EXPECT_EQ(r.run({"DBSIZE"}), ":" + std::to_string(kStoreKeys - 2) + "\r\n");
    r.nvm->before_reply();
    replay_all(*r.nvm);
  }
  // And the next restart (from the store this time) agrees.
  Node again(dir.path, 0, kStartUs + 1'000'000);
  EXPECT_EQ(again.run({"GET", "key5"}), "$-1\r\n");
  EXPECT_EQ(again.run({"GET", "key7"}), bulk("value7+"));
  EXPECT_EQ(again.run({"DBSIZE"}), ":" + std::to_string(kStoreKeys - 2) + "\r\n");
}

TEST(NvmLazyRestart, WholeKeyspaceCommandsSeeEveryKeyDuringTheFill) {
  TempDir dir;
  build_replayed_store(dir.path);
  Node r(dir.path, 0, kStartUs);
  ASSERT_TRUE(r.nvm->filling());
  EXPECT_EQ(r.run({"DBSIZE"}), ":" + std::to_string(kStoreKeys) + "\r\n");
  EXPECT_FALSE(r.nvm->filling()) << "DBSIZE completed the fill";
  EXPECT_EQ(r.nvm->stats().fill_keys, static_cast<uint64_t>(kStoreKeys) + 1);
  r.run({"SELECT", "1"});
  EXPECT_EQ(r.run({"KEYS", "*"}), "*1\r\n" + bulk("one"));
}

TEST(NvmLazyRestart, SwapDbAndFlushDbDuringTheFillActOnTheWholeDatabase) {
  TempDir dir;
  build_replayed_store(dir.path);
  Node r(dir.path, 0, kStartUs);
  ASSERT_TRUE(r.nvm->filling());
  r.run({"SWAPDB", "0", "1"});
  EXPECT_EQ(r.run({"GET", "one"}), bulk("in db 1"));
  r.run({"SELECT", "1"});
  EXPECT_EQ(r.run({"GET", "key3"}), bulk("value3"));
  r.run({"FLUSHDB"});
  EXPECT_EQ(r.run({"DBSIZE"}), ":0\r\n");
  r.run({"SELECT", "0"});
  EXPECT_EQ(r.run({"DBSIZE"}), ":1\r\n");
}

// Records the store has not applied yet — including a SWAPDB and a FLUSHDB —
// go into DRAM at restart and steer where store keys appear.
TEST(NvmLazyRestart, AnUnreplayedLogTailIsAppliedOverTheStore) {
  TempDir dir;
  build_replayed_store(dir.path);
  {
    Node n(dir.path, 0, kStartUs);
    ASSERT_TRUE(n.nvm->finish_fill().ok());
    replay_all(*n.nvm);
    // From here on, no step(): these records stay in the log.
    n.run({"SET", "key1", "tail"});
    n.run({"DEL", "key2"});
    n.run({"SWAPDB", "0", "2"});  // store db 0 -> engine db 2
    n.run({"SELECT", "1"});
    n.run({"FLUSHDB"});  // "one" gone
    n.run({"SET", "fresh", "after flush"});
    n.nvm->before_reply();
    ASSERT_GT(n.nvm->replay_lag_bytes(), 0u);
  }
  Node r(dir.path, 0, kStartUs);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  // The SET and the DEL share a record; the SWAPDB and the FLUSHDB each
  // have their own, and the last SET starts a new one.
  EXPECT_EQ(r.nvm->stats().tail_records, 4u);
  EXPECT_TRUE(r.nvm->filling());
  EXPECT_EQ(r.run({"GET", "key3"}), "$-1\r\n") << "db 0 is the old, empty db 2";
  r.run({"SELECT", "2"});
  EXPECT_EQ(r.run({"GET", "key3"}), bulk("value3"));
  EXPECT_EQ(r.run({"GET", "key1"}), bulk("tail"));
  EXPECT_EQ(r.run({"GET", "key2"}), "$-1\r\n");
  r.run({"SELECT", "1"});
  EXPECT_EQ(r.run({"GET", "one"}), "$-1\r\n");
  EXPECT_EQ(r.run({"GET", "fresh"}), bulk("after flush"));
  ASSERT_TRUE(r.nvm->finish_fill().ok());
  EXPECT_EQ(r.run({"DBSIZE"}), ":1\r\n");
  r.run({"SELECT", "2"});
  EXPECT_EQ(r.run({"DBSIZE"}), ":" + std::to_string(kStoreKeys - 1) + "\r\n");
}

TEST(NvmLazyRestart, ACrashDuringTheFillLosesNoAcknowledgedWrite) {
  TempDir dir;
  build_replayed_store(dir.path);
  {
    Node r(dir.path, 0, kStartUs);
    r.run({"SET", "key10", "during fill"});
    r.run({"DEL", "key11"});
    r.nvm->before_reply();
    ASSERT_TRUE(r.nvm->step().ok());
    ASSERT_TRUE(r.nvm->filling());
  }  // crash mid-fill
  Node r(dir.path, 0, kStartUs);
  EXPECT_EQ(r.run({"GET", "key10"}), bulk("during fill"));
  EXPECT_EQ(r.run({"GET", "key11"}), "$-1\r\n");
  EXPECT_EQ(r.run({"GET", "key12"}), bulk("value12"));
}

TEST(NvmLazyRestart, AFullLogDuringTheFillCompletesItThenReplays) {
  TempDir dir;
  build_replayed_store(dir.path);
  Node r(dir.path, 0, kStartUs);  // the log is a quarter of 4 MiB
  const std::string value(4000, 'w');
  for (int i = 0; i < 400; ++i) {
    r.run({"SET", "big" + std::to_string(i), value});
    r.nvm->before_reply();  // never step(): only back-pressure frees the log
  }
  EXPECT_FALSE(r.nvm->filling());
  EXPECT_GT(r.nvm->stats().backpressure_steps, 0u);
  EXPECT_TRUE(r.nvm->healthy()) << r.nvm->health().to_string();
  EXPECT_EQ(r.run({"DBSIZE"}), ":" + std::to_string(kStoreKeys + 400) + "\r\n");
}

// Random lookups against the keyspace dumped before the crash, with random
// background slices in between, then the complete dump.
TEST(NvmLazyRestart, RandomLookupsDuringTheFillMatchThePersistedKeyspace) {
  const uint64_t seed = 777;
  SCOPED_TRACE("seed " + std::to_string(seed));
  SeededRandom random(seed);
  TempDir dir;
  Keyspace persisted;
  {
    Node n(dir.path, 4 << 20, kStartUs);
    for (int i = 0; i < 3000; ++i) {
      std::string db = std::to_string(random.next_u64() % 3);
      std::string key = "k" + std::to_string(random.next_u64() % 500);
      n.run({"SELECT", db});
      if (random.next_u64() % 5 == 0) {
        n.run({"DEL", key});
      } else {
        n.run({"SET", key, std::to_string(random.next_u64())});
      }
      n.nvm->before_reply();
      if (random.next_u64() % 2 == 0) {
        ASSERT_TRUE(n.nvm->step().ok());
      }
    }
    persisted = dump(n.h.engine);
  }
  Node r(dir.path, 0, kStartUs);
  ASSERT_TRUE(r.status.ok());
  for (int i = 0; i < 600 && r.nvm->filling(); ++i) {
    int db = static_cast<int>(random.next_u64() % 3);
    std::string key = "k" + std::to_string(random.next_u64() % 500);
    r.run({"SELECT", std::to_string(db)});
    auto it = persisted.find({db, key});
    EXPECT_EQ(r.run({"GET", key}), it == persisted.end() ? "$-1\r\n" : bulk(it->second.first))
        << "db " << db << " key " << key;
    if (random.next_u64() % 50 == 0) {
      ASSERT_TRUE(r.nvm->step().ok());
    }
  }
  EXPECT_EQ(dump(r.h.engine), persisted);
}

}  // namespace
}  // namespace amber::nvm
