// Db with a ValueTier attached: an offloaded entry keeps its key and
// metadata, find() brings its value back, find_for_read() does only when
// the tier admits it, whole-keyspace readers see the value through
// readable() without bringing it back, and dram_bytes() follows every
// allocation.
#include <gtest/gtest.h>
#include <malloc.h>

#include <map>
#include <memory>
#include <string>

#include "core/db.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"

namespace amber {
namespace {

// Values by handle, as the NVM store would hold them.
class FakeTier final : public ValueTier {
 public:
  std::string_view read(uint64_t handle, uint32_t value_len) override {
    ++reads;
    const std::string& v = values.at(handle);
    EXPECT_EQ(v.size(), value_len);
    return v;
  }
  bool admit_on_read(uint32_t /*value_len*/, uint32_t idle_s) override {
    last_idle_s = idle_s;
    return idle_s < admit_below_idle_s;
  }
  std::map<uint64_t, std::string> values;
  int reads = 0;
  uint32_t admit_below_idle_s = 0;  // 0: never admit
  uint32_t last_idle_s = 0;
};

class DbOffloadTest : public ::testing::Test {
 protected:
  DbOffloadTest() { db.set_value_tier(&tier); }
  // Offloads `key` under a fresh handle holding its current value.
  Entry* offload(std::string_view key) {
    Entry* e = db.find_resident(key);
    const uint64_t handle = next_handle++;
    tier.values[handle] = std::string(e->value());
    return db.offload(e, handle);
  }
  FakeTier tier;
  Db db{42};
  uint64_t next_handle = 100;
};

TEST_F(DbOffloadTest, OffloadingKeepsKeyAndMetadataAndFreesTheValue) {
  const std::string value(1000, 'x');
  Entry* e = db.insert("k", value, Encoding::kRaw);
  db.set_expire(e, 123456);
  const size_t before = db.dram_bytes();
  Entry* stub = offload("k");
  EXPECT_TRUE(stub->is_offloaded());
  EXPECT_EQ(stub->key(), "k");
  EXPECT_EQ(stub->value_len, 1000u);
  EXPECT_EQ(stub->expire_ms, 123456);
  EXPECT_EQ(stub->value_encoding(), Encoding::kRaw);
  EXPECT_EQ(db.offloaded_count(), 1u);
  EXPECT_LT(db.dram_bytes() + 900, before);
  EXPECT_EQ(db.find_resident("k"), stub);
  EXPECT_EQ(db.resident_volatile_count(), 1u);
  EXPECT_EQ(tier.reads, 0);
}

TEST_F(DbOffloadTest, FindBringsTheValueBack) {
  db.insert("k", std::string(500, 'y'), Encoding::kRaw);
  offload("k");
  Entry* e = db.find("k");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->is_offloaded());
  EXPECT_EQ(e->value(), std::string(500, 'y'));
  EXPECT_EQ(db.offloaded_count(), 0u);
  EXPECT_EQ(tier.reads, 1);
  EXPECT_EQ(db.find("k"), e);  // resident now: no second read
  EXPECT_EQ(tier.reads, 1);
}

TEST_F(DbOffloadTest, FindForReadServesACopyUntilTheTierAdmitsTheValue) {
  Entry* e = db.insert("k", std::string(600, 'r'), Encoding::kRaw);
  e->lru = 1000;
  db.set_expire(e, 99);
  db.insert("other", std::string(600, 'o'), Encoding::kRaw);
  offload("k");
  offload("other");
  const size_t offloaded_bytes = db.dram_bytes();
  // Declined: a full copy, nothing resident, the access clock moves on.
  const Entry* copy = db.find_for_read("k", 1010);
  ASSERT_NE(copy, nullptr);
  EXPECT_FALSE(copy->is_offloaded());
  EXPECT_EQ(copy->value(), std::string(600, 'r'));
  EXPECT_EQ(copy->expire_ms, 99);
  EXPECT_EQ(tier.last_idle_s, 10u);
  EXPECT_TRUE(db.find_resident("k")->is_offloaded());
  EXPECT_EQ(db.find_resident("k")->lru, 1010u);
  EXPECT_EQ(db.dram_bytes(), offloaded_bytes);
  // Two copies live at once (LCS reads two keys).
  const Entry* other = db.find_for_read("other", 1010);
  EXPECT_EQ(copy->value(), std::string(600, 'r'));
  EXPECT_EQ(other->value(), std::string(600, 'o'));
  EXPECT_EQ(tier.reads, 2);
  // Admitted: the second read within the tier's window brings it back.
  tier.admit_below_idle_s = 2;
  const Entry* resident = db.find_for_read("k", 1011);
  EXPECT_EQ(tier.last_idle_s, 1u);
  EXPECT_EQ(resident, db.find_resident("k"));
  EXPECT_FALSE(resident->is_offloaded());
  EXPECT_EQ(resident->value(), std::string(600, 'r'));
  EXPECT_EQ(db.offloaded_count(), 1u);
  EXPECT_EQ(db.find_for_read("missing", 1011), nullptr);
}

TEST_F(DbOffloadTest, ReadableCopiesTheValueWithoutBringingItBack) {
  Entry* e = db.insert("k", "a value long enough to offload", Encoding::kRaw);
  db.set_expire(e, 77);
  Entry* stub = offload("k");
  EntryScratch scratch;
  const Entry& copy = db.readable(*stub, &scratch);
  EXPECT_EQ(copy.key(), "k");
  EXPECT_EQ(copy.value(), "a value long enough to offload");
  EXPECT_EQ(copy.expire_ms, 77);
  EXPECT_FALSE(copy.is_offloaded());
  EXPECT_TRUE(db.find_resident("k")->is_offloaded());
  Entry* resident = db.insert("r", "resident", Encoding::kEmbstr);
  EXPECT_EQ(&db.readable(*resident, &scratch), resident);
}

TEST_F(DbOffloadTest, DramBytesFollowsEveryAllocation) {
  const size_t empty = db.dram_bytes();
  for (int i = 0; i < 100; ++i)
    db.insert("key" + std::to_string(i), std::string(64, 'v'), Encoding::kRaw);
  size_t entries = 0;
  db.for_each([&](Entry* e) { entries += malloc_usable_size(e); });
  EXPECT_EQ(db.dram_bytes(), entries + db.dict().bucket_count() * sizeof(Entry*));
  offload("key7");
  db.find("key7");
  Entry* grown = db.resize_value(db.find("key8"), 4000);
  EXPECT_EQ(grown->value_len, 4000u);
  db.erase("key9");
  entries = 0;
  db.for_each([&](Entry* e) { entries += malloc_usable_size(e); });
  EXPECT_EQ(db.dram_bytes(), entries + db.dict().bucket_count() * sizeof(Entry*));
  db.clear();
  EXPECT_EQ(db.dram_bytes(), empty);
}

// Offloading and bringing back relink the entry while the table may be
// rehashing (each lookup moves a bucket): no other key may get lost.
TEST_F(DbOffloadTest, OffloadAndBringBackDuringARehashKeepEveryKey) {
  constexpr int kKeys = 3000;
  for (int i = 0; i < kKeys; ++i) {
    db.insert("key" + std::to_string(i), std::string(40, 'v'), Encoding::kRaw);
    if (i % 3 == 0 && db.dict().rehashing()) offload("key" + std::to_string(i / 2));
    if (i % 5 == 0 && db.dict().rehashing()) db.find("key" + std::to_string(i / 3));
  }
  for (int i = 0; i < kKeys; ++i) {
    Entry* e = db.find("key" + std::to_string(i));
    ASSERT_NE(e, nullptr) << i;
    EXPECT_EQ(e->value(), std::string(40, 'v'));
  }
  EXPECT_EQ(db.size(), static_cast<size_t>(kKeys));
}

TEST_F(DbOffloadTest, SwapAndEraseCarryTheOffloadedCount) {
  db.insert("a", std::string(100, 'a'), Encoding::kRaw);
  db.insert("b", std::string(100, 'b'), Encoding::kRaw);
  offload("a");
  offload("b");
  Db other(7);
  other.set_value_tier(&tier);
  db.swap_contents(other);
  EXPECT_EQ(db.offloaded_count(), 0u);
  EXPECT_EQ(other.offloaded_count(), 2u);
  EXPECT_TRUE(other.erase("a"));
  EXPECT_EQ(other.offloaded_count(), 1u);
  EXPECT_EQ(other.find("b")->value(), std::string(100, 'b'));
}

TEST_F(DbOffloadTest, InsertOffloadedAddsAKeyWhoseValueIsInTheTier) {
  tier.values[9] = "stored elsewhere";
  Entry* e = db.insert_offloaded("k", 9, 16, Encoding::kEmbstr, db.key_hash("k"));
  EXPECT_TRUE(e->is_offloaded());
  EXPECT_EQ(db.size(), 1u);
  EXPECT_EQ(db.find("k")->value(), "stored elsewhere");
  EXPECT_EQ(db.find("k")->value_encoding(), Encoding::kEmbstr);
}

TEST_F(DbOffloadTest, AnRdbOfADbWithOffloadedValuesHoldsTheValues) {
  for (int i = 0; i < 50; ++i) {
    db.insert("key" + std::to_string(i), "value number " + std::to_string(i), Encoding::kRaw);
  }
  for (int i = 0; i < 50; i += 2) offload("key" + std::to_string(i));
  std::string bytes;
  StringRdbSink sink(&bytes);
  Db* dbs[] = {&db};
  ASSERT_TRUE(write_rdb(dbs, sink, RdbWriteOptions{}).ok());
  EXPECT_EQ(db.offloaded_count(), 25u);  // nothing came back
  Db loaded(1);
  Db* targets[] = {&loaded};
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(bytes, targets, RdbLoadOptions{}, &result).ok());
  ASSERT_EQ(loaded.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    Entry* e = loaded.find("key" + std::to_string(i));
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->value(), "value number " + std::to_string(i));
  }
}

// NVM mode's tag word (entry.h) stays with its key through every move Db
// makes of the entry, and is counted in the DRAM it takes.
// entry_epoch() moves whenever an Entry* held from before could be freed,
// moved or in another Db; it stays while entries are only added or written
// in place.
TEST_F(DbOffloadTest, TheEntryEpochMovesWhenAnEntryIsFreedMovedOrSwappedAway) {
  Entry* a = db.insert("a", "1", Encoding::kInt);
  db.insert("b", std::string(100, 'b'), Encoding::kRaw);
  uint64_t epoch = db.entry_epoch();
  auto moved = [&] {
    const bool changed = db.entry_epoch() != epoch;
    epoch = db.entry_epoch();
    return changed;
  };
  db.insert("c", "3", Encoding::kInt);
  EXPECT_EQ(db.replace_value(a, "2", Encoding::kInt), a);
  db.set_expire(a, 99999);
  EXPECT_FALSE(moved()) << "added and written in place";
  a = db.replace_value(a, std::string(500, 'a'), Encoding::kRaw);
  EXPECT_TRUE(moved()) << "grown into a new block";
  offload("b");
  EXPECT_TRUE(moved()) << "offloaded";
  db.find("b");
  EXPECT_TRUE(moved()) << "brought back";
  db.erase("c");
  EXPECT_TRUE(moved()) << "erased";
  Db other{7};
  db.swap_contents(other);
  EXPECT_TRUE(moved()) << "swapped";
  const uint64_t before_clear = other.entry_epoch();
  other.clear();
  EXPECT_NE(other.entry_epoch(), before_clear) << "cleared";
}

TEST_F(DbOffloadTest, ATaggedEntryKeepsItsTagWhenItsValueGrowsOrLeavesOrComesBack) {
  Entry* plain = db.insert("plain", "v", Encoding::kRaw);
  EXPECT_FALSE(plain->is_tagged());
  db.set_tag_entries(true);
  Entry* e = db.insert("k", "short", Encoding::kRaw);
  ASSERT_TRUE(e->is_tagged());
  EXPECT_EQ(e->tag(), 0u);
  EXPECT_EQ(e->allocated_bytes(), malloc_usable_size(e->allocation()));
  EXPECT_EQ(e->value_capacity(), e->allocated_bytes() - 8 - sizeof(Entry) - 1);
  e->tag() = 0x1234;
  const size_t before = db.dram_bytes();
  const size_t small = e->allocated_bytes();
  e = db.resize_value(e, 5000);  // moves the entry
  EXPECT_EQ(e->tag(), 0x1234u);
  EXPECT_EQ(e->value_len, 5000u);
  EXPECT_EQ(db.dram_bytes() - before, e->allocated_bytes() - small);
  e = offload("k");
  ASSERT_TRUE(e->is_tagged());
  EXPECT_EQ(e->tag(), 0x1234u);
  // A whole-keyspace reader's copy has no tag word before it.
  EntryScratch scratch;
  const Entry& copy = db.readable(*e, &scratch);
  EXPECT_FALSE(copy.is_tagged());
  EXPECT_EQ(copy.value_len, 5000u);
  e = db.find("k");  // brought back
  EXPECT_FALSE(e->is_offloaded());
  EXPECT_EQ(e->tag(), 0x1234u);
  EXPECT_EQ(e->value().size(), 5000u);
  // The untagged entry written before is still what it was.
  EXPECT_FALSE(db.find("plain")->is_tagged());
  EXPECT_EQ(db.find("plain")->value(), "v");
  db.erase("k");
  db.erase("plain");
  EXPECT_EQ(db.size(), 0u);
}

}  // namespace
}  // namespace amber
