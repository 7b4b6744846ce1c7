// appendfsync everysec with the sync on an executor (Redis's bio fsync):
// the job syncs what was written before it started; a write while a job is
// pending is postponed for up to 2 s and then made anyway (counted as a
// delayed fsync); a failed background sync poisons the AOF until a rewrite
// into fresh files succeeds.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "core/persist/aof_manager.h"
#include "tests/core/aof_test_util.h"
#include "tests/core/engine_harness.h"

namespace amber {
namespace {

class AofFsyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/amber-aof-fsync-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    settings_.dir = dir_;
    settings_.fsync = AofFsync::kEverysec;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  AofSettings settings_;
  FlakyFileSystem fs_;
  QueuedExecutor executor_;
  EngineHarness h_;
  AofLoadResult loaded_;
};

TEST_F(AofFsyncTest, EverysecSyncRunsAsABackgroundJob) {
  AofManager m(fs_, h_.engine, settings_, nullptr, &executor_);
  ASSERT_TRUE(m.start(0, &loaded_).ok());
  h_.run({"SET", "a", "1"});
  h_.clock.advance_ms(1000);
  ASSERT_TRUE(m.flush().ok());
  AofWriter& w = m.writer();
  EXPECT_EQ(w.buffer_length(), 0u);
  EXPECT_TRUE(w.sync_pending());
  EXPECT_EQ(executor_.pending(), 1u);
  EXPECT_LT(w.synced_size(), w.current_size());
  executor_.run_all();
  EXPECT_FALSE(w.sync_pending());
  ASSERT_TRUE(m.cron().ok());
  EXPECT_EQ(w.synced_size(), w.current_size());
  // Nothing new to sync: no job.
  h_.clock.advance_ms(1000);
  ASSERT_TRUE(m.cron().ok());
  EXPECT_EQ(executor_.pending(), 0u);
  ASSERT_TRUE(m.stop().ok());
}

TEST_F(AofFsyncTest, AtMostOneSyncPerSecond) {
  AofManager m(fs_, h_.engine, settings_, nullptr, &executor_);
  ASSERT_TRUE(m.start(0, &loaded_).ok());
  h_.clock.advance_ms(1000);
  h_.run({"SET", "a", "1"});
  ASSERT_TRUE(m.flush().ok());
  executor_.run_all();
  h_.run({"SET", "b", "1"});
  ASSERT_TRUE(m.flush().ok());  // same second: written, not synced
  EXPECT_EQ(executor_.pending(), 0u);
  EXPECT_LT(m.writer().synced_size(), m.writer().current_size());
  h_.clock.advance_ms(1000);
  ASSERT_TRUE(m.cron().ok());  // cron syncs without a new write
  EXPECT_EQ(executor_.pending(), 1u);
  executor_.run_all();
  ASSERT_TRUE(m.stop().ok());
}

TEST_F(AofFsyncTest, WriteIsPostponedWhileASyncIsPendingThenDelayedAfterTwoSeconds) {
  AofManager m(fs_, h_.engine, settings_, nullptr, &executor_);
  ASSERT_TRUE(m.start(0, &loaded_).ok());
  AofWriter& w = m.writer();
  h_.run({"SET", "a", "1"});
  h_.clock.advance_ms(1000);
  ASSERT_TRUE(m.flush().ok());
  ASSERT_TRUE(w.sync_pending());  // the job never runs: a stuck disk
  const uint64_t size = w.current_size();
  h_.run({"SET", "b", "2"});
  h_.clock.advance_ms(100);
  ASSERT_TRUE(m.flush().ok());
  EXPECT_TRUE(w.write_postponed());
  EXPECT_GT(w.buffer_length(), 0u);
  EXPECT_EQ(w.current_size(), size);
  h_.clock.advance_ms(AofWriter::kMaxPostponeMs - 1);
  ASSERT_TRUE(m.cron().ok());
  EXPECT_EQ(w.current_size(), size);
  EXPECT_EQ(w.delayed_fsyncs(), 0u);
  h_.clock.advance_ms(1);
  ASSERT_TRUE(m.cron().ok());
  EXPECT_EQ(w.buffer_length(), 0u);
  EXPECT_GT(w.current_size(), size);
  EXPECT_EQ(w.delayed_fsyncs(), 1u);
  EXPECT_FALSE(w.write_postponed());
  executor_.run_all();
  ASSERT_TRUE(m.stop().ok());
}

TEST_F(AofFsyncTest, FailedBackgroundSyncPoisonsUntilARewriteSucceeds) {
  AofManager m(fs_, h_.engine, settings_, nullptr, &executor_);
  ASSERT_TRUE(m.start(0, &loaded_).ok());
  h_.run({"SET", "a", "1"});
  h_.clock.advance_ms(1000);
  ASSERT_TRUE(m.flush().ok());
  fs_.fail_sync = true;
  executor_.run_all();  // the background sync fails
  h_.run({"SET", "b", "2"});
  Status s = m.flush();
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(m.healthy());
  EXPECT_EQ(m.last_error().sys_errno(), 5);
  // Poisoned: nothing more is written, and recovery does not pretend.
  EXPECT_FALSE(m.try_recover(0));
  EXPECT_FALSE(m.healthy());
  fs_.fail_sync = false;
  EXPECT_TRUE(m.try_recover(0));
  EXPECT_TRUE(m.healthy());
  h_.run({"SET", "c", "3"});
  ASSERT_TRUE(m.flush().ok());
  executor_.run_all();
  ASSERT_TRUE(m.stop().ok());

  EngineHarness h2;
  AofManager m2(fs_, h2.engine, settings_, nullptr, nullptr);
  ASSERT_TRUE(m2.start(0, &loaded_).ok());
  EXPECT_EQ(dump_keyspace(h2.engine), dump_keyspace(h_.engine));
  EXPECT_EQ(h2.run({"GET", "b"}), "$1\r\n2\r\n");
  ASSERT_TRUE(m2.stop().ok());
}

}  // namespace
}  // namespace amber
