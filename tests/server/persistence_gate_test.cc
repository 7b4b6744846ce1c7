// The MISCONF admission rule for transactions, in-process with a file
// system that fails on demand: a MULTI whose writes were queued while the
// disk was healthy is refused at EXEC (-EXECABORT ... MISCONF ...) once the
// AOF or a BGSAVE has failed, as redis-server 7.0 does (processCommand
// counts EXEC as a write when c->mstate.cmd_flags has CMD_WRITE). A
// read-only transaction still runs, and writes pass again once persistence
// recovers. Waits poll with a deadline.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "server/aof_persistence.h"
#include "server/rdb_persistence.h"
#include "tests/core/aof_test_util.h"
#include "tests/server/server_test_util.h"

namespace amber {
namespace {

using testing::ServerUnderTest;
using testing::TestClient;

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/amber-gate-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// Sends `command` until its reply starts with `prefix` (or the deadline).
bool wait_for_reply(TestClient& c, const std::string& command, const std::string& prefix) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (c.call_line(command).rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(PersistenceGate, ExecOfQueuedWritesIsRefusedWhileTheAofIsFailing) {
  TempDir dir;
  FlakyFileSystem fs;
  ServerUnderTest s({"--bind", "127.0.0.1", "--dir", dir.path, "--save", "", "--appendonly", "yes",
                     "--appendfsync", "everysec"},
                    [&](Server& server) {
                      server.aof().set_file_system(fs);
                      std::string error;
                      ASSERT_TRUE(server.aof().start(&error)) << error;
                    });
  TestClient tx("127.0.0.1", s.port());
  TestClient other("127.0.0.1", s.port());
  EXPECT_EQ(tx.call_line("MULTI\r\n"), "+OK\r\n");
  EXPECT_EQ(tx.call_line("SET k 1\r\n"), "+QUEUED\r\n");
  fs.fail_sync = true;  // everysec's next fsync fails: the AOF is failing
  const std::string misconf = "-MISCONF Errors writing to the AOF file: Input/output error\r\n";
  ASSERT_TRUE(wait_for_reply(other, "SET probe 1\r\n", misconf));
  EXPECT_EQ(tx.call_line("EXEC\r\n"),
            "-EXECABORT Transaction discarded because of: MISCONF Errors writing to the AOF "
            "file: Input/output error\r\n");
  EXPECT_EQ(tx.call("EXEC\r\n", 28), "-ERR EXEC without MULTI\r\n");  // it was discarded
  // Reads are not writes: a read-only transaction runs.
  EXPECT_EQ(tx.call_line("MULTI\r\n"), "+OK\r\n");
  EXPECT_EQ(tx.call_line("GET k\r\n"), "+QUEUED\r\n");
  EXPECT_EQ(tx.call("EXEC\r\n", 9), "*1\r\n$-1\r\n");
  fs.fail_sync = false;  // cron's recovery rewrite succeeds
  EXPECT_TRUE(wait_for_reply(other, "SET probe 2\r\n", "+OK"));
  EXPECT_EQ(tx.call_line("MULTI\r\n"), "+OK\r\n");
  EXPECT_EQ(tx.call_line("SET k 1\r\n"), "+QUEUED\r\n");
  EXPECT_EQ(tx.call("EXEC\r\n", 9), "*1\r\n+OK\r\n");
}

TEST(PersistenceGate, ExecOfQueuedWritesIsRefusedAfterAFailedBgsave) {
  TempDir dir;
  FlakyFileSystem fs;
  ServerUnderTest s({"--bind", "127.0.0.1", "--dir", dir.path, "--save", "3600 1",
                     "--stop-writes-on-bgsave-error", "yes"},
                    [&](Server& server) { server.rdb().set_file_system(fs); });
  TestClient tx("127.0.0.1", s.port());
  TestClient other("127.0.0.1", s.port());
  EXPECT_EQ(tx.call_line("MULTI\r\n"), "+OK\r\n");
  EXPECT_EQ(tx.call_line("INCR counter\r\n"), "+QUEUED\r\n");
  fs.fail_sync = true;
  EXPECT_EQ(other.call_line("BGSAVE\r\n"), "+Background saving started\r\n");
  const std::string misconf = "-MISCONF Redis is configured to save RDB snapshots";
  ASSERT_TRUE(wait_for_reply(other, "SET probe 1\r\n", misconf));
  EXPECT_EQ(tx.call_line("EXEC\r\n")
                .rfind("-EXECABORT Transaction discarded because of: MISCONF "
                       "Redis is configured to save RDB snapshots",
                       0),
            0u);
  EXPECT_EQ(other.call("GET counter\r\n", 5), "$-1\r\n");  // nothing of it ran
  fs.fail_sync = false;
  EXPECT_EQ(other.call_line("BGSAVE\r\n"), "+Background saving started\r\n");
  EXPECT_TRUE(wait_for_reply(other, "SET probe 2\r\n", "+OK"));
}

}  // namespace
}  // namespace amber
