// Compatibility with the real redis-server 7.0, both ways: files that
// redis-server SAVEs load into amber with every value and expire intact, and
// files amber writes load into redis-server, read back key by key over a raw
// socket. Also pins that amber encodes each string exactly as redis-server
// does, and that a real list key is refused by name. Needs redis-server on
// PATH (scripts/setup.sh installs it; the test fails without it); each test runs in well under 30
// s.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "core/io/posix_file_system.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "tests/core/persist/rdb_test_util.h"
#include "tests/core/persist/redis_process.h"

namespace amber {
namespace {

using testing::KeyState;
using testing::RedisProcess;
using testing::Snapshot;
using testing::TestDbs;

int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A dataset of every kind of string redis-server encodes differently, spread
// over several databases, some keys with a TTL of about a day.
Snapshot make_dataset(uint64_t seed, size_t keys, const std::vector<int>& db_choices,
                      size_t max_value_bytes = 1 << 20) {
  std::mt19937_64 rng(seed);
  Snapshot data;
  const int64_t base_expire_ms = wall_now_ms() + 86'400'000;
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
  };
  for (size_t i = 0; i < keys; ++i) {
    std::string value;
    switch (rng() % 9) {
      case 0:
        value = std::to_string(static_cast<int64_t>(rng() % 300) - 150);
        break;
      case 1:
        value = std::to_string(static_cast<int32_t>(rng()));
        break;
      case 2:
        value = std::to_string(static_cast<int64_t>(rng()));
        break;
      case 3:
        value = "0" + std::to_string(rng() % 1000);
        break;
      case 4:
        value = std::string(21 + rng() % 200, static_cast<char>('a' + rng() % 26));
        break;
      case 5:
        value = random_bytes(rng() % 64);
        break;
      case 6:
        value = "value:" + std::to_string(i) + std::string(rng() % 3000, 'x');
        break;
      case 7:
        value = random_bytes(1000 + rng() % 20000);
        break;
      default:
        value = "";
        break;
    }
    if (value.size() > max_value_bytes) value.resize(max_value_bytes);
    std::string key = (rng() % 10 == 0) ? random_bytes(1 + rng() % 20) + std::to_string(i)
                                        : "key:" + std::to_string(i);
    int db = db_choices[rng() % db_choices.size()];
    int64_t expire_ms =
        (rng() % 4 == 0) ? base_expire_ms + static_cast<int64_t>(rng() % 100000) : kNoExpire;
    data[{db, key}] = KeyState{value, expire_ms};
  }
  return data;
}

class RdbRedisCompat : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = testing::find_on_path("redis-server");
    ASSERT_FALSE(binary_.empty()) << "redis-server not on PATH (scripts/setup.sh installs it)";
  }

  std::unique_ptr<RedisProcess> start(const std::string& dbfilename) {
    std::string error;
    auto redis = RedisProcess::start(binary_, dir_.path(), dbfilename, &error);
    EXPECT_NE(redis, nullptr) << error;
    return redis;
  }

  // Loads `data` into redis-server with SET/PEXPIREAT.
  static void populate(RedisProcess& redis, const Snapshot& data) {
    std::vector<std::vector<std::string>> commands;
    int current_db = -1;
    for (const auto& [where, state] : data) {
      if (where.first != current_db) {
        current_db = where.first;
        commands.push_back({"SELECT", std::to_string(current_db)});
      }
      commands.push_back({"SET", where.second, state.value});
      if (state.expire_ms != kNoExpire) {
        commands.push_back({"PEXPIREAT", where.second, std::to_string(state.expire_ms)});
      }
    }
    for (const std::string& reply : redis.pipeline(commands)) {
      ASSERT_TRUE(reply == "+OK\r\n" || reply == ":1\r\n") << reply;
    }
  }

  // Reads every expected key back from redis-server and checks that each
  // database holds exactly those keys.
  static void expect_redis_holds(RedisProcess& redis, const Snapshot& data) {
    std::map<int, size_t> sizes;
    for (const auto& [where, state] : data) ++sizes[where.first];
    for (int db = 0; db < 16; ++db) {
      redis.command({"SELECT", std::to_string(db)});
      EXPECT_EQ(redis.command({"DBSIZE"}), ":" + std::to_string(sizes[db]) + "\r\n") << "db " << db;
    }
    std::vector<std::vector<std::string>> commands;
    std::vector<const std::pair<const std::pair<int, std::string>, KeyState>*> order;
    int current_db = -1;
    for (const auto& item : data) {
      if (item.first.first != current_db) {
        current_db = item.first.first;
        commands.push_back({"SELECT", std::to_string(current_db)});
        order.push_back(nullptr);
      }
      commands.push_back({"GET", item.first.second});
      commands.push_back({"PEXPIRETIME", item.first.second});
      order.push_back(&item);
      order.push_back(&item);
    }
    std::vector<std::string> replies = redis.pipeline(commands);
    for (size_t i = 0; i < replies.size(); ++i) {
      if (order[i] == nullptr) continue;
      const KeyState& expected = order[i]->second;
      const std::string& key = order[i]->first.second;
      if (commands[i][0] == "GET") {
        ASSERT_EQ(replies[i],
                  "$" + std::to_string(expected.value.size()) + "\r\n" + expected.value + "\r\n")
            << "key " << key;
      } else {
        ASSERT_EQ(replies[i], ":" + std::to_string(expected.expire_ms) + "\r\n") << "key " << key;
      }
    }
  }

  Snapshot load_into_amber(const std::string& path, RdbLoadResult* result) {
    PosixFileSystem fs;
    TestDbs dbs;
    Status s = load_rdb_file(fs, path, dbs.dbs(), {.now_ms = wall_now_ms()}, result);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return dbs.snapshot();
  }

  void save_from_amber(const Snapshot& data, const RdbWriteOptions& options) {
    TestDbs dbs;
    for (const auto& [where, state] : data)
      dbs.set(where.first, where.second, state.value, state.expire_ms);
    PosixFileSystem fs;
    ASSERT_TRUE(save_rdb_file(fs, dir_.path(), "amber.rdb", dbs.dbs(), options).ok());
  }

  std::string binary_;
  testing::TempDir dir_;
};

TEST_F(RdbRedisCompat, FileSavedByRedisLoadsIntoAmber) {
  const uint64_t seed = 20240601;
  SCOPED_TRACE("seed " + std::to_string(seed));
  const Snapshot data = make_dataset(seed, 3000, {0, 1, 7, 15});
  auto redis = start("dump.rdb");
  ASSERT_NE(redis, nullptr);
  populate(*redis, data);
  ASSERT_EQ(redis->command({"SAVE"}), "+OK\r\n");
  redis.reset();
  RdbLoadResult result;
  Snapshot loaded = load_into_amber(dir_.file("dump.rdb"), &result);
  EXPECT_TRUE(loaded == data);
  EXPECT_EQ(result.keys_loaded, data.size());
  EXPECT_TRUE(result.checksum_verified);
  ASSERT_FALSE(result.aux.empty());
  EXPECT_EQ(result.aux[0], (std::pair<std::string, std::string>{"redis-ver", "7.0.15"}));
}

TEST_F(RdbRedisCompat, FileSavedByAmberLoadsIntoRedis) {
  const uint64_t seed = 77;
  SCOPED_TRACE("seed " + std::to_string(seed));
  Snapshot data = make_dataset(seed, 3000, {0, 2, 9, 15});
  save_from_amber(data, {.ctime_s = wall_now_ms() / 1000});
  auto redis = start("amber.rdb");
  ASSERT_NE(redis, nullptr);
  expect_redis_holds(*redis, data);
}

TEST_F(RdbRedisCompat, UncompressedUnchecksummedFileLoadsIntoRedis) {
  Snapshot data = make_dataset(5, 500, {0, 3});
  save_from_amber(data, {.compression = false, .checksum = false});
  auto redis = start("amber.rdb");
  ASSERT_NE(redis, nullptr);
  expect_redis_holds(*redis, data);
}

TEST_F(RdbRedisCompat, ExpiredKeysInAmberFileAreDroppedByRedis) {
  Snapshot data = make_dataset(9, 50, {0});
  Snapshot with_expired = data;
  with_expired[{0, "gone"}] = KeyState{"x", 1000};
  save_from_amber(with_expired, {});
  auto redis = start("amber.rdb");
  ASSERT_NE(redis, nullptr);
  expect_redis_holds(*redis, data);
}

TEST_F(RdbRedisCompat, HundredThousandKeysBothWays) {
  const Snapshot data = make_dataset(100000, 100000, {0, 1, 2}, /*max_value_bytes=*/200);
  save_from_amber(data, {});
  auto redis = start("amber.rdb");
  ASSERT_NE(redis, nullptr);
  expect_redis_holds(*redis, data);
  // dbfilename is protected: redis-server saves over the file it loaded.
  ASSERT_EQ(redis->command({"SAVE"}), "+OK\r\n");
  redis.reset();
  RdbLoadResult result;
  EXPECT_TRUE(load_into_amber(dir_.file("amber.rdb"), &result) == data);
  EXPECT_EQ(result.aux[0].second, "7.0.15");
}

// The key section of a one-key file: from SELECTDB to EOF, without the AUX
// fields (ctime, used-mem differ) and the checksum.
std::string amber_key_section(const std::string& key, const std::string& value, int64_t expire_ms) {
  std::string out;
  StringRdbSink sink(&out);
  RdbWriter writer(sink, {});
  EXPECT_TRUE(writer.write_header().ok());
  size_t header_bytes = writer.bytes_written();
  EXPECT_TRUE(writer.begin_db(0, 1, expire_ms == kNoExpire ? 0 : 1).ok());
  EXPECT_TRUE(writer.write_string_key(key, value, expire_ms).ok());
  EXPECT_TRUE(writer.finish().ok());
  return out.substr(header_bytes, out.size() - header_bytes - 8);
}

TEST_F(RdbRedisCompat, StringEncodingsAreByteIdenticalToRedis) {
  std::vector<std::string> values = {"0",
                                     "-1",
                                     "127",
                                     "-128",
                                     "128",
                                     "32767",
                                     "-32769",
                                     "2147483647",
                                     "2147483648",
                                     "-2147483649",
                                     "007",
                                     "-0",
                                     "",
                                     "plain",
                                     std::string(20, 'a'),
                                     std::string(21, 'a'),
                                     std::string(25, 'b') + "cd",
                                     std::string(5000, 'z'),
                                     "abcdefghijklmnopqrstuvwxyz0123456789",
                                     "1.5",
                                     "12345678901234567890"};
  std::string lorem;
  for (int i = 0; i < 40; ++i) lorem += "lorem ipsum dolor sit amet " + std::to_string(i % 7) + " ";
  values.push_back(lorem);
  auto redis = start("enc.rdb");
  ASSERT_NE(redis, nullptr);
  for (const std::string& value : values) {
    for (bool with_ttl : {false, true}) {
      const int64_t expire_ms = with_ttl ? wall_now_ms() + 3'600'000 : kNoExpire;
      ASSERT_EQ(redis->command({"FLUSHALL"}), "+OK\r\n");
      redis->command({"SET", "12", value});  // an integer-like key too
      if (with_ttl) redis->command({"PEXPIREAT", "12", std::to_string(expire_ms)});
      ASSERT_EQ(redis->command({"SAVE"}), "+OK\r\n");
      const std::string file = testing::read_whole_file(dir_.file("enc.rdb"));
      const std::string section = amber_key_section("12", value, expire_ms);
      ASSERT_GT(file.size(), section.size() + 8);
      EXPECT_EQ(file.substr(file.size() - 8 - section.size(), section.size()), section)
          << "value of " << value.size() << " bytes: " << value.substr(0, 40);
    }
  }
}

TEST_F(RdbRedisCompat, RealRedisCollectionsAreRefusedByName) {
  struct Case {
    std::vector<std::string> command;
    std::string type;
  };
  const std::vector<Case> cases = {
      {{"RPUSH", "mylist", "a", "b", "c"}, "list (quicklist2)"},
      {{"SADD", "myset", "1", "2"}, "set (intset)"},
      {{"SADD", "myset", "a", "b"}, "set (hashtable)"},
      {{"HSET", "myhash", "f", "v"}, "hash (listpack)"},
      {{"ZADD", "myzset", "1", "m"}, "zset (listpack)"},
      {{"XADD", "mystream", "*", "f", "v"}, "stream (listpacks2)"},
  };
  auto redis = start("types.rdb");
  ASSERT_NE(redis, nullptr);
  for (const Case& c : cases) {
    ASSERT_EQ(redis->command({"FLUSHALL"}), "+OK\r\n");
    redis->command({"SELECT", "4"});
    redis->command(c.command);
    redis->command({"SELECT", "0"});
    ASSERT_EQ(redis->command({"SAVE"}), "+OK\r\n");
    PosixFileSystem fs;
    TestDbs dbs;
    RdbLoadResult result;
    Status s = load_rdb_file(fs, dir_.file("types.rdb"), dbs.dbs(), {}, &result);
    EXPECT_TRUE(s.is_not_supported()) << s.to_string();
    const std::string expected = "RDB: key '" + c.command[1] + "' (db 4) has type " + c.type +
                                 ", which amber cannot load yet";
    EXPECT_EQ(s.message().rfind(expected, 0), 0u) << s.message();
  }
}

}  // namespace
}  // namespace amber
