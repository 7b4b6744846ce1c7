// Dispatcher and transaction behaviour that every command relies on.
#include "core/engine.h"

#include <gtest/gtest.h>

#include "tests/core/engine_harness.h"

namespace amber {
namespace {

TEST(Engine, UnknownCommandNamesArgs) {
  EngineHarness h;
  EXPECT_EQ(h.run({"nosuch", "a", "b"}),
            "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n");
}

TEST(Engine, WrongArityNamesCommand) {
  EngineHarness h;
  EXPECT_EQ(h.run({"MULTI", "x"}), "-ERR wrong number of arguments for 'multi' command\r\n");
}

TEST(Engine, QueueTimeErrorAbortsExec) {
  EngineHarness h;
  EXPECT_EQ(h.run({"multi"}), "+OK\r\n");
  EXPECT_EQ(h.run({"nosuch"}), "-ERR unknown command 'nosuch', with args beginning with: \r\n");
  EXPECT_EQ(h.run({"exec"}), "-EXECABORT Transaction discarded because of previous errors.\r\n");
  EXPECT_FALSE(h.session.in_multi);
}

TEST(Engine, NestedMultiIsAnErrorButKeepsTransaction) {
  EngineHarness h;
  h.run({"multi"});
  EXPECT_EQ(h.run({"multi"}), "-ERR MULTI calls can not be nested\r\n");
  EXPECT_EQ(h.run({"unwatch"}), "+QUEUED\r\n");
  EXPECT_EQ(h.run({"exec"}), "*1\r\n+OK\r\n");
}

TEST(Engine, ExecWithoutMulti) {
  EngineHarness h;
  EXPECT_EQ(h.run({"exec"}), "-ERR EXEC without MULTI\r\n");
  EXPECT_EQ(h.run({"discard"}), "-ERR DISCARD without MULTI\r\n");
}

TEST(Engine, WatchInsideMultiRefused) {
  EngineHarness h;
  h.run({"multi"});
  EXPECT_EQ(h.run({"watch", "k"}), "-ERR WATCH inside MULTI is not allowed\r\n");
}

TEST(Engine, ModifiedWatchedKeyFailsExec) {
  EngineHarness h;
  Session other;
  h.run({"watch", "k"});
  h.engine.signal_modified(0, "k");
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
  EXPECT_TRUE(h.session.watched.empty());
}

TEST(Engine, ErrorStatsCountByCode) {
  EngineHarness h;
  h.run({"nosuch"});
  h.run({"exec"});
  EXPECT_EQ(h.engine.stats().total_error_replies, 2u);
  EXPECT_EQ(h.engine.stats().errorstats["ERR"], 2u);
}

}  // namespace
}  // namespace amber

namespace amber {
namespace {

TEST(Engine, RefusedExecAbortsTransactionAtOnce) {
  EngineHarness h;
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec", "extra"}),
            "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' "
            "command\r\n");
  EXPECT_FALSE(h.session.in_multi);
  EXPECT_EQ(h.run({"exec"}), "-ERR EXEC without MULTI\r\n");
}

TEST(Engine, AbortedWatchDoesNotLeakIntoNextTransaction) {
  EngineHarness h;
  h.run({"watch", "k"});
  h.engine.signal_modified(0, "k");
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
  h.run({"watch", "k"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*0\r\n");
}

TEST(Engine, UnknownCommandMessageStopsAtNulLikeRedis) {
  EngineHarness h;
  std::string arg("bin\0ary", 7);
  std::string out;
  Reply reply(&out);
  std::vector<std::string_view> argv = {"nosuch", arg};
  h.engine.execute(h.session, argv, reply);
  EXPECT_EQ(out, "-ERR unknown command 'nosuch', with args beginning with: 'bin' \r\n");
}

}  // namespace
}  // namespace amber
