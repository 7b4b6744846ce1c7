// Dict and Db: lookup, incremental resize, SCAN's guarantee, entry moves.
#include "core/dict.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/db.h"
#include "core/io/random.h"

namespace amber {
namespace {

std::set<std::string> full_scan(const Db& db) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = db.scan(cursor, [&](Entry* e) { seen.insert(std::string(e->key())); });
  } while (cursor != 0);
  return seen;
}

TEST(Dict, InsertFindRemoveAcrossGrowth) {
  Db db(42);
  for (int i = 0; i < 10000; ++i) db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
  EXPECT_EQ(db.size(), 10000u);
  for (int i = 0; i < 10000; ++i) ASSERT_NE(db.find("k" + std::to_string(i)), nullptr) << i;
  EXPECT_EQ(db.find("missing"), nullptr);
  for (int i = 0; i < 10000; i += 2) ASSERT_TRUE(db.erase("k" + std::to_string(i)));
  EXPECT_FALSE(db.erase("k0"));
  EXPECT_EQ(db.size(), 5000u);
  EXPECT_EQ(full_scan(db).size(), 5000u);
}

// The capacity tier's sweeping hand must meet every entry, chain tails
// included, in one lap of the table.
TEST(Dict, SampleFromMeetsEveryEntryInOneLap) {
  Db db(7);
  constexpr int kKeys = 3000;  // a load factor near 1: many chains of 2+
  for (int i = 0; i < kKeys; ++i) db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
  std::set<std::string> met;
  std::vector<Entry*> sample;
  size_t hand = 0, buckets = 0;
  const size_t lap = db.dict().bucket_count();
  while (buckets < lap) {
    sample.clear();
    const size_t next = db.sample_resident(hand, 16, &sample);
    buckets += (next + lap - hand) % lap;
    hand = next;
    for (Entry* e : sample) met.insert(std::string(e->key()));
  }
  EXPECT_EQ(met.size(), static_cast<size_t>(kKeys));
}

TEST(Dict, ReserveSizesAnEmptyTableAtOnce) {
  Db db(3);
  db.reserve(5000);
  EXPECT_EQ(db.dict().bucket_count(), 8192u);
  EXPECT_FALSE(db.dict().rehashing());
  for (int i = 0; i < 5000; ++i) db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
  EXPECT_EQ(db.dict().bucket_count(), 8192u);  // no growth during the fill
}

TEST(Dict, ReserveOnAFilledTableResizesIncrementallyAndLosesNothing) {
  Db db(5);
  for (int i = 0; i < 100; ++i) db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
  db.reserve(10000);
  EXPECT_TRUE(db.dict().rehashing());
  for (int i = 0; i < 100; ++i) ASSERT_NE(db.find("k" + std::to_string(i)), nullptr) << i;
  EXPECT_EQ(full_scan(db).size(), 100u);
}

TEST(Dict, FindAndInsertWithAPrecomputedHashAgreeWithThePlainOnes) {
  Db db(11);
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    uint64_t h = db.key_hash(key);
    db.prefetch(h);
    ASSERT_EQ(db.find(key, h), nullptr);
    db.insert(key, "v", Encoding::kEmbstr, h);
  }
  for (int i = 0; i < 1000; ++i) {
    std::string key = "k" + std::to_string(i);
    ASSERT_NE(db.find(key), nullptr) << i;
    ASSERT_EQ(db.find(key), db.find(key, db.key_hash(key))) << i;
  }
}

TEST(Dict, ShrinksWhenMostlyEmpty) {
  Db db(7);
  for (int i = 0; i < 4096; ++i) db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
  size_t grown = db.dict().bucket_count();
  for (int i = 0; i < 4090; ++i) db.erase("k" + std::to_string(i));
  for (int i = 0; i < 1000; ++i) db.housekeeping();
  EXPECT_LT(db.dict().bucket_count(), grown);
  EXPECT_EQ(full_scan(db).size(), 6u);
}

TEST(Db, ResizeValueKeepsKeyExpireAndLinks) {
  Db db(3);
  Entry* e = db.insert("key", "abc", Encoding::kEmbstr);
  db.set_expire(e, 12345);
  for (int i = 0; i < 2000; ++i) {
    size_t old_len = e->value_len;
    e = db.resize_value(e, old_len + 1);
    e->value_data()[old_len] = 'x';
  }
  EXPECT_EQ(db.find("key"), e);
  EXPECT_EQ(e->value().size(), 2003u);
  EXPECT_EQ(e->expire_ms, 12345);
  EXPECT_EQ(db.volatile_count(), 1u);
  SeededRandom random(1);
  EXPECT_EQ(db.random_volatile(random), e);
  db.clear_expire(e);
  EXPECT_EQ(db.volatile_count(), 0u);
}

TEST(Db, VolatileListStaysConsistentOnErase) {
  Db db(5);
  for (int i = 0; i < 100; ++i) {
    Entry* e = db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
    if (i % 3 == 0) db.set_expire(e, 1000 + i);
  }
  EXPECT_EQ(db.volatile_count(), 34u);
  for (int i = 0; i < 100; i += 2) db.erase("k" + std::to_string(i));
  EXPECT_EQ(db.volatile_count(), 17u);
  SeededRandom random(9);
  for (int i = 0; i < 100; ++i) {
    Entry* e = db.random_volatile(random);
    ASSERT_NE(e, nullptr);
    ASSERT_EQ(db.find(e->key()), e);
    ASSERT_TRUE(e->has_expire());
  }
}

TEST(Db, RandomEntryReachesEveryKey) {
  Db db(11);
  for (int i = 0; i < 50; ++i) db.insert("k" + std::to_string(i), "v", Encoding::kEmbstr);
  SeededRandom random(2);
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) seen.insert(std::string(db.random_entry(random)->key()));
  EXPECT_EQ(seen.size(), 50u);
}

// SCAN's promise: a key present from the start to the end of a full scan is
// returned at least once, however the table grows or shrinks in between.
RC_GTEST_PROP(DictScan, StableKeysAlwaysReturned, (uint64_t seed)) {
  SeededRandom random(seed);
  Db db(seed);
  int stable = *rc::gen::inRange(0, 300);
  for (int i = 0; i < stable; ++i) db.insert("stable" + std::to_string(i), "v", Encoding::kEmbstr);
  int churn_id = 0;
  std::vector<std::string> churn;
  std::set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = db.scan(cursor, [&](Entry* e) { seen.insert(std::string(e->key())); });
    // Grow or shrink between steps.
    int action = static_cast<int>(random.uniform(8));
    int n = static_cast<int>(random.uniform(64));
    if (action == 0) {
      for (int i = 0; i < n; ++i) {
        churn.push_back("churn" + std::to_string(churn_id++));
        db.insert(churn.back(), "v", Encoding::kEmbstr);
      }
    } else if (action == 1) {
      while (n-- > 0 && !churn.empty()) {
        db.erase(churn.back());
        churn.pop_back();
      }
    }
    db.housekeeping();
  } while (cursor != 0);
  for (int i = 0; i < stable; ++i) RC_ASSERT(seen.count("stable" + std::to_string(i)) == 1u);
}

}  // namespace
}  // namespace amber
