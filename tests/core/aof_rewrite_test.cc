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
#include "tests/core/aof_workload_test.h"

namespace amber {
namespace {

using AofRewriteTest = AofWorkloadTest;

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
    ASSERT_NO_FATAL_FAILURE(step_running_rewrite(m, io, 30, /*with_writes=*/true));
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
