// The AOF end to end on a real directory: write through the engine, load
// back; a torn tail at every offset (with and without aof-load-truncated);
// a failing fsync poisons the writer and a rewrite recovers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include "core/io/posix_file_system.h"
#include "core/persist/aof_format.h"
#include "core/persist/aof_loader.h"
#include "core/persist/aof_manager.h"
#include "tests/core/aof_test_util.h"
#include "tests/core/engine_harness.h"

namespace amber {
namespace {

class AofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/amber-aof-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    settings_.dir = dir_;
    settings_.fsync = AofFsync::kAlways;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string incr_path() { return dir_ + "/appendonlydir/appendonly.aof.1.incr.aof"; }

  // Starts an AOF on `h`, runs the commands, flushes.
  void write_with(EngineHarness& h, FileSystem& fs,
                  std::initializer_list<std::initializer_list<std::string_view>> cmds) {
    AofManager m(fs, h.engine, settings_, nullptr);
    AofLoadResult loaded;
    ASSERT_TRUE(m.start(0, &loaded).ok());
    for (auto cmd : cmds) h.run(cmd);
    ASSERT_TRUE(m.flush().ok());
    ASSERT_TRUE(m.stop().ok());
  }

  Status load_into(EngineHarness& h, FileSystem& fs, AofLoadResult* loaded) {
    AofManager m(fs, h.engine, settings_, nullptr);
    Status s = m.start(0, loaded);
    if (s.ok()) s = m.stop();
    return s;
  }

  std::string dir_;
  AofSettings settings_;
  PosixFileSystem fs_;
};

TEST_F(AofTest, WrittenCommandsLoadBack) {
  for (bool preamble : {true, false}) {
    settings_.rdb_preamble = preamble;
    {
      EngineHarness h;
      write_with(h, fs_, {{"SET", "a", "1"}, {"SELECT", "4"}, {"SET", "b", "2", "EX", "100"}});
    }
    {
      // A rewrite folds the incr file into a new base.
      EngineHarness h;
      AofManager m(fs_, h.engine, settings_, nullptr);
      AofLoadResult loaded;
      ASSERT_TRUE(m.start(0, &loaded).ok());
      ASSERT_TRUE(m.rewrite(0).ok());
      h.run({"SET", "c", "3"});
      ASSERT_TRUE(m.flush().ok());
      ASSERT_TRUE(m.stop().ok());
    }
    EngineHarness h;
    AofLoadResult loaded;
    ASSERT_TRUE(load_into(h, fs_, &loaded).ok());
    EXPECT_EQ(h.run({"GET", "a"}), "$1\r\n1\r\n");
    EXPECT_EQ(h.run({"GET", "c"}), "$1\r\n3\r\n");
    h.run({"SELECT", "4"});
    EXPECT_EQ(h.run({"PTTL", "b"}), ":100000\r\n");
    std::filesystem::remove_all(dir_ + "/appendonlydir");
  }
}

TEST_F(AofTest, TornTailAtEveryOffset) {
  {
    EngineHarness h;
    write_with(h, fs_,
               {{"SET", "a", "1"},
                {"MULTI"},
                {"SET", "b", "2"},
                {"SET", "c", "3"},
                {"EXEC"},
                {"SET", "d", "4"}});
  }
  std::string full;
  ASSERT_TRUE(read_whole_file(fs_, incr_path(), &full).ok());
  // Record boundaries outside a transaction: a cut there loses nothing torn.
  std::set<size_t> boundaries{0};
  {
    std::vector<std::string_view> argv;
    size_t consumed = 0;
    std::string err;
    bool in_multi = false;
    for (size_t pos = 0; pos < full.size();) {
      ASSERT_EQ(parse_aof_record(std::string_view(full).substr(pos), &argv, &consumed, &err),
                AofParse::kCommand);
      pos += consumed;
      if (argv[0] == "MULTI") in_multi = true;
      if (argv[0] == "EXEC") in_multi = false;
      if (!in_multi) boundaries.insert(pos);
    }
  }
  for (size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE(cut);
    for (bool allow : {true, false}) {
      std::filesystem::resize_file(incr_path(), cut);
      settings_.load_truncated = allow;
      EngineHarness h;
      AofLoadResult loaded;
      Status s = load_into(h, fs_, &loaded);
      // Which keys are present must be a prefix of a, {b,c}, d.
      bool a = h.run({"EXISTS", "a"}) == ":1\r\n";
      bool b = h.run({"EXISTS", "b"}) == ":1\r\n";
      bool c = h.run({"EXISTS", "c"}) == ":1\r\n";
      bool d = h.run({"EXISTS", "d"}) == ":1\r\n";
      EXPECT_EQ(b, c);
      EXPECT_TRUE(!b || a);
      EXPECT_TRUE(!d || b);
      // Without aof-load-truncated only a cut at a unit boundary loads.
      if (!allow) {
        EXPECT_EQ(s.ok(), boundaries.count(cut) == 1) << s.to_string();
      }
      if (allow) {
        EXPECT_TRUE(s.ok()) << s.to_string();
      }
      std::filesystem::resize_file(incr_path(), full.size());
      // Restore the bytes a truncating load cut away.
      FILE* f = fopen(incr_path().c_str(), "r+b");
      fwrite(full.data(), 1, full.size(), f);
      fclose(f);
    }
  }
}

TEST_F(AofTest, BadRecordIsRefusedWithOffset) {
  {
    EngineHarness h;
    write_with(h, fs_, {{"SET", "a", "1"}});
  }
  FILE* f = fopen(incr_path().c_str(), "ab");
  fputs("*1\r\nX", f);
  fclose(f);
  f = fopen(incr_path().c_str(), "ab");
  fputs("\r\n*1\r\n$4\r\nPING\r\n", f);
  fclose(f);
  EngineHarness h;
  AofLoadResult loaded;
  Status s = load_into(h, fs_, &loaded);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Bad file format reading the append only file"), std::string::npos);
  EXPECT_NE(s.message().find("at offset 50"), std::string::npos) << s.message();
}

TEST_F(AofTest, FailedFsyncPoisonsAndRewriteRecovers) {
  FlakyFileSystem fs;
  settings_.fsync = AofFsync::kEverysec;
  EngineHarness h;
  AofManager m(fs, h.engine, settings_, nullptr);
  AofLoadResult loaded;
  ASSERT_TRUE(m.start(0, &loaded).ok());
  h.run({"SET", "a", "1"});
  fs.fail_sync = true;
  h.clock.advance_ms(1500);
  EXPECT_FALSE(m.flush().ok());
  EXPECT_FALSE(m.healthy());
  EXPECT_EQ(m.last_error().sys_errno(), 5);
  // Still failing: recovery does not pretend.
  EXPECT_FALSE(m.try_recover(0));
  EXPECT_FALSE(m.healthy());
  fs.fail_sync = false;
  EXPECT_TRUE(m.try_recover(0));
  EXPECT_TRUE(m.healthy());
  h.run({"SET", "b", "2"});
  ASSERT_TRUE(m.flush().ok());
  ASSERT_TRUE(m.stop().ok());
  EngineHarness h2;
  ASSERT_TRUE(load_into(h2, fs_, &loaded).ok());
  EXPECT_EQ(h2.run({"GET", "a"}), "$1\r\n1\r\n");
  EXPECT_EQ(h2.run({"GET", "b"}), "$1\r\n2\r\n");
}

}  // namespace
}  // namespace amber
