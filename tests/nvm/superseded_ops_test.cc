// The replay skips an upsert or remove that a later *durable* record
// overwrites (nvm/superseded_ops.h), as the host's OverwriteTracker marks
// them (nvm/overwrite_tracker.h): how much it skips, and each rule that
// keeps the skip safe — only durable records supersede, a FLUSHDB / SWAPDB
// is a barrier, a tag only marks ops on its own database, a dropped record
// stops the marking, and the ring of marks never reports a stale one.
#include "nvm/superseded_ops.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nvm/emulated_region.h"
#include "nvm/overwrite_tracker.h"
#include "nvm/replayer.h"

namespace amber::nvm {
namespace {

// A log, a store, a Replayer, and a host that tags its keys in a map the
// way NVM mode tags its DRAM entries.
struct Fixture {
  // A 256 KiB log: the window of marks is its smallest, 4096 ops.
  std::unique_ptr<EmulatedRegion> log_region =
      EmulatedRegion::from_image(std::string(256 << 10, '\0'));
  std::unique_ptr<EmulatedRegion> store_region =
      EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
  std::unique_ptr<Replayer> replayer;
  LogRecordBuilder builder;
  OverwriteTracker tracker;
  std::map<std::pair<uint32_t, std::string>, uint64_t> tags;
  uint64_t seq = 0;

  Fixture() {
    EXPECT_TRUE(PmemLog::format(log_region.get(), 1, &log).ok());
    StoreFormatOptions options;
    options.slot_count = 8192;
    EXPECT_TRUE(PmemStore::format(store_region.get(), 1, options, &store).ok());
    replayer = std::make_unique<Replayer>(log.get(), store.get());
  }
  void begin() { builder.begin(++seq); }
  void add_upsert(uint32_t db, const std::string& key, std::string_view value) {
    builder.upsert(db, key, value, -1);
    tracker.key_op(db, &tags[{db, key}]);
  }
  void add_remove(uint32_t db, const std::string& key) {
    builder.remove(db, key);
    tracker.key_op(db, &tags[{db, key}]);
  }
  void add_swap(uint32_t a, uint32_t b) {
    builder.swap_db(a, b);
    tracker.structural_op();
  }
  void append() {
    ASSERT_TRUE(log->append(builder.bytes()));
    tracker.record_appended();
  }
  void upsert(uint32_t db, const std::string& key, std::string_view value) {
    begin();
    add_upsert(db, key, value);
    append();
  }
  // Plans, persists and hands the marks over, as NVM mode's group commit.
  void persist() {
    replayer->plan(log->appended_lsn());
    log->persist();
    tracker.hand_over(*replayer);
  }
  // Persists what was appended and folds it in; returns the ops the
  // replay skipped as superseded so far.
  uint64_t persist_and_replay() {
    persist();
    while (!replayer->caught_up()) {
      Status status = replayer->step(100);
      EXPECT_TRUE(status.ok()) << status.to_string();
      if (!status.ok()) break;
    }
    return replayer->superseded_ops();
  }
  // The store's value of `key`, or "(none)".
  std::string value_of(uint32_t db, std::string_view key) const {
    StoreItemView item;
    bool found = false;
    EXPECT_TRUE(store->get(db, key, &item, &found).ok());
    return found ? std::string(item.value) : "(none)";
  }
};

TEST(SupersededOps, AKeyRewrittenInDurableRecordsIsWrittenToTheStoreOnce) {
  Fixture f;
  for (int i = 0; i < 10; ++i) f.upsert(0, "hot", "v" + std::to_string(i));
  f.upsert(0, "cold", "c");
  EXPECT_EQ(f.persist_and_replay(), 9u);
  EXPECT_EQ(f.value_of(0, "hot"), "v9");
  EXPECT_EQ(f.value_of(0, "cold"), "c");
  EXPECT_EQ(f.store->applied_seq(), 11u);
}

TEST(SupersededOps, ARemoveSupersedesAndIsSupersededLikeAnUpsert) {
  Fixture f;
  f.upsert(0, "a", "1");
  f.begin();
  f.add_remove(0, "a");
  f.add_upsert(0, "b", "2");
  f.append();
  f.begin();
  f.add_remove(0, "b");
  f.append();
  EXPECT_EQ(f.persist_and_replay(), 2u);  // upsert a, upsert b
  EXPECT_EQ(f.value_of(0, "a"), "(none)");
  EXPECT_EQ(f.value_of(0, "b"), "(none)");
}

TEST(SupersededOps, ARecordNotYetDurableSupersedesNothing) {
  Fixture f;
  f.upsert(0, "k", "old");
  f.persist();
  f.upsert(0, "k", "new");  // appended, not persisted: a crash may lose it
  ASSERT_TRUE(f.replayer->step(100).ok());
  EXPECT_EQ(f.replayer->superseded_ops(), 0u);
  EXPECT_EQ(f.value_of(0, "k"), "old");
  f.persist();
  ASSERT_TRUE(f.replayer->step(100).ok());
  EXPECT_EQ(f.value_of(0, "k"), "new");
}

TEST(SupersededOps, MarksWaitForThePersistThatMakesTheOverwritingRecordDurable) {
  Fixture f;
  f.upsert(0, "k", "old");
  f.upsert(0, "k", "new");
  // Appended, not persisted: the mark on "old" is held back.
  f.log->persist();  // durable, but the host has not been told
  ASSERT_TRUE(f.replayer->step(100).ok());
  EXPECT_EQ(f.replayer->superseded_ops(), 0u);
  EXPECT_EQ(f.value_of(0, "k"), "new");
  // A mark handed over late, on an op already applied, changes nothing.
  f.tracker.hand_over(*f.replayer);
  f.upsert(0, "k", "newer");
  EXPECT_EQ(f.persist_and_replay(), 0u);
  EXPECT_EQ(f.value_of(0, "k"), "newer");
}

TEST(SupersededOps, AWriteBeforeASwapIsNotSupersededByTheSameNameAfterIt) {
  Fixture f;
  f.upsert(0, "k", "moves to db 1");
  f.begin();
  f.add_swap(0, 1);
  f.append();
  // The host's entry for (0, k) is the one that moved (its tag names the
  // op before the swap): the barrier keeps it from marking that op.
  f.upsert(0, "k", "stays in db 0");
  EXPECT_EQ(f.persist_and_replay(), 0u);
  EXPECT_EQ(f.value_of(1, "k"), "moves to db 1");
  EXPECT_EQ(f.value_of(0, "k"), "stays in db 0");
}

TEST(SupersededOps, ATagOnlyMarksOpsOnItsOwnDatabase) {
  Fixture f;
  uint64_t tag = OverwriteTracker::kNoTag;
  f.begin();
  f.builder.upsert(0, "k", "db 0", -1);
  f.tracker.key_op(0, &tag);
  f.append();
  f.begin();
  f.builder.upsert(1, "k", "db 1", -1);
  f.tracker.key_op(1, &tag);  // the same tag, another database
  f.append();
  EXPECT_EQ(f.persist_and_replay(), 0u);
  EXPECT_EQ(f.value_of(0, "k"), "db 0");
  EXPECT_EQ(f.value_of(1, "k"), "db 1");
}

TEST(SupersededOps, ADroppedRecordStopsTheMarking) {
  Fixture f;
  f.upsert(0, "k", "1");
  f.begin();
  f.add_upsert(0, "k", "never logged");
  f.tracker.record_dropped();
  // The dropped op's ordinal goes to the next op logged; the tag names it.
  f.upsert(0, "other", "x");
  f.upsert(0, "k", "2");
  EXPECT_EQ(f.persist_and_replay(), 0u);
  EXPECT_EQ(f.value_of(0, "other"), "x");
  EXPECT_EQ(f.value_of(0, "k"), "2");
}

TEST(SupersededOps, SmallStepsSkipWhatTheWholeLogSupersedes) {
  Fixture f;
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 20; ++k) f.upsert(0, "key" + std::to_string(k), std::to_string(round));
  }
  f.persist();
  while (!f.replayer->caught_up()) ASSERT_TRUE(f.replayer->step(3).ok());
  EXPECT_EQ(f.replayer->superseded_ops(), 80u);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(f.value_of(0, "key" + std::to_string(k)), "4");
}

TEST(SupersededOps, TheRingDropsMarksPastItsWindowAndNeverReportsAStaleOne) {
  SupersededOps marks(/*window_ops=*/0);  // the smallest window
  const uint64_t window = marks.window();
  ASSERT_GT(window, 0u);
  marks.mark(3);
  marks.mark(window - 1);
  marks.mark(window);  // past the window: dropped
  EXPECT_TRUE(marks.superseded(3));
  EXPECT_TRUE(marks.superseded(window - 1));
  EXPECT_FALSE(marks.superseded(window));
  EXPECT_FALSE(marks.superseded(4));
  marks.set_applied(window - 1);
  // The ring wrapped over the applied ops: their bits start clear.
  EXPECT_FALSE(marks.superseded(window + 3));
  EXPECT_TRUE(marks.superseded(window - 1));
  marks.mark(2);  // applied already: dropped
  EXPECT_FALSE(marks.superseded(window + 2));
  marks.set_applied(5 * window);
  EXPECT_FALSE(marks.superseded(5 * window + window - 1));
}

TEST(SupersededOps, ARecordLargerThanTheWindowIsReplayedWhole) {
  Fixture f;
  f.upsert(0, "x", "before");
  f.begin();
  // More ops than the window, every one of them overwritten later.
  for (int i = 0; i < 4200; ++i) f.add_upsert(0, "x" + std::to_string(i), "v");
  f.append();
  f.begin();
  for (int i = 0; i < 4200; i += 100) f.add_upsert(0, "x" + std::to_string(i), "after");
  f.append();
  f.persist();
  while (!f.replayer->caught_up()) {
    Status status = f.replayer->step(1);
    ASSERT_TRUE(status.ok()) << status.to_string();
  }
  EXPECT_EQ(f.value_of(0, "x"), "before");
  EXPECT_EQ(f.value_of(0, "x1"), "v");
  EXPECT_EQ(f.value_of(0, "x4199"), "v");
  EXPECT_EQ(f.value_of(0, "x0"), "after");
  EXPECT_EQ(f.value_of(0, "x4100"), "after");
  // The marks inside the window (ordinals 1, 101, ..., 4001) were kept, the
  // one past it (x4100's, ordinal 4101) dropped: that op was applied.
  EXPECT_EQ(f.replayer->superseded_ops(), 41u);
}

}  // namespace
}  // namespace amber::nvm
