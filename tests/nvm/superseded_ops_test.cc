// The replay skips an upsert or remove that a later *durable* record
// overwrites (nvm/superseded_ops.h): how much it skips, and each rule that
// keeps the skip safe — only durable records supersede, a FLUSHDB / SWAPDB
// is a barrier, keys compare exactly (db and bytes), and a full window
// delays the plan instead of losing ops.
#include "nvm/superseded_ops.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nvm/emulated_region.h"
#include "nvm/replayer.h"
#include "tests/nvm/store_model.h"

namespace amber::nvm {
namespace {

using testing::ModelState;

struct Fixture {
  // A 256 KiB log: the plan's window is its smallest, 4096 ops.
  std::unique_ptr<EmulatedRegion> log_region =
      EmulatedRegion::from_image(std::string(256 << 10, '\0'));
  std::unique_ptr<EmulatedRegion> store_region =
      EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
  LogRecordBuilder builder;
  uint64_t seq = 0;

  Fixture() {
    EXPECT_TRUE(PmemLog::format(log_region.get(), 1, &log).ok());
    StoreFormatOptions options;
    options.slot_count = 8192;
    EXPECT_TRUE(PmemStore::format(store_region.get(), 1, options, &store).ok());
  }
  void begin() { builder.begin(++seq); }
  void append() { ASSERT_TRUE(log->append(builder.bytes())); }
  void upsert(uint32_t db, std::string_view key, std::string_view value) {
    begin();
    builder.upsert(db, key, value, -1);
    append();
  }
  // Persists what was appended and folds it in with one replay step;
  // returns the ops the step skipped as superseded.
  uint64_t persist_and_replay() {
    log->persist();
    Replayer replayer(log.get(), store.get());
    Status status = replayer.step(100);
    EXPECT_TRUE(status.ok()) << status.to_string();
    return replayer.superseded_ops();
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
  f.log->persist();
  Replayer replayer(f.log.get(), f.store.get());
  ASSERT_TRUE(replayer.step(100).ok());
  EXPECT_TRUE(replayer.caught_up());
  EXPECT_EQ(replayer.superseded_ops(), 9u);
  EXPECT_EQ(f.value_of(0, "hot"), "v9");
  EXPECT_EQ(f.value_of(0, "cold"), "c");
  EXPECT_EQ(f.store->applied_seq(), 11u);
}

TEST(SupersededOps, ARemoveSupersedesAndIsSupersededLikeAnUpsert) {
  Fixture f;
  f.upsert(0, "a", "1");
  f.begin();
  f.builder.remove(0, "a");
  f.builder.upsert(0, "b", "2", -1);
  f.append();
  f.begin();
  f.builder.remove(0, "b");
  f.append();
  EXPECT_EQ(f.persist_and_replay(), 2u);  // upsert a, upsert b
  EXPECT_EQ(f.value_of(0, "a"), "(none)");
  EXPECT_EQ(f.value_of(0, "b"), "(none)");
}

TEST(SupersededOps, ARecordNotYetDurableSupersedesNothing) {
  Fixture f;
  f.upsert(0, "k", "old");
  f.log->persist();
  f.upsert(0, "k", "new");  // appended, not persisted: a crash may lose it
  Replayer replayer(f.log.get(), f.store.get());
  ASSERT_TRUE(replayer.step(100).ok());
  EXPECT_EQ(replayer.superseded_ops(), 0u);
  EXPECT_EQ(f.value_of(0, "k"), "old");
  f.log->persist();
  ASSERT_TRUE(replayer.step(100).ok());
  EXPECT_EQ(f.value_of(0, "k"), "new");
}

TEST(SupersededOps, AWriteBeforeASwapIsNotSupersededByTheSameNameAfterIt) {
  Fixture f;
  f.upsert(0, "k", "moves to db 1");
  f.begin();
  f.builder.swap_db(0, 1);
  f.append();
  f.upsert(0, "k", "stays in db 0");
  EXPECT_EQ(f.persist_and_replay(), 0u);
  EXPECT_EQ(f.value_of(1, "k"), "moves to db 1");
  EXPECT_EQ(f.value_of(0, "k"), "stays in db 0");
}

TEST(SupersededOps, KeysCompareByDatabaseAndEveryByte) {
  Fixture f;
  f.upsert(0, "k", "db 0");
  f.upsert(1, "k", "db 1");
  f.upsert(0, std::string("k\0", 2), "longer");
  f.upsert(0, "K", "other case");
  // As long as the bytes the plan keeps inline, equal up to the last one.
  const std::string inline_key(31, 'z');
  f.upsert(0, inline_key + "1", "inline 1");
  f.upsert(0, inline_key + "2", "inline 2");
  // Longer than the bytes the plan keeps inline, equal up to the last one.
  const std::string long_key(40, 'x');
  f.upsert(0, long_key + "1", "long 1");
  f.upsert(0, long_key + "2", "long 2");
  EXPECT_EQ(f.persist_and_replay(), 0u);
  EXPECT_EQ(f.value_of(0, inline_key + "1"), "inline 1");
  EXPECT_EQ(f.value_of(0, "k"), "db 0");
  EXPECT_EQ(f.value_of(1, "k"), "db 1");
  EXPECT_EQ(f.value_of(0, std::string("k\0", 2)), "longer");
  EXPECT_EQ(f.value_of(0, long_key + "1"), "long 1");
}

TEST(SupersededOps, ALongKeyIsSupersededByItsEqual) {
  Fixture f;
  const std::string long_key(100, 'y');
  f.upsert(0, long_key, "first");
  f.upsert(0, long_key, "second");
  EXPECT_EQ(f.persist_and_replay(), 1u);
  EXPECT_EQ(f.value_of(0, long_key), "second");
}

TEST(SupersededOps, SmallStepsSkipWhatTheWholeLogSupersedes) {
  // The plan looks at every durable record, not just the step's.
  Fixture f;
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 20; ++k) f.upsert(0, "key" + std::to_string(k), std::to_string(round));
  }
  f.log->persist();
  Replayer replayer(f.log.get(), f.store.get());
  while (!replayer.caught_up()) ASSERT_TRUE(replayer.step(3).ok());
  EXPECT_EQ(replayer.superseded_ops(), 80u);
  for (int k = 0; k < 20; ++k) EXPECT_EQ(f.value_of(0, "key" + std::to_string(k)), "4");
}

void add_one(SupersededOps* plan, uint32_t db, std::string_view key) {
  const SupersededOps::Op op{db, key, SupersededOps::hash(db, key)};
  plan->add({&op, 1});
}

TEST(SupersededOps, OpsPlannedInOneBatchMarkEachOtherInOrder) {
  SupersededOps plan(/*window_ops=*/4096);
  // More than one internal batch, with a key repeated inside a batch and
  // across the batch boundary.
  std::vector<std::string> keys = {"a", "b", "a", "c", "a"};
  for (int i = 0; i < 14; ++i) keys.push_back("f" + std::to_string(i));
  keys.push_back("b");  // the 20th op, in the second batch
  std::vector<SupersededOps::Op> ops;
  for (const std::string& key : keys) ops.push_back({0, key, SupersededOps::hash(0, key)});
  plan.add(ops);
  ASSERT_EQ(plan.planned(), keys.size());
  std::vector<uint64_t> superseded;
  for (uint64_t o = 0; o < plan.planned(); ++o) {
    if (plan.superseded(o)) superseded.push_back(o);
  }
  // a@0 and a@2 by a@4; b@1 by b@19.
  EXPECT_EQ(superseded, (std::vector<uint64_t>{0, 1, 2}));
}

TEST(SupersededOps, AFullWindowWaitsForTheAppliedOpsAndNeverReportsAStaleMark) {
  SupersededOps plan(/*window_ops=*/0);  // the smallest window
  uint64_t window = 0;
  while (plan.has_room(window + 1)) ++window;
  ASSERT_GT(window, 0u);
  std::vector<std::string> keys;
  for (uint64_t i = 0; i < window; ++i) keys.push_back("k" + std::to_string(i % 7));
  for (const std::string& key : keys) add_one(&plan, 0, key);
  EXPECT_FALSE(plan.has_room(1));
  // Every op but the last one on each of the 7 keys is superseded.
  uint64_t superseded = 0;
  for (uint64_t o = 0; o < window; ++o) superseded += plan.superseded(o) ? 1 : 0;
  EXPECT_EQ(superseded, window - 7);
  plan.set_applied(window);
  ASSERT_TRUE(plan.has_room(1));
  // The ring wrapped: the new op's bit starts clear, and an op on an
  // applied key supersedes nothing (its slot is stale).
  add_one(&plan, 0, "k0");
  EXPECT_FALSE(plan.superseded(window));
}

TEST(SupersededOps, ARecordLargerThanTheWindowIsReplayedWhole) {
  Fixture f;
  f.upsert(0, "x", "before");
  f.begin();
  // More ops than the window.
  for (int i = 0; i < 4200; ++i) f.builder.upsert(0, "x" + std::to_string(i), "v", -1);
  f.append();
  f.upsert(0, "x0", "after");
  f.log->persist();
  Replayer replayer(f.log.get(), f.store.get());
  while (!replayer.caught_up()) {
    Status status = replayer.step(1);
    ASSERT_TRUE(status.ok()) << status.to_string();
  }
  EXPECT_EQ(f.value_of(0, "x"), "before");
  EXPECT_EQ(f.value_of(0, "x1"), "v");
  EXPECT_EQ(f.value_of(0, "x4199"), "v");
  EXPECT_EQ(f.value_of(0, "x0"), "after");
}

}  // namespace
}  // namespace amber::nvm
