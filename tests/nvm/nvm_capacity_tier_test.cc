// NVM as a capacity tier (nvm-dram-max-memory): cold values leave DRAM once
// the store holds them, every command still sees them, and neither a crash
// nor a snapshot loses one.
#include <gtest/gtest.h>

#include <string>

#include "core/io/random.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "tests/nvm/nvm_node.h"

namespace amber::nvm {
namespace {

constexpr int64_t kStartUs = 1'700'000'000'000'000;
constexpr int kKeys = 2000;
// The 2000 values take ~500 KiB, the keys alone (entries without their
// values, the bucket array) ~150 KiB.
constexpr uint64_t kBoundBytes = 200 * 1024;

std::string key(int i) { return "key:" + std::to_string(i); }
std::string value(int i) {
  return std::string(200, static_cast<char>('a' + i % 26)) + std::to_string(i);
}
std::string bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

NvmOptions bounded(const std::string& dir, uint64_t bound_bytes = kBoundBytes) {
  return NvmOptions{.dir = dir,
                    .size_bytes = 8 << 20,
                    .backend = NvmBackend::kEmulated,
                    .max_dram_bytes = bound_bytes};
}

uint64_t dram_bytes(Engine& engine) {
  uint64_t total = 0;
  for (int db = 0; db < engine.db_count(); ++db) total += engine.db(db).dram_bytes();
  return total;
}

// Writes the keys, makes them durable, and lets the bound act.
void fill_and_bound(Node& n) {
  for (int i = 0; i < kKeys; ++i) n.run({"SET", key(i), value(i)});
  n.nvm->before_reply();
  for (int i = 0; i < 100 && n.nvm->stats().dram_bytes > kBoundBytes; ++i) {
    n.nvm->enforce_dram_bound();
  }
}

TEST(NvmCapacityTier, ColdValuesLeaveDramUntilTheKeyspaceFitsTheBound) {
  TempDir dir;
  Node n(bounded(dir.path), kStartUs);
  ASSERT_TRUE(n.status.ok()) << n.status.to_string();
  fill_and_bound(n);
  EXPECT_LE(dram_bytes(n.h.engine), kBoundBytes);
  EXPECT_EQ(n.nvm->stats().dram_bytes, dram_bytes(n.h.engine));
  EXPECT_GT(n.nvm->stats().offloaded_keys, kKeys / 2u);
  EXPECT_EQ(n.run({"DBSIZE"}), ":" + std::to_string(kKeys) + "\r\n");
  for (int i = 0; i < kKeys; i += 7) EXPECT_EQ(n.run({"GET", key(i)}), bulk(value(i))) << i;
  EXPECT_GT(n.nvm->stats().tier.reads, 0u);
  EXPECT_TRUE(n.nvm->healthy());
}

TEST(NvmCapacityTier, AValueReadOnceStaysInTheStoreAndOneReadAgainSoonComesBack) {
  TempDir dir;
  Node n(bounded(dir.path), kStartUs);
  ASSERT_TRUE(n.status.ok());
  fill_and_bound(n);
  // At the bound exactly: no read finds room for its value.
  n.nvm->set_max_dram_bytes(n.nvm->stats().dram_bytes);
  // The keys were last accessed when written; reads come a minute later.
  n.h.clock.set_us(kStartUs + 60'000'000);
  int cold = -1;
  for (int i = 0; i < kKeys && cold < 0; ++i) {
    if (n.h.engine.db(0).find_resident(key(i))->is_offloaded()) cold = i;
  }
  ASSERT_GE(cold, 0);
  const CapacityTierStats before = n.nvm->stats().tier;
  EXPECT_EQ(n.run({"GET", key(cold)}), bulk(value(cold)));
  EXPECT_TRUE(n.h.engine.db(0).find_resident(key(cold))->is_offloaded())
      << "served from the store, not brought back";
  EXPECT_EQ(n.nvm->stats().tier.reads, before.reads + 1);
  EXPECT_EQ(n.nvm->stats().tier.admitted_reads, before.admitted_reads);
  // Read again within the window: hot, it stays in DRAM from now on.
  n.h.clock.set_us(kStartUs + 61'000'000);
  EXPECT_EQ(n.run({"MGET", key(cold), key(cold)}),
            "*2\r\n" + bulk(value(cold)) + bulk(value(cold)));
  EXPECT_FALSE(n.h.engine.db(0).find_resident(key(cold))->is_offloaded());
  EXPECT_EQ(n.nvm->stats().tier.admitted_reads, before.admitted_reads + 1);
  // Commands that change the value still bring it back at once.
  int other = -1;
  for (int i = cold + 1; i < kKeys && other < 0; ++i) {
    if (n.h.engine.db(0).find_resident(key(i))->is_offloaded()) other = i;
  }
  ASSERT_GE(other, 0);
  n.h.clock.set_us(kStartUs + 120'000'000);
  EXPECT_EQ(n.run({"GETEX", key(other), "PERSIST"}), bulk(value(other)));
  EXPECT_FALSE(n.h.engine.db(0).find_resident(key(other))->is_offloaded());
  EXPECT_TRUE(n.nvm->healthy());
}

TEST(NvmCapacityTier, WithoutABoundNothingIsOffloaded) {
  TempDir dir;
  Node n(bounded(dir.path, 0), kStartUs);
  ASSERT_TRUE(n.status.ok());
  fill_and_bound(n);
  EXPECT_EQ(n.nvm->stats().offloaded_keys, 0u);
  EXPECT_GT(dram_bytes(n.h.engine), kBoundBytes);
}

TEST(NvmCapacityTier, CommandsOnOffloadedKeysSeeAndChangeTheirValues) {
  TempDir dir;
  Node n(bounded(dir.path), kStartUs);
  ASSERT_TRUE(n.status.ok());
  n.run({"SET", "counter", "41"});
  n.run({"SET", "counter-pad", std::string(300, 'p')});
  fill_and_bound(n);
  ASSERT_GT(n.nvm->stats().offloaded_keys, kKeys / 2u);
  EXPECT_EQ(n.run({"STRLEN", key(1)}), ":" + std::to_string(value(1).size()) + "\r\n");
  EXPECT_EQ(n.run({"APPEND", key(2), "+"}), ":" + std::to_string(value(2).size() + 1) + "\r\n");
  EXPECT_EQ(n.run({"GET", key(2)}), bulk(value(2) + "+"));
  EXPECT_EQ(n.run({"SETRANGE", key(3), "0", "XY"}), ":" + std::to_string(value(3).size()) + "\r\n");
  EXPECT_EQ(n.run({"GETRANGE", key(3), "0", "2"}), bulk("XY" + value(3).substr(2, 1)));
  EXPECT_EQ(n.run({"EXPIRE", key(4), "1000"}), ":1\r\n");
  EXPECT_EQ(n.run({"GETDEL", key(5)}), bulk(value(5)));
  EXPECT_EQ(n.run({"RENAME", key(6), "renamed"}), "+OK\r\n");
  EXPECT_EQ(n.run({"MOVE", key(7), "1"}), ":1\r\n");
  EXPECT_EQ(n.run({"COPY", key(8), "copied"}), ":1\r\n");
  EXPECT_EQ(n.run({"GETSET", key(9), "short"}), bulk(value(9)));
  EXPECT_EQ(n.run({"INCR", "counter"}), ":42\r\n");
  n.nvm->before_reply();
  for (int i = 0; i < 50; ++i) n.nvm->enforce_dram_bound();  // offload the new states too
  EXPECT_EQ(n.run({"GET", "renamed"}), bulk(value(6)));
  EXPECT_EQ(n.run({"GET", key(6)}), "$-1\r\n");
  EXPECT_EQ(n.run({"GET", "copied"}), bulk(value(8)));
  EXPECT_EQ(n.run({"GET", key(8)}), bulk(value(8)));
  EXPECT_EQ(n.run({"GET", key(9)}), bulk("short"));
  EXPECT_EQ(n.run({"GET", key(5)}), "$-1\r\n");
  EXPECT_EQ(n.run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(n.run({"GET", key(7)}), bulk(value(7)));
  EXPECT_EQ(n.run({"SWAPDB", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(n.run({"GET", key(10)}), bulk(value(10)));  // db 1 now holds the old db 0
  EXPECT_EQ(n.run({"FLUSHDB"}), "+OK\r\n");
  EXPECT_EQ(n.run({"DBSIZE"}), ":0\r\n");
  EXPECT_TRUE(n.nvm->healthy());
}

TEST(NvmCapacityTier, ACrashLosesNoAcknowledgedWriteAndTheRestartHonoursTheBound) {
  TempDir dir;
  Keyspace before;
  {
    Node n(bounded(dir.path), kStartUs);
    ASSERT_TRUE(n.status.ok());
    fill_and_bound(n);
    // Changes to offloaded keys, acknowledged, then the crash.
    for (int i = 0; i < kKeys; i += 10) n.run({"APPEND", key(i), "!"});
    for (int i = 5; i < kKeys; i += 50) n.run({"DEL", key(i)});
    n.nvm->before_reply();
    n.nvm->enforce_dram_bound();
    before = dump(n.h.engine);
  }
  Node r(bounded(dir.path), kStartUs + 1000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_TRUE(r.nvm->finish_fill().ok());
  EXPECT_EQ(dump(r.h.engine), before);
  EXPECT_GT(r.nvm->stats().offloaded_keys, 0u);
  for (int i = 0; i < 100 && r.nvm->stats().dram_bytes > kBoundBytes; ++i) {
    ASSERT_TRUE(r.nvm->step().ok());
    r.nvm->enforce_dram_bound();
  }
  EXPECT_LE(dram_bytes(r.h.engine), kBoundBytes);
  EXPECT_EQ(dump(r.h.engine), before);
}

TEST(NvmCapacityTier, AnRdbWrittenWithOffloadedValuesHoldsEveryValue) {
  TempDir dir;
  Node n(bounded(dir.path), kStartUs);
  ASSERT_TRUE(n.status.ok());
  fill_and_bound(n);
  const uint64_t offloaded = n.nvm->stats().offloaded_keys;
  ASSERT_GT(offloaded, 0u);
  std::string bytes;
  StringRdbSink sink(&bytes);
  ASSERT_TRUE(write_rdb(n.h.engine, sink, RdbWriteOptions{}).ok());
  EXPECT_EQ(n.nvm->stats().offloaded_keys, offloaded);  // nothing came back into DRAM
  Db loaded(1);
  Db* targets[] = {&loaded};
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(bytes, targets, RdbLoadOptions{}, &result).ok());
  ASSERT_EQ(loaded.size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(loaded.find(key(i))->value(), value(i)) << i;
}

TEST(NvmCapacityTier, RaisingTheBoundStopsOffloadingAndReadsBringValuesBack) {
  TempDir dir;
  Node n(bounded(dir.path), kStartUs);
  ASSERT_TRUE(n.status.ok());
  fill_and_bound(n);
  const uint64_t offloads = n.nvm->stats().tier.offloads;
  n.nvm->set_max_dram_bytes(0);
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(n.run({"GET", key(i)}), bulk(value(i)));
  n.nvm->enforce_dram_bound();
  EXPECT_EQ(n.nvm->stats().offloaded_keys, 0u);
  EXPECT_EQ(n.nvm->stats().tier.offloads, offloads);
}

TEST(NvmCapacityTier, RandomWorkloadUnderATightBoundMatchesAModel) {
  TempDir dir;
  Node n(bounded(dir.path, 96 * 1024), kStartUs);
  ASSERT_TRUE(n.status.ok());
  constexpr uint64_t kSeed = 20261126;
  SeededRandom random(kSeed);
  SCOPED_TRACE("seed " + std::to_string(kSeed));
  std::map<std::string, std::string> model;
  for (int round = 0; round < 4000; ++round) {
    const std::string k = key(static_cast<int>(random.uniform(600)));
    switch (random.uniform(4)) {
      case 0:
      case 1: {
        std::string v = value(round).substr(0, 40 + random.uniform(200));
        n.run({"SET", k, v});
        model[k] = v;
        break;
      }
      case 2:
        n.run({"APPEND", k, "~"});
        model[k] += "~";
        break;
      default: {
        auto it = model.find(k);
        ASSERT_EQ(n.run({"GET", k}), it == model.end() ? "$-1\r\n" : bulk(it->second)) << round;
      }
    }
    if (random.uniform(8) == 0) {
      n.nvm->before_reply();
      n.nvm->enforce_dram_bound();
    }
  }
  EXPECT_GT(n.nvm->stats().tier.offloads, 0u);
  EXPECT_GT(n.nvm->stats().tier.reads, 0u);
  Keyspace got = dump(n.h.engine);
  ASSERT_EQ(got.size(), model.size());
  for (const auto& [k, v] : model) {
    EXPECT_EQ((got[{0, k}].first), v) << k;
  }
}

}  // namespace
}  // namespace amber::nvm
