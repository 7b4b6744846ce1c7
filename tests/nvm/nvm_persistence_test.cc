// NvmPersistence: an engine driven by commands logs each write unit; after a
// crash (the mode and engine dropped without persisting, EmulatedRegion files
// holding only what was drained) a fresh engine recovers exactly the
// keyspace of the last persisted batch.
#include "nvm/nvm_persistence.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/io/random.h"
#include "tests/core/aof_test_util.h"
#include "tests/nvm/nvm_node.h"

namespace amber::nvm {
namespace {

TEST(NvmPersistence, RecoversTheLastPersistedBatchAndNotTheUnpersistedWrites) {
  TempDir dir;
  Keyspace persisted;
  int64_t now_us;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    n.run({"SET", "a", "1"});
    n.run({"INCR", "a"});
    n.run({"SET", "b", "hello", "PX", "100000"});
    n.run({"SET", "gone", "x"});
    n.run({"DEL", "gone"});
    n.run({"RENAME", "b", "c"});
    n.nvm->before_reply();
    persisted = dump(n.h.engine);
    n.run({"SET", "lost", "never persisted"});
    n.run({"DEL", "a"});
    now_us = n.h.clock.now_us();
  }  // crash: nothing after the last before_reply() is durable
  Node r(dir.path, kSmallBytes, now_us);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(dump(r.h.engine), persisted);
  EXPECT_EQ(r.run({"GET", "a"}), "$1\r\n2\r\n");
  EXPECT_EQ(r.run({"GET", "lost"}), "$-1\r\n");
}

// A region file's name and size must be durable before a write is
// acknowledged into it (the flushes persist its bytes, never its metadata):
// every start syncs both files and the directory, the first one and a
// restart alike (a start whose sync failed leaves files the next one finds).
TEST(NvmPersistence, EveryStartSyncsTheRegionFilesBeforeServing) {
  TempDir dir;
  FlakyFileSystem fs;
  NvmOptions options{.dir = dir.path, .size_bytes = 1 << 20, .backend = NvmBackend::kEmulated};
  options.fs = &fs;
  for (const char* start : {"first start", "restart"}) {
    fs.fail_sync = true;
    {
      Node failing(options, 1'700'000'000'000'000);
      EXPECT_FALSE(failing.status.ok()) << start << ": served without syncing the region files";
      EXPECT_NE(failing.status.to_string().find("sync failed"), std::string::npos) << start;
    }
    fs.fail_sync = false;
    Node n(options, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << start << ": " << n.status.to_string();
    n.run({"SET", "k", start});
    n.nvm->before_reply();
  }
  Node n(options, 1'700'000'000'000'000);
  ASSERT_TRUE(n.status.ok());
  EXPECT_EQ(n.run({"GET", "k"}), "$7\r\nrestart\r\n");
}

TEST(NvmPersistence, SwapAndFlushInsideMultiExecReplayInOrder) {
  TempDir dir;
  Keyspace persisted;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok());
    n.run({"SET", "k0", "zero"});
    n.run({"SELECT", "1"});
    n.run({"SET", "k1", "one"});
    n.run({"SELECT", "2"});
    n.run({"SET", "k2", "two"});
    n.run({"MULTI"});
    n.run({"SET", "k2", "two-b"});  // touched in db 2, then swapped to db 0
    n.run({"SWAPDB", "0", "2"});
    n.run({"SET", "after", "swap"});  // db 2 again (now the old db 0)
    n.run({"FLUSHDB"});               // flushes db 2: k0 and "after" go
    n.run({"SET", "last", "x"});
    n.run({"SWAPDB", "1", "2"});
    EXPECT_EQ(n.run({"EXEC"}).substr(0, 2), "*6");
    n.nvm->before_reply();
    persisted = dump(n.h.engine);
  }
  Node r(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(dump(r.h.engine), persisted);
  EXPECT_EQ(persisted.count({0, "k2"}), 1u);
  EXPECT_EQ(persisted.count({1, "last"}), 1u);
  EXPECT_EQ(persisted.count({2, "k1"}), 1u);
}

// Recovery applies the unfolded log to DRAM in batches of records whose
// keys it hashes and prefetches first: a SWAPDB (which swaps the databases'
// hash seeds) or FLUSHDB anywhere inside a batch, and a record with more
// keys than a batch holds, must not change what a key ends up as.
TEST(NvmPersistence, AnUnfoldedTailWithSwapsAmongItsRecordsRecoversInOrder) {
  TempDir dir;
  Keyspace persisted;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok());
    for (int i = 0; i < 400; ++i) {
      const std::string db = std::to_string(i % 3);
      n.run({"SELECT", db});
      const std::string key = "k" + std::to_string(i % 23);
      const std::string value = "v" + std::to_string(i);
      if (i % 37 == 11) {
        n.run({"SWAPDB", db, std::to_string((i + 1) % 3)});
      } else if (i % 101 == 50) {
        n.run({"FLUSHDB"});
      } else if (i % 89 == 7) {
        std::vector<std::string> keys;
        for (int k = 0; k < 120; ++k) keys.push_back("m" + std::to_string(k));
        std::vector<std::string_view> mset{"MSET"};
        for (const std::string& k : keys) {
          mset.push_back(k);
          mset.push_back(value);
        }
        EXPECT_EQ(n.h.run_vector(n.h.session, mset), "+OK\r\n");
      } else if (i % 13 == 5) {
        n.run({"DEL", key});
      } else {
        n.run({"SET", key, value});
      }
    }
    n.nvm->before_reply();
    persisted = dump(n.h.engine);
  }  // crash with every record still in the log
  Node r(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  // Lone-key units share records between the SWAPDBs, FLUSHDBs and MSETs,
  // which each have their own.
  EXPECT_GT(r.nvm->stats().tail_records, 30u);
  EXPECT_EQ(dump(r.h.engine), persisted);
  EXPECT_GT(persisted.size(), 100u);
}

// Writes of one key share the batch's record, up to 4 KiB; a unit of
// several keys closes it and has its own. A crash before the batch's group
// commit loses the open record whole; after it, everything is recovered,
// a key written twice in one record included, and a key whose entry moved
// or went after the write that named it.
TEST(NvmPersistence, LoneKeyWritesOfABatchShareARecordUpTo4KiB) {
  TempDir dir;
  Keyspace persisted;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    n.run({"SET", "a", "1"});
    n.run({"SET", "b", "2"});
    n.run({"DEL", "a"});
    n.run({"INCR", "b"});
    n.run({"MSET", "x", "1", "y", "2"});
    n.run({"SET", "d", "4"});
    n.nvm->before_reply();
    EXPECT_EQ(n.nvm->stats().records_appended, 3u);  // {a, b, a, b}, {x, y}, {d}
    EXPECT_EQ(n.nvm->stats().ops_appended, 7u);
    // 100 ops of 18 + 6 + 100 bytes: 32 fit in 4 KiB with the record's 12.
    const std::string value(100, 'v');
    for (int i = 0; i < 100; ++i) n.run({"SET", "k:" + std::to_string(1000 + i), value});
    n.nvm->before_reply();
    EXPECT_EQ(n.nvm->stats().records_appended, 3u + 4u);
    // The SET's entry moves when the APPEND grows it: the record takes
    // the key's final state all the same.
    n.run({"MULTI"});
    n.run({"SET", "grown", "x"});
    n.run({"APPEND", "grown", std::string(300, 'y')});
    n.run({"EXEC"});
    // ... and when a later command of the unit deletes the key.
    n.run({"MULTI"});
    n.run({"SET", "d", "7"});
    n.run({"EXPIRE", "d", "-1"});
    n.run({"EXEC"});
    n.nvm->before_reply();
    persisted = dump(n.h.engine);
    EXPECT_EQ(persisted.count({0, "grown"}), 1u);
    EXPECT_EQ(persisted.count({0, "d"}), 0u);
    n.run({"SET", "lost", "1"});
    n.run({"SET", "d", "lost too"});
  }  // crash: the open record was never appended
  Node r(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(dump(r.h.engine), persisted);
  EXPECT_EQ(r.run({"GET", "b"}), "$1\r\n3\r\n");
  EXPECT_EQ(r.run({"STRLEN", "grown"}), ":301\r\n");
  EXPECT_EQ(r.run({"EXISTS", "a", "d", "lost"}), ":0\r\n");
}

TEST(NvmPersistence, KeysExpiredWhileDownReadAsGoneAndTheirRemovalIsLogged) {
  TempDir dir;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    n.run({"SET", "short", "v", "PX", "500"});
    n.run({"SET", "long", "v", "EX", "1000"});
    n.nvm->before_reply();
    replay_all(*n.nvm);
  }
  {
    Node r(dir.path, kSmallBytes, 1'700'000'000'000'000 + 2'000'000);
    ASSERT_TRUE(r.status.ok());
    EXPECT_EQ(r.run({"EXISTS", "short"}), ":0\r\n");
    EXPECT_EQ(r.run({"PTTL", "long"}).substr(0, 1), ":");
    r.nvm->before_reply();
    ASSERT_TRUE(r.nvm->finish_fill().ok());
    replay_all(*r.nvm);
    EXPECT_EQ(r.nvm->store_keys(), 1u) << "the expired key left the store";
  }
  Node again(dir.path, kSmallBytes, 1'700'000'000'000'000 + 3'000'000);
  EXPECT_EQ(dump(again.h.engine).size(), 1u);
}

TEST(NvmPersistence, AFullLogAppliesBackPressureAndDropsNothing) {
  TempDir dir;
  const std::string value(1000, 'v');
  Keyspace persisted;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);  // 256 KiB log
    ASSERT_TRUE(n.status.ok());
    for (int i = 0; i < 1000; ++i) {
      n.run({"SET", "key" + std::to_string(i % 300), value + std::to_string(i)});
      if (i % 7 == 0) n.nvm->before_reply();  // never step(): only back-pressure frees the log
    }
    n.nvm->before_reply();
    EXPECT_TRUE(n.nvm->healthy());
    EXPECT_GT(n.nvm->stats().backpressure_steps, 0u);
    persisted = dump(n.h.engine);
  }
  Node r(dir.path, 0, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(dump(r.h.engine), persisted);
  EXPECT_EQ(persisted.size(), 300u);
}

// Inserts keys into the engine behind the NVM mode's back, as an RDB load
// does, and returns them as the load's observer reports them.
std::vector<NvmPersistence::LoadedKey> load_keys(Node& n, int from, int to, size_t value_bytes) {
  std::vector<NvmPersistence::LoadedKey> keys;
  for (int i = from; i < to; ++i) {
    std::string key = "key" + std::to_string(i);
    n.h.engine.db(i % 3).insert(key, std::string(value_bytes + i % 90, 'v'), Encoding::kRaw);
    keys.push_back({i % 3, key});
  }
  return keys;
}

// Keys loaded behind the NVM mode's back are durable once
// log_loaded_keys() returns, all in the store; a key the load reported
// and then dropped (expired) is not.
TEST(NvmPersistence, LoadedKeysLoggedBatchByBatchAreInTheStore) {
  TempDir dir;
  Keyspace loaded;
  {
    Node n(dir.path, 4 << 20, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok());
    for (int batch = 0; batch < 2; ++batch) {
      auto keys = load_keys(n, batch * 5000, (batch + 1) * 5000, 0);
      if (batch == 0) {
        Entry* e = n.h.engine.db(0).find("key0");
        ASSERT_NE(e, nullptr);
        n.h.engine.db(0).set_expire(e, 1'800'000'000'000);
        keys.push_back({1, "dropped-as-expired"});
      }
      ASSERT_TRUE(n.nvm->log_loaded_keys(keys).ok());
      EXPECT_EQ(n.nvm->store_keys(), (batch + 1) * 5000u);
      EXPECT_EQ(n.nvm->replay_lag_bytes(), 0u);
    }
    EXPECT_EQ(n.nvm->stats().records_appended, 4u);  // units of 4,096 keys at most
    loaded = dump(n.h.engine);
  }  // crash
  Node r(dir.path, 0, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(r.nvm->stats().tail_records, 0u);
  EXPECT_EQ(dump(r.h.engine), loaded);
}

// Over nvm-dram-max-memory, each batch's values leave DRAM once they are
// in the store: a load several times the bound stays near it.
TEST(NvmPersistence, LoadedKeysOverTheDramBoundLeaveDram) {
  TempDir dir;
  constexpr uint64_t kBound = 1 << 20;
  Keyspace loaded;
  {
    NvmOptions options{.dir = dir.path,
                       .size_bytes = 32 << 20,
                       .backend = NvmBackend::kEmulated,
                       .max_dram_bytes = kBound};
    Node n(options, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok());
    for (int batch = 0; batch < 8; ++batch) {
      auto keys = load_keys(n, batch * 1000, (batch + 1) * 1000, 1000);
      ASSERT_TRUE(n.nvm->log_loaded_keys(keys).ok());
      EXPECT_LE(n.nvm->stats().dram_bytes, kBound) << "batch " << batch;
    }
    EXPECT_GT(n.nvm->stats().offloaded_keys, 6000u);
    EXPECT_EQ(n.nvm->store_keys(), 8000u);
    loaded = dump(n.h.engine);
    EXPECT_EQ(loaded.size(), 8000u);
  }  // crash
  Node r(dir.path, 0, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(dump(r.h.engine), loaded);
}

TEST(NvmPersistence, LoggingLoadedKeysTheStoreCannotHoldFails) {
  TempDir dir;
  Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(n.status.ok());
  Status s = n.nvm->log_loaded_keys(load_keys(n, 0, 2000, 1000));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.to_string().find("store full"), std::string::npos) << s.to_string();
  EXPECT_FALSE(n.nvm->healthy());
}

// A random command mix with random persists, steps and crashes.
// The replay skips an op that a later durable record overwrites, found
// through the tag on the key's DRAM entry (nvm/overwrite_tracker.h): each
// way a key's entry can be replaced or moved must mark exactly the ops on
// the same database and key since the last FLUSHDB or SWAPDB, and the
// store must end with what DRAM holds.
TEST(NvmPersistence, AKeyRewrittenWhileItsRecordsWaitIsFoldedOnceWhereverItMoves) {
  TempDir dir;
  Keyspace persisted;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    auto commit = [&](std::initializer_list<std::string_view> argv) {
      n.run(argv);
      n.nvm->before_reply();
    };
    for (int i = 0; i < 10; ++i) commit({"SET", "k", "v" + std::to_string(i)});  // 9 marks
    commit({"MOVE", "k", "1"});  // a new entry in db 1: nothing to mark
    commit({"SET", "k", "w"});   // a new entry in db 0: nothing to mark
    commit({"SELECT", "1"});
    commit({"SET", "k", "x"});     // overwrites the MOVE's op: 1 mark
    commit({"SWAPDB", "0", "1"});  // a barrier...
    commit({"SWAPDB", "0", "1"});  // ... that puts every entry back
    commit({"SET", "k", "y"});     // same entry, db and key, past a barrier
    commit({"RENAME", "k", "j"});  // a new entry for j: nothing to mark
    commit({"SET", "j", "z"});     // overwrites the RENAME's op: 1 mark
    n.run({"SET", "j", "lost"});   // not durable: marks nothing
    replay_all(*n.nvm);
    EXPECT_EQ(n.nvm->stats().replay_superseded_ops, 11u);
    persisted = dump(n.h.engine);
    persisted[{1, "j"}] = {"z", -1};
  }
  Node r(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  replay_all(*r.nvm);
  EXPECT_EQ(dump(r.h.engine), persisted);
  EXPECT_EQ(persisted.at({0, "k"}).first, "w");
  EXPECT_EQ(persisted.at({1, "j"}).first, "z");
  EXPECT_EQ(persisted.count({1, "k"}), 0u);
}

// Recovery tracks the unfolded tail's ops as it applies them to DRAM, so
// the replay after a restart skips what the tail itself overwrites, with
// the same barrier.
TEST(NvmPersistence, TheReplayAfterARestartSkipsWhatTheUnfoldedTailOverwrites) {
  TempDir dir;
  Keyspace persisted;
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    for (int i = 0; i < 10; ++i) n.run({"SET", "k", "v" + std::to_string(i)});  // 9 marks
    n.run({"SET", "gone", "1"});
    n.run({"DEL", "gone"});
    n.run({"SWAPDB", "0", "1"});
    n.run({"SWAPDB", "0", "1"});
    n.run({"SET", "k", "last"});  // past the barrier: no mark
    n.nvm->before_reply();
    persisted = dump(n.h.engine);
    EXPECT_GT(n.nvm->replay_lag_bytes(), 0u);
  }  // crash with the whole history unfolded
  {
    Node r(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_EQ(dump(r.h.engine), persisted);
    r.run({"SET", "k", "after"});  // overwrites the tail's last op on k
    r.nvm->before_reply();
    replay_all(*r.nvm);
    EXPECT_EQ(r.nvm->stats().replay_superseded_ops, 10u);
    persisted[{0, "k"}].first = "after";
    EXPECT_EQ(dump(r.h.engine), persisted);
  }
  Node again(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(again.status.ok()) << again.status.to_string();
  replay_all(*again.nvm);
  EXPECT_EQ(dump(again.h.engine), persisted);
}

TEST(NvmPersistence, RandomCommandsSurviveRandomCrashes) {
  const uint64_t seed = 20261125;
  SCOPED_TRACE("seed " + std::to_string(seed));
  SeededRandom random(seed);
  TempDir dir;
  int64_t now_us = 1'700'000'000'000'000;
  Keyspace persisted;
  auto key = [&] { return "k" + std::to_string(random.next_u64() % 20); };
  for (int life = 0; life < 8; ++life) {
    Node n(dir.path, kSmallBytes, now_us);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    ASSERT_EQ(dump(n.h.engine), persisted) << "life " << life;
    for (int i = 0; i < 300; ++i) {
      n.h.clock.advance_ms(static_cast<int64_t>(random.next_u64() % 20));
      switch (random.next_u64() % 10) {
        case 0:
          n.run({"SET", key(), std::to_string(random.next_u64() % 1000)});
          break;
        case 1:
          n.run({"INCR", key()});
          break;
        case 2:
          n.run({"DEL", key()});
          break;
        case 3:
          n.run({"PEXPIRE", key(), std::to_string(random.next_u64() % 2000)});
          break;
        case 4:
          n.run({"RENAME", key(), key()});
          break;
        case 5:
          n.run({"SELECT", std::to_string(random.next_u64() % 3)});
          break;
        case 6:
          n.run({"SWAPDB", std::to_string(random.next_u64() % 3), "1"});
          break;
        case 7:
          n.run({"APPEND", key(), "x"});
          break;
        case 8:
          n.run({"MULTI"});
          n.run({"SET", key(), "m"});
          n.run({"SWAPDB", "0", std::to_string(random.next_u64() % 3)});
          n.run({"INCR", key()});
          n.run({"EXEC"});
          break;
        default:
          if (random.next_u64() % 10 == 0) n.run({"FLUSHDB"});
          n.h.engine.cron();  // active expiry: units of their own
      }
      if (random.next_u64() % 4 == 0) {
        n.nvm->before_reply();
        persisted = dump(n.h.engine);
      }
      if (random.next_u64() % 8 == 0) {
        ASSERT_TRUE(n.nvm->step().ok());
      }
    }
    now_us = n.h.clock.now_us();
    // Keys that expired while down are not loaded: drop them from the model.
    std::erase_if(persisted, [&](const auto& kv) {
      return kv.second.second != kNoExpire && kv.second.second <= now_us / 1000;
    });
  }
}

}  // namespace
}  // namespace amber::nvm
