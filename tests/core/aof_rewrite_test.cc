// The fork-less AOF rewrite: while the base is written in steps, writes go
// on (overwrites, deletes, new keys, FLUSHDB, expiries) and land in the new
// incr file; after the manifest swap the AOF loads back to exactly the
// engine's state — with an RDB preamble base and with a RESP base. A crash
// (the manager dropped) before the swap leaves an AOF that loads to the
// same state too, and a BGSAVE-like snapshot excludes a rewrite.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include "core/persist/aof_manager.h"
#include "core/persist/rdb_writer.h"
#include "core/persist/snapshot.h"
#include "tests/core/aof_test_util.h"
#include "tests/core/engine_harness.h"

namespace amber {
namespace {

class AofRewriteTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/amber-aof-rewrite-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    settings_.dir = dir_;
    settings_.fsync = AofFsync::kNo;  // durability is not what is tested here
    settings_.rdb_preamble = GetParam();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void run(std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    h_.run_vector(h_.session, views);
  }
  void populate() {
    for (int db = 0; db < 3; ++db) {
      run({"SELECT", std::to_string(db)});
      for (int i = 0; i < 1500; ++i) {
        run({"SET", "k" + std::to_string(i), "value-" + std::to_string(i * db)});
        if (i % 7 == 0) run({"EXPIRE", "k" + std::to_string(i), "100000"});
      }
    }
  }
  // A write of every kind, spread over the dbs, picked by `n`.
  void mutate(int n) {
    run({"SELECT", std::to_string(n % 3)});
    const std::string key = "k" + std::to_string((n * 37) % 1600);
    switch (n % 5) {
      case 0:
        run({"SET", key, "new-" + std::to_string(n)});
        break;
      case 1:
        run({"DEL", key});
        break;
      case 2:
        run({"APPEND", key, "+"});
        break;
      case 3:
        run({"PEXPIRE", key, "5000000"});
        break;
      case 4:
        run({"INCR", "counter"});
        break;
    }
  }
  Status load(EngineHarness& h) {
    AofManager m(fs_, h.engine, settings_, nullptr, nullptr);
    AofLoadResult loaded;
    Status s = m.start(0, &loaded);
    if (s.ok()) s = m.stop();
    return s;
  }
  std::set<std::string> aof_files() {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/appendonlydir")) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

  std::string dir_;
  AofSettings settings_;
  PosixFileSystem fs_;
  EngineHarness h_;
};

TEST_P(AofRewriteTest, BaseIsTheDatasetAtTheSwitchAndLaterWritesGoToTheNewIncr) {
  QueuedExecutor io;
  {
    AofManager m(fs_, h_.engine, settings_, nullptr, nullptr);
    AofLoadResult loaded;
    ASSERT_TRUE(m.start(0, &loaded).ok());
    populate();
    ASSERT_TRUE(m.flush().ok());
    ASSERT_TRUE(m.start_rewrite(0, io).ok());
    EXPECT_TRUE(m.rewrite_in_progress());
    AofManager::RewriteState state = AofManager::RewriteState::kRunning;
    Status error;
    for (int n = 0; state == AofManager::RewriteState::kRunning; ++n) {
      mutate(n);
      if (n == 40) run({"FLUSHDB"});  // a db the walk may not have reached
      ASSERT_TRUE(m.flush().ok());
      state = m.step_rewrite(8, &error);
      if (n % 3 == 0) io.run_one();
      if (n % 50 == 0) io.run_all();
    }
    io.run_all();
    ASSERT_EQ(state, AofManager::RewriteState::kDone) << error.to_string();
    EXPECT_FALSE(m.rewrite_in_progress());
    EXPECT_EQ(m.manifest().base->seq, 2);
    EXPECT_EQ(m.manifest().incr.size(), 1u);
    EXPECT_TRUE(m.manifest().history.empty());
    mutate(1000);
    ASSERT_TRUE(m.flush().ok());
    ASSERT_TRUE(m.stop().ok());
  }
  const std::string base = GetParam() ? "appendonly.aof.2.base.rdb" : "appendonly.aof.2.base.aof";
  EXPECT_EQ(aof_files(),
            (std::set<std::string>{base, "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"}));
  EngineHarness h2;
  ASSERT_TRUE(load(h2).ok());
  EXPECT_EQ(dump_keyspace(h2.engine), dump_keyspace(h_.engine));
}

TEST_P(AofRewriteTest, CrashBeforeTheSwapLoadsTheSameState) {
  QueuedExecutor io;
  {
    AofManager m(fs_, h_.engine, settings_, nullptr, nullptr);
    AofLoadResult loaded;
    ASSERT_TRUE(m.start(0, &loaded).ok());
    populate();
    ASSERT_TRUE(m.flush().ok());
    ASSERT_TRUE(m.start_rewrite(0, io).ok());
    Status error;
    for (int n = 0; n < 30; ++n) {
      mutate(n);
      ASSERT_TRUE(m.flush().ok());
      ASSERT_EQ(m.step_rewrite(4, &error), AofManager::RewriteState::kRunning);
      io.run_all();
    }
    // The manager goes away mid-rewrite, as in a crash: no swap.
  }
  io.run_all();
  EXPECT_EQ(aof_files().count("appendonly.aof.2.incr.aof"), 1u);
  EngineHarness h2;
  ASSERT_TRUE(load(h2).ok());
  EXPECT_EQ(dump_keyspace(h2.engine), dump_keyspace(h_.engine));
}

TEST_P(AofRewriteTest, RewriteIsRefusedWhileAnotherSnapshotRuns) {
  AofManager m(fs_, h_.engine, settings_, nullptr, nullptr);
  AofLoadResult loaded;
  ASSERT_TRUE(m.start(0, &loaded).ok());
  populate();
  QueuedExecutor io;
  SnapshotOptions options;
  options.dir = dir_;
  options.temp_name = "temp-bgsave.rdb";
  options.final_name = "dump.rdb";
  Snapshot bgsave(engine_dbs(h_.engine), fs_, io, options);
  ASSERT_TRUE(bgsave.start().ok());
  EXPECT_FALSE(m.start_rewrite(0, io).ok());
  EXPECT_FALSE(m.rewrite_in_progress());
  bgsave.abort();
  io.run_all();
  // The AOF still loads to the state (it gained an empty incr file).
  run({"SET", "after", "1"});
  ASSERT_TRUE(m.flush().ok());
  ASSERT_TRUE(m.stop().ok());
  EngineHarness h2;
  ASSERT_TRUE(load(h2).ok());
  EXPECT_EQ(dump_keyspace(h2.engine), dump_keyspace(h_.engine));
}

INSTANTIATE_TEST_SUITE_P(Preamble, AofRewriteTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "RdbPreamble" : "RespBase";
                         });

}  // namespace
}  // namespace amber
