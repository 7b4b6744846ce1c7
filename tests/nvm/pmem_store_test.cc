// PmemStore: lookups straight from the mapping, units of upserts, removes,
// flushes and swaps against a reference model, reopen with a lazy rebuild
// that leaks nothing, and the limits (full heap, full index, bad images).
#include "nvm/pmem_store.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "nvm/emulated_region.h"
#include "tests/nvm/store_model.h"

namespace amber::nvm {
namespace {

using testing::ModelState;
using testing::ModelUnit;

std::unique_ptr<PmemStore> format_store(Region* region, uint64_t slots = 0) {
  std::unique_ptr<PmemStore> store;
  StoreFormatOptions options;
  options.slot_count = slots;
  Status status = PmemStore::format(region, 5, options, &store);
  EXPECT_TRUE(status.ok()) << status.to_string();
  return store;
}

std::unique_ptr<PmemStore> reopen(EmulatedRegion* region, std::unique_ptr<EmulatedRegion>* out) {
  *out = EmulatedRegion::from_image(region->image_copy());
  std::unique_ptr<PmemStore> store;
  Status status = PmemStore::open(out->get(), &store);
  EXPECT_TRUE(status.ok()) << status.to_string();
  return store;
}

TEST(PmemStore, UpsertedValueIsReadBackWithItsExpire) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get());
  store->begin_unit(1);
  ASSERT_TRUE(store->upsert(3, "key", "value", 12345).ok());
  store->end_unit();
  StoreItemView item;
  bool found;
  ASSERT_TRUE(store->get(3, "key", &item, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(item.value, "value");
  EXPECT_EQ(item.expire_ms, 12345);
  EXPECT_EQ(item.db, 3u);
  ASSERT_TRUE(store->get(0, "key", &item, &found).ok());
  EXPECT_FALSE(found) << "databases are separate";
  EXPECT_EQ(store->applied_seq(), 1u);
}

TEST(PmemStore, ReopenServesLookupsBeforeTheRebuildAndLeaksNothingAfterIt) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get());
  ModelState model;
  SeededRandom random(42);
  for (uint64_t seq = 1; seq <= 400; ++seq) {
    ModelUnit unit = testing::random_unit(seq, &random, 60, 4, 200);
    testing::apply_to_model(unit, &model);
    ASSERT_TRUE(testing::apply_to_store(unit, store.get()).ok());
    ASSERT_TRUE(store->step(7).ok());
  }
  store->sync();
  std::unique_ptr<EmulatedRegion> after;
  auto reopened = reopen(region.get(), &after);
  ASSERT_TRUE(reopened->rebuilding());
  for (const auto& [key, value] : model) {
    StoreItemView item;
    bool found;
    ASSERT_TRUE(reopened->get(key.first, key.second, &item, &found).ok());
    ASSERT_TRUE(found) << key.second;
    EXPECT_EQ(item.value, value.value);
  }
  ASSERT_TRUE(testing::finish_walk(reopened.get()).ok());
  ModelState got;
  uint64_t blocks;
  ASSERT_TRUE(testing::read_store(*reopened, &got, &blocks).ok());
  EXPECT_EQ(got, model);
  EXPECT_EQ(testing::check_accounting(*reopened, got, blocks), "");
  EXPECT_EQ(reopened->applied_seq(), 400u);
}

TEST(PmemStore, RandomUnitsMatchTheModelAcrossReopens) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SeededRandom random(seed);
    std::unique_ptr<EmulatedRegion> region =
        EmulatedRegion::from_image(std::string(256 << 10, '\0'));
    auto store = format_store(region.get(), 1024);
    ModelState model;
    for (uint64_t seq = 1; seq <= 1500; ++seq) {
      ModelUnit unit = testing::random_unit(seq, &random, 200, 16, 300);
      testing::apply_to_model(unit, &model);
      Status status = testing::apply_to_store(unit, store.get());
      ASSERT_TRUE(status.ok()) << status.to_string();
      ASSERT_TRUE(store->step(random.uniform(40)).ok());
      if (!store->busy()) {
        ModelState got;
        uint64_t blocks;
        ASSERT_TRUE(testing::read_store(*store, &got, &blocks).ok());
        ASSERT_EQ(testing::check_accounting(*store, got, blocks), "") << "after unit " << seq;
      }
      if (random.uniform(300) == 0) {
        store->sync();
        std::unique_ptr<EmulatedRegion> after;
        store = reopen(region.get(), &after);
        region = std::move(after);
      }
    }
    ASSERT_TRUE(testing::finish_walk(store.get()).ok());
    ModelState got;
    uint64_t blocks;
    ASSERT_TRUE(testing::read_store(*store, &got, &blocks).ok());
    EXPECT_EQ(got, model);
    EXPECT_EQ(testing::check_accounting(*store, got, blocks), "");
  }
}

TEST(PmemStore, FlushDbEmptiesOneDatabaseAndTheWalkerFreesItsItems) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get());
  store->begin_unit(1);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(store->upsert(i % 2, "k" + std::to_string(i), std::string(100, 'v'), -1).ok());
  }
  store->end_unit();
  uint64_t used_before = store->allocator().used_bytes();
  store->begin_unit(2);
  store->flush_db(0);
  ASSERT_TRUE(store->upsert(0, "k0", "new", -1).ok());  // after the flush: survives it
  store->end_unit();
  EXPECT_EQ(store->key_count(0), 1u);
  EXPECT_EQ(store->key_count(1), 50u);
  ASSERT_TRUE(testing::finish_walk(store.get()).ok());
  EXPECT_LT(store->allocator().used_bytes(), used_before * 6 / 10);
  StoreItemView item;
  bool found;
  ASSERT_TRUE(store->get(0, "k0", &item, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(item.value, "new");
  ASSERT_TRUE(store->get(0, "k2", &item, &found).ok());
  EXPECT_FALSE(found);
}

TEST(PmemStore, SwapDbExchangesTheContentOfTwoDatabases) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get());
  store->begin_unit(1);
  ASSERT_TRUE(store->upsert(0, "a", "in0", -1).ok());
  ASSERT_TRUE(store->upsert(9, "b", "in9", -1).ok());
  store->end_unit();
  store->begin_unit(2);
  store->swap_db(0, 9);
  store->end_unit();
  bool found;
  StoreItemView item;
  ASSERT_TRUE(store->get(9, "a", &item, &found).ok());
  EXPECT_TRUE(found);
  ASSERT_TRUE(store->get(0, "b", &item, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(item.value, "in9");
  EXPECT_EQ(store->key_count(0), 1u);
}

TEST(PmemStore, ASkippedUnitIsAppliedAtOnceAndDurableWithTheNextSyncOrStructuralOp) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get());
  store->begin_unit(1);
  ASSERT_TRUE(store->upsert(0, "a", "1", -1).ok());
  store->end_unit();
  store->sync();
  store->skip_unit(2);
  store->skip_unit(3);
  EXPECT_EQ(store->applied_seq(), 3u);
  std::unique_ptr<EmulatedRegion> after;
  // A crash now re-applies 2 and 3, which changed nothing: only more work.
  EXPECT_EQ(reopen(region.get(), &after)->applied_seq(), 1u);
  store->sync();
  EXPECT_EQ(reopen(region.get(), &after)->applied_seq(), 3u);
  // A structural op is never durable ahead of the applied seq before it.
  store->skip_unit(4);
  store->begin_unit(5);
  store->flush_db(0);
  EXPECT_EQ(reopen(region.get(), &after)->applied_seq(), 4u);
  store->end_unit();
  store->skip_unit(6);
  store->sync();
  auto reopened = reopen(region.get(), &after);
  EXPECT_EQ(reopened->applied_seq(), 6u);
  StoreItemView item;
  bool found = true;
  ASSERT_TRUE(reopened->get(0, "a", &item, &found).ok());
  EXPECT_FALSE(found);
}

TEST(PmemStore, AUnitAppliedTwiceGivesTheSameStateAsOnce) {
  // A crash after some of a unit's ops: the Replayer applies it again.
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get());
  ModelUnit first{
      1, {{LogOpKind::kUpsert, 0, 0, "x", "0", -1}, {LogOpKind::kUpsert, 1, 0, "y", "1", -1}}};
  ModelUnit unit{2,
                 {{LogOpKind::kFlushDb, 0},
                  {LogOpKind::kSwapDb, 0, 1},
                  {LogOpKind::kSwapDb, 1, 2},
                  {LogOpKind::kUpsert, 0, 0, "z", "2", -1}}};
  ASSERT_TRUE(testing::apply_to_store(first, store.get()).ok());
  // Apply `unit` without end_unit, then again from its start.
  store->begin_unit(2);
  store->flush_db(0);
  store->swap_db(0, 1);
  store->swap_db(1, 2);
  ASSERT_TRUE(store->upsert(0, "z", "2", -1).ok());
  store->abandon_unit();
  ASSERT_TRUE(testing::apply_to_store(unit, store.get()).ok());
  ModelState model;
  testing::apply_to_model(first, &model);
  testing::apply_to_model(unit, &model);
  ModelState got;
  uint64_t blocks;
  ASSERT_TRUE(testing::finish_walk(store.get()).ok());
  ASSERT_TRUE(testing::read_store(*store, &got, &blocks).ok());
  EXPECT_EQ(got, model);
}

TEST(PmemStore, AFullHeapIsReportedAsEnospcAndTheStoreStaysUsable) {
  auto region = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  auto store = format_store(region.get(), 64);
  Status status;
  int stored = 0;
  for (uint64_t seq = 1; status.ok(); ++seq) {
    store->begin_unit(seq);
    status = store->upsert(0, "k" + std::to_string(seq), std::string(4000, 'v'), -1);
    if (status.ok()) {
      store->end_unit();
      ++stored;
    } else {
      store->abandon_unit();
    }
  }
  EXPECT_EQ(status.sys_errno(), ENOSPC) << status.to_string();
  EXPECT_GT(stored, 5);
  store->begin_unit(1000);
  EXPECT_TRUE(store->remove(0, "k1").ok());
  EXPECT_TRUE(store->upsert(0, "again", std::string(4000, 'v'), -1).ok()) << "space was freed";
  store->end_unit();
}

TEST(PmemStore, AKeyWhoseNewValueOnlyFitsInItsOldValuesRoomIsStillUpdated) {
  // The replay may skip a key's small state between two big ones: the
  // out-of-place write of the second would need room for both.
  auto region = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  auto store = format_store(region.get(), 64);
  std::string big(20000, 'a');
  uint64_t seq = 1;
  store->begin_unit(seq++);
  ASSERT_TRUE(store->upsert(0, "big", big, -1).ok());
  store->end_unit();
  // Fill the rest of the heap.
  Status status;
  for (int i = 0; status.ok(); ++i) {
    store->begin_unit(seq++);
    status = store->upsert(0, "pad" + std::to_string(i), std::string(2000, 'p'), -1);
    if (status.ok()) store->end_unit();
  }
  store->abandon_unit();
  ASSERT_EQ(status.sys_errno(), ENOSPC);
  store->begin_unit(seq++);
  big.assign(20000, 'b');
  status = store->upsert(0, "big", big, 777);
  ASSERT_TRUE(status.ok()) << status.to_string();
  store->end_unit();
  StoreItemView item;
  bool found = false;
  ASSERT_TRUE(store->get(0, "big", &item, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(item.value, big);
  EXPECT_EQ(item.expire_ms, 777);
  // A key with no old item to give up still gets ENOSPC.
  store->begin_unit(seq++);
  EXPECT_EQ(store->upsert(0, "new", big, -1).sys_errno(), ENOSPC);
  store->abandon_unit();
}

TEST(PmemStore, AFullIndexIsReportedAsEnospc) {
  auto region = EmulatedRegion::from_image(std::string(256 << 10, '\0'));
  auto store = format_store(region.get(), 64);
  store->begin_unit(1);
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(store->upsert(0, std::to_string(i), "v", -1).ok());
  Status status = store->upsert(0, "one more", "v", -1);
  EXPECT_EQ(status.sys_errno(), ENOSPC) << status.to_string();
  EXPECT_TRUE(store->upsert(0, "7", "replaced in place", -1).ok());
  store->end_unit();
}

TEST(PmemStore, FormatRefusesARegionWithoutRoomForAHeap) {
  auto region = EmulatedRegion::from_image(std::string(128 << 10, '\0'));
  std::unique_ptr<PmemStore> store;
  StoreFormatOptions options;
  options.slot_count = 16 << 10;  // 128 KiB of slots
  Status status = PmemStore::format(region.get(), 1, options, &store);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.to_string();
  auto small = EmulatedRegion::from_image(std::string(32 << 10, '\0'));
  EXPECT_EQ(PmemStore::format(small.get(), 1, {}, &store).code(), Status::Code::kInvalidArgument);
}

TEST(PmemStore, UnformattedRegionIsNotFoundAndADamagedItemIsCorruption) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  std::unique_ptr<PmemStore> store;
  EXPECT_TRUE(PmemStore::open(region.get(), &store).is_not_found());
  store = format_store(region.get());
  store->begin_unit(1);
  ASSERT_TRUE(store->upsert(0, "key", "value", -1).ok());
  store->end_unit();
  store->sync();
  // Flip a value byte of the only item (the first block of the heap).
  uint64_t heap_begin = region->load_u64(40);
  std::string image = region->image_copy();
  image[heap_begin + 40 + 3 + 1] ^= 0x20;
  auto damaged = EmulatedRegion::from_image(image);
  ASSERT_TRUE(PmemStore::open(damaged.get(), &store).ok()) << "open reads no item";
  StoreItemView item;
  bool found;
  Status status = store->get(0, "key", &item, &found);
  EXPECT_TRUE(status.is_corruption()) << status.to_string();
  EXPECT_TRUE(store->step(1 << 20).is_corruption());
}

}  // namespace
}  // namespace amber::nvm
