// ZeroedBuckets: every element starts zero, small arrays sit on a cache
// line and large ones on a huge-page boundary, and sizing a large array
// writes none of its pages (the restart of a big keyspace sizes its table
// before it has the keys).
#include "core/zeroed_buckets.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <utility>

#include "core/entry.h"

namespace amber {
namespace {

// Kilobytes of this process's private memory that pages are resident in.
uint64_t rss_anon_kb() {
  std::ifstream status("/proc/self/status");
  std::string field;
  while (status >> field) {
    uint64_t kb = 0;
    if (field == "RssAnon:" && status >> kb) return kb;
  }
  return 0;
}

bool aligned(const void* p, uintptr_t to) { return reinterpret_cast<uintptr_t>(p) % to == 0; }

TEST(ZeroedBuckets, SmallAndLargeArraysStartZeroAndAligned) {
  ZeroedBuckets<Entry*> small(1000);
  ZeroedBuckets<Entry*> large(size_t{1} << 20);  // 8 MiB
  ASSERT_EQ(small.size(), 1000u);
  ASSERT_EQ(large.size(), size_t{1} << 20);
  for (Entry* e : small) EXPECT_EQ(e, nullptr);
  for (Entry* e : large) ASSERT_EQ(e, nullptr);
  EXPECT_TRUE(aligned(small.begin(), 64));
  EXPECT_TRUE(aligned(large.begin(), size_t{2} << 20));
}

TEST(ZeroedBuckets, ALargeArrayCostsNoMemoryUntilItsPagesAreWritten) {
  const uint64_t before = rss_anon_kb();
  ZeroedBuckets<Entry*> table(size_t{32} << 20);  // 256 MiB of buckets
  EXPECT_LT(rss_anon_kb(), before + 16 * 1024) << "sizing wrote the pages";
  table[0] = reinterpret_cast<Entry*>(&table);
  table[table.size() - 1] = reinterpret_cast<Entry*>(&table);
  EXPECT_EQ(table[1], nullptr);
}

TEST(ZeroedBuckets, MovingAndSwappingCarryTheMemoryAlong) {
  ZeroedBuckets<Entry*> a(size_t{1} << 19);  // 4 MiB: mapped
  ZeroedBuckets<Entry*> b(16);               // from the heap
  Entry* const marker = reinterpret_cast<Entry*>(&a);
  a[7] = marker;
  a.swap(b);
  EXPECT_EQ(a.size(), 16u);
  EXPECT_EQ(b[7], marker);
  ZeroedBuckets<Entry*> c = std::move(b);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(c[7], marker);
  c = ZeroedBuckets<Entry*>(8);  // frees the mapped array
  EXPECT_EQ(c.size(), 8u);
  EXPECT_EQ(c[7], nullptr);
}

}  // namespace
}  // namespace amber
