// PmemStore's links (values too long to log): an item written before its
// unit and unreachable until the unit links it, kept through coalescing and
// (pinned by recovery) through a crash, reclaimed when no record names it.
#include <gtest/gtest.h>

#include <cerrno>

#include "nvm/emulated_region.h"
#include "nvm/pmem_store.h"
#include "tests/nvm/store_model.h"

namespace amber::nvm {
namespace {

using testing::ModelState;

std::unique_ptr<PmemStore> format_store(Region* region, uint64_t slots) {
  std::unique_ptr<PmemStore> store;
  StoreFormatOptions options;
  options.slot_count = slots;
  Status status = PmemStore::format(region, 9, options, &store);
  EXPECT_TRUE(status.ok()) << status.to_string();
  return store;
}

// The store as the next start finds it: opened from the durable image.
std::unique_ptr<PmemStore> crash_and_open(EmulatedRegion* region,
                                          std::unique_ptr<EmulatedRegion>* out) {
  *out = EmulatedRegion::from_image(region->image_copy());
  std::unique_ptr<PmemStore> store;
  Status status = PmemStore::open(out->get(), &store);
  EXPECT_TRUE(status.ok()) << status.to_string();
  return store;
}

bool lookup(const PmemStore& store, uint32_t db, std::string_view key, StoreItemView* item) {
  bool found = false;
  EXPECT_TRUE(store.get(db, key, item, &found).ok());
  return found;
}

// Every live item accounted for and nothing else in use.
std::string accounting(PmemStore* store) {
  Status walked = testing::finish_walk(store);
  if (!walked.ok()) return walked.to_string();
  ModelState state;
  uint64_t blocks = 0;
  Status read = testing::read_store(*store, &state, &blocks);
  if (!read.ok()) return read.to_string();
  return testing::check_accounting(*store, state, blocks);
}

TEST(PmemStoreLink, AValueWrittenBeforeItsUnitIsInvisibleUntilTheUnitLinksIt) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get(), 0);
  store->begin_unit(1);
  ASSERT_TRUE(store->upsert(2, "big", "old", -1).ok());
  store->end_unit();
  store->sync();
  const std::string value(50000, 'v');
  uint64_t offset = 0;
  ASSERT_TRUE(store->write_unlinked(2, "big", value, 4242, 2, &offset).ok());
  StoreItemView item;
  ASSERT_TRUE(lookup(*store, 2, "big", &item));
  EXPECT_EQ(item.value, "old") << "not published before its unit";
  store->begin_unit(2);
  ASSERT_TRUE(store->link(2, "big", offset).ok());
  store->end_unit();
  store->sync();
  ASSERT_TRUE(lookup(*store, 2, "big", &item));
  EXPECT_EQ(item.value, value);
  EXPECT_EQ(item.expire_ms, 4242);
  EXPECT_EQ(item.offset, offset);
  EXPECT_EQ(store->key_count(), 1u);
  EXPECT_EQ(accounting(store.get()), "") << "the old item was freed";
}

TEST(PmemStoreLink, AnItemNoRecordLinksIsReclaimedAfterACrash) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get(), 0);
  uint64_t offset = 0;
  ASSERT_TRUE(store->write_unlinked(0, "lost", std::string(30000, 'x'), -1, 1, &offset).ok());
  const uint64_t used_before_crash = store->allocator().used_bytes();
  EXPECT_GE(used_before_crash, 30000u);
  // The crash came before the record that names it was durable.
  std::unique_ptr<EmulatedRegion> image;
  store = crash_and_open(region.get(), &image);
  EXPECT_EQ(accounting(store.get()), "");
  EXPECT_EQ(store->allocator().used_bytes(), 0u) << "its block is free again";
}

TEST(PmemStoreLink, APinnedItemSurvivesTheRebuildAndIsLinkedAfterACrash) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get(), 0);
  const std::string value(40000, 'p');
  uint64_t offset = 0;
  ASSERT_TRUE(store->write_unlinked(1, "pinned", value, -1, 1, &offset).ok());
  std::unique_ptr<EmulatedRegion> image;
  store = crash_and_open(region.get(), &image);
  StoreItemView item;
  ASSERT_TRUE(store->pin_unlinked("pinned", offset, &item).ok());
  EXPECT_EQ(item.value, value);
  // The rebuild ends before the replay links it, and new items come in.
  ASSERT_TRUE(testing::finish_walk(store.get()).ok());
  EXPECT_GE(store->allocator().used_bytes(), 40000u);
  store->begin_unit(1);
  ASSERT_TRUE(store->link(1, "pinned", offset).ok());
  ASSERT_TRUE(store->upsert(1, "other", std::string(40000, 'o'), -1).ok());
  store->end_unit();
  ASSERT_TRUE(lookup(*store, 1, "pinned", &item));
  EXPECT_EQ(item.value, value);
  EXPECT_EQ(accounting(store.get()), "");
}

TEST(PmemStoreLink, ALinkAppliedAgainAfterACrashFindsItPublished) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get(), 0);
  uint64_t offset = 0;
  ASSERT_TRUE(store->write_unlinked(0, "k", std::string(20000, 'a'), -1, 1, &offset).ok());
  store->begin_unit(1);
  ASSERT_TRUE(store->link(0, "k", offset).ok());
  store->end_unit();  // the applied seq is not durable: the unit is applied again
  std::unique_ptr<EmulatedRegion> image;
  store = crash_and_open(region.get(), &image);
  ASSERT_EQ(store->applied_seq(), 0u);
  StoreItemView item;
  ASSERT_TRUE(store->pin_unlinked("k", offset, &item).ok());
  store->begin_unit(1);
  ASSERT_TRUE(store->link(0, "k", offset).ok());
  store->end_unit();
  ASSERT_TRUE(lookup(*store, 0, "k", &item));
  EXPECT_EQ(item.offset, offset);
  EXPECT_EQ(accounting(store.get()), "") << "counted once, nothing freed";
}

TEST(PmemStoreLink, CoalescingKeepsAnItemWrittenForALinkNotAppliedYet) {
  // A small heap whose free space is scattered over small blocks: the
  // second value of a unit makes the store coalesce while the first is
  // still unlinked, and that one must not become free space.
  auto region = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  auto store = format_store(region.get(), 256);
  uint64_t seq = 1;
  Status status;
  for (int i = 0; status.ok(); ++i) {
    store->begin_unit(seq);
    status = store->upsert(0, "pad" + std::to_string(i), std::string(400, 'p'), -1);
    if (status.ok()) {
      store->end_unit();
      ++seq;
    } else {
      store->abandon_unit();
    }
  }
  ASSERT_EQ(status.sys_errno(), ENOSPC);
  ASSERT_GT(seq, 30u);
  // Holes of one small class: a few apart, and a run of adjacent ones that
  // only coalescing turns into a larger block. Freed last to first, so the
  // first value takes the run's first hole.
  store->begin_unit(seq);
  for (int i : {0, 2, 4, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10}) {
    ASSERT_TRUE(store->remove(0, "pad" + std::to_string(i)).ok());
  }
  store->end_unit();
  store->sync();
  ++seq;
  const std::string first(300, 'f');
  const std::string second(2000, 's');
  uint64_t first_offset = 0;
  uint64_t second_offset = 0;
  ASSERT_TRUE(store->write_unlinked(0, "first", first, -1, seq, &first_offset).ok());
  status = store->write_unlinked(0, "second", second, -1, seq, &second_offset);
  ASSERT_TRUE(status.ok()) << "coalesced room: " << status.to_string();
  store->begin_unit(seq);
  status = store->link(0, "first", first_offset);
  ASSERT_TRUE(status.ok()) << status.to_string();
  ASSERT_TRUE(store->link(0, "second", second_offset).ok());
  store->end_unit();
  StoreItemView item;
  ASSERT_TRUE(lookup(*store, 0, "first", &item));
  EXPECT_EQ(item.value, first);
  ASSERT_TRUE(lookup(*store, 0, "second", &item));
  EXPECT_EQ(item.value, second);
  EXPECT_EQ(accounting(store.get()), "");
}

TEST(PmemStoreLink, ADamagedOrForeignItemIsNotPinnedOrLinked) {
  auto region = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  auto store = format_store(region.get(), 0);
  uint64_t offset = 0;
  ASSERT_TRUE(store->write_unlinked(0, "mine", std::string(1000, 'm'), -1, 1, &offset).ok());
  std::unique_ptr<EmulatedRegion> image;
  store = crash_and_open(region.get(), &image);
  StoreItemView item;
  EXPECT_TRUE(store->pin_unlinked("yours", offset, &item).is_corruption());
  EXPECT_TRUE(store->pin_unlinked("mine", offset + 16, &item).is_corruption());
  EXPECT_TRUE(store->pin_unlinked("mine", uint64_t{1} << 40, &item).is_corruption());
  ASSERT_TRUE(store->pin_unlinked("mine", offset, &item).ok());
  // Linked by a unit it was not written for (another seq, another db).
  store->begin_unit(2);
  EXPECT_TRUE(store->link(0, "mine", offset).is_corruption());
  store->abandon_unit();
  store->begin_unit(1);
  EXPECT_TRUE(store->link(3, "mine", offset).is_corruption());
  EXPECT_TRUE(store->link(0, "mine", offset).ok());
  store->end_unit();
}

}  // namespace
}  // namespace amber::nvm
