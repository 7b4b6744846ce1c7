// The 1,000,000-key compatibility case (label it "slow"): amber writes a
// million keys, redis-server loads them and saves them back, amber loads
// redis-server's file; counts, a sample of values and every expire survive.
#include <gtest/gtest.h>

#include "core/io/posix_file_system.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "tests/core/persist/rdb_test_util.h"
#include "tests/core/persist/redis_process.h"

namespace amber {
namespace {

using testing::TestDbs;

TEST(RdbRedisCompatSlow, MillionKeysBothWays) {
  const std::string binary = testing::find_on_path("redis-server");
  ASSERT_FALSE(binary.empty()) << "redis-server not on PATH (scripts/setup.sh installs it)";
  testing::TempDir dir;
  constexpr int kKeys = 1'000'000;
  const int64_t expire_ms = 4'000'000'000'000;  // year 2096
  TestDbs dbs;
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "key:" + std::to_string(i);
    const std::string value = i % 3 == 0 ? std::to_string(i) : "value-" + std::to_string(i * 7);
    dbs.set(i % 2, key, value, i % 5 == 0 ? expire_ms + i : kNoExpire);
  }
  PosixFileSystem fs;
  ASSERT_TRUE(save_rdb_file(fs, dir.path(), "amber.rdb", dbs.dbs(), {}).ok());

  std::string error;
  auto redis = testing::RedisProcess::start(binary, dir.path(), "amber.rdb", &error);
  ASSERT_NE(redis, nullptr) << error;
  EXPECT_EQ(redis->command({"DBSIZE"}), ":500000\r\n");
  EXPECT_EQ(redis->command({"GET", "key:999998"}), "$13\r\nvalue-6999986\r\n");
  EXPECT_EQ(redis->command({"PEXPIRETIME", "key:999990"}), ":4000000999990\r\n");
  // dbfilename is protected: redis-server saves over the file it loaded.
  ASSERT_EQ(redis->command({"SAVE"}), "+OK\r\n");
  redis.reset();

  TestDbs loaded;
  RdbLoadResult result;
  Status s = load_rdb_file(fs, dir.file("amber.rdb"), loaded.dbs(), {}, &result);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(result.keys_loaded, static_cast<uint64_t>(kKeys));
  EXPECT_TRUE(loaded.snapshot() == dbs.snapshot());
}

}  // namespace
}  // namespace amber
