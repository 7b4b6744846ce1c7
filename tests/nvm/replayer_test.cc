// Replayer and the log record format: records round-trip, folding a log into
// a store gives the model's state, and a sustained write load on a small log
// never loses a record (append back-pressures until replay frees space).
#include "nvm/replayer.h"

#include <gtest/gtest.h>

#include "nvm/emulated_region.h"
#include "tests/nvm/store_model.h"
#include "tests/nvm/tagging_host.h"

namespace amber::nvm {
namespace {

using testing::ModelState;
using testing::ModelUnit;

TEST(LogRecord, EveryOpRoundTrips) {
  LogRecordBuilder builder;
  builder.begin(77);
  builder.flush_db(3);
  builder.swap_db(1, 15);
  builder.flush_all();
  builder.upsert(2, "key", std::string("v\0lue", 5), 123456789012);
  builder.remove(15, "");
  uint64_t seq;
  std::vector<LogOp> ops;
  ASSERT_TRUE(decode_log_record(builder.bytes(), &seq, &ops).ok());
  EXPECT_EQ(seq, 77u);
  ASSERT_EQ(ops.size(), 5u);
  EXPECT_EQ(ops[0].kind, LogOpKind::kFlushDb);
  EXPECT_EQ(ops[0].db, 3u);
  EXPECT_EQ(ops[1].kind, LogOpKind::kSwapDb);
  EXPECT_EQ(ops[1].other_db, 15u);
  EXPECT_EQ(ops[2].kind, LogOpKind::kFlushAll);
  EXPECT_EQ(ops[3].value, std::string("v\0lue", 5));
  EXPECT_EQ(ops[3].expire_ms, 123456789012);
  EXPECT_EQ(ops[4].kind, LogOpKind::kRemove);
  EXPECT_EQ(ops[4].db, 15u);
}

TEST(LogRecord, TruncatedOrPaddedRecordsAreCorruption) {
  LogRecordBuilder builder;
  builder.begin(1);
  builder.upsert(0, "key", "value", -1);
  std::string bytes(builder.bytes());
  uint64_t seq;
  std::vector<LogOp> ops;
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_TRUE(decode_log_record(bytes.substr(0, len), &seq, &ops).is_corruption()) << len;
  }
  EXPECT_TRUE(decode_log_record(bytes + "x", &seq, &ops).is_corruption());
  bytes[12] = 9;  // an unknown op kind
  EXPECT_TRUE(decode_log_record(bytes, &seq, &ops).is_corruption());
}

struct Pair {
  std::unique_ptr<EmulatedRegion> log_region;
  std::unique_ptr<EmulatedRegion> store_region;
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
};

Pair make_pair_of(size_t log_bytes, size_t store_bytes, uint64_t slots) {
  Pair p;
  p.log_region = EmulatedRegion::from_image(std::string(log_bytes, '\0'));
  p.store_region = EmulatedRegion::from_image(std::string(store_bytes, '\0'));
  EXPECT_TRUE(PmemLog::format(p.log_region.get(), 1, &p.log).ok());
  StoreFormatOptions options;
  options.slot_count = slots;
  EXPECT_TRUE(PmemStore::format(p.store_region.get(), 2, options, &p.store).ok());
  return p;
}

TEST(Replayer, SustainedWritesOnASmallLogAreBackPressuredNeverLost) {
  const uint64_t seed = 9;
  SCOPED_TRACE("seed " + std::to_string(seed));
  SeededRandom random(seed);
  Pair p = make_pair_of(8192, 1 << 20, 4096);
  Replayer replayer(p.log.get(), p.store.get());
  ModelState model;
  LogRecordBuilder builder;
  testing::TaggingHost host;
  int back_pressured = 0;
  for (uint64_t seq = 1; seq <= 5000; ++seq) {
    ModelUnit unit = testing::random_unit(seq, &random, 300, 4, 200);
    testing::apply_to_model(unit, &model);
    testing::encode_unit(unit, &builder);
    host.build(unit);
    while (!p.log->append(builder.bytes())) {
      ++back_pressured;
      p.log->persist();
      host.persisted(replayer);
      size_t applied = 0;
      ASSERT_TRUE(replayer.step(8, &applied).ok());
      ASSERT_GT(applied, 0u) << "a full log always has durable records to fold";
    }
    host.appended();
    if (random.uniform(4) == 0) {
      p.log->persist();
      host.persisted(replayer);
    }
    if (random.uniform(8) == 0) {
      ASSERT_TRUE(replayer.step(2).ok());
    }
    ASSERT_TRUE(p.store->step(16).ok());
  }
  p.log->persist();
  host.persisted(replayer);
  while (!replayer.caught_up()) ASSERT_TRUE(replayer.step(64).ok());
  EXPECT_GT(back_pressured, 100);
  EXPECT_GT(replayer.superseded_ops(), 0u) << "300 keys are rewritten while they wait";
  EXPECT_EQ(p.store->applied_seq(), 5000u);
  ModelState got;
  uint64_t blocks;
  ASSERT_TRUE(testing::finish_walk(p.store.get()).ok());
  ASSERT_TRUE(testing::read_store(*p.store, &got, &blocks).ok());
  EXPECT_EQ(got, model);
  EXPECT_EQ(testing::check_accounting(*p.store, got, blocks), "");
}

// After a restart the plan starts at the log's head: one plan() call must
// not plan a whole long tail (it runs before a batch's replies leave), nor
// its first kPlanOpsPerCall records when each holds several ops, and the
// steps must still skip what the rest of the tail supersedes.
TEST(Replayer, APlanCallPlansABoundedNumberOfOpsAndTheStepsPlanTheRest) {
  Pair p = make_pair_of(1 << 20, 1 << 20, 8192);
  LogRecordBuilder builder;
  testing::TaggingHost host;
  const uint64_t records = Replayer::kPlanOpsPerCall / 2 + 1000;
  std::vector<ModelUnit> units;
  for (uint64_t seq = 1; seq <= records; ++seq) {
    ModelUnit unit{seq, {}};
    unit.ops.push_back(
        {LogOpKind::kUpsert, 0, 0, "k" + std::to_string(seq % 50), std::to_string(seq)});
    unit.ops.push_back(
        {LogOpKind::kUpsert, 0, 0, "j" + std::to_string(seq % 50), std::to_string(seq)});
    testing::encode_unit(unit, &builder);
    host.build(unit);
    ASSERT_TRUE(p.log->append(builder.bytes()));
    host.appended();
  }
  p.log->persist();
  Replayer replayer(p.log.get(), p.store.get());
  host.persisted(replayer);
  replayer.plan(p.log->tail_lsn());
  EXPECT_GT(replayer.planned_lsn(), p.log->head_lsn());
  EXPECT_LT(replayer.planned_lsn(), p.log->tail_lsn());
  while (!replayer.caught_up()) ASSERT_TRUE(replayer.step(100).ok());
  EXPECT_EQ(replayer.superseded_ops(), 2 * (records - 50));
  StoreItemView item;
  bool found = false;
  ASSERT_TRUE(p.store->get(0, "k" + std::to_string(records % 50), &item, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(item.value, std::to_string(records));
}

TEST(Replayer, RecordsAlreadyAppliedAreSkipped) {
  Pair p = make_pair_of(8192, 1 << 20, 1024);
  LogRecordBuilder builder;
  builder.begin(1);
  builder.swap_db(0, 1);
  ASSERT_TRUE(p.log->append(builder.bytes()));
  p.log->persist();
  // The store applied it already (a crash came before the log head moved).
  p.store->begin_unit(1);
  p.store->swap_db(0, 1);
  p.store->end_unit();
  p.store->begin_unit(2);
  ASSERT_TRUE(p.store->upsert(1, "k", "v", -1).ok());
  p.store->end_unit();
  Replayer replayer(p.log.get(), p.store.get());
  size_t consumed = 0;
  ASSERT_TRUE(replayer.step(10, &consumed).ok());
  EXPECT_EQ(consumed, 1u);
  EXPECT_TRUE(replayer.caught_up());
  StoreItemView item;
  bool found;
  ASSERT_TRUE(p.store->get(1, "k", &item, &found).ok());
  EXPECT_TRUE(found) << "the swap was not applied a second time";
}

TEST(Replayer, ACorruptRecordStopsTheReplayWithoutFreeingIt) {
  Pair p = make_pair_of(8192, 1 << 20, 1024);
  ASSERT_TRUE(p.log->append("not a record"));
  p.log->persist();
  Replayer replayer(p.log.get(), p.store.get());
  EXPECT_TRUE(replayer.step(10).is_corruption());
  EXPECT_FALSE(replayer.caught_up());
}

// A step's budget counts ops, in whole records, and takes at least one.
TEST(Replayer, AStepsBudgetCountsOpsInWholeRecords) {
  Pair p = make_pair_of(1 << 16, 1 << 20, 1024);
  LogRecordBuilder builder;
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    builder.begin(seq);
    const int keys = seq == 3 ? 1 : 10;
    for (int k = 0; k < keys; ++k) builder.upsert(0, "k" + std::to_string(k), "v", -1);
    ASSERT_TRUE(p.log->append(builder.bytes()));
  }
  p.log->persist();
  Replayer replayer(p.log.get(), p.store.get());
  size_t records = 0;
  ASSERT_TRUE(replayer.step(15, &records).ok());
  EXPECT_EQ(records, 2u) << "10 ops, then 10 more: past the budget of 15, whole";
  ASSERT_TRUE(replayer.step(1, &records).ok());
  EXPECT_EQ(records, 1u);
  ASSERT_TRUE(replayer.step(1, &records).ok());
  EXPECT_EQ(records, 1u) << "at least one record";
  EXPECT_TRUE(replayer.caught_up());
  EXPECT_EQ(p.store->applied_seq(), 4u);
  EXPECT_EQ(p.store->key_count(), 10u);
}

}  // namespace
}  // namespace amber::nvm
