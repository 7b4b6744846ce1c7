// GET, SET and its variants, GETSET, GETDEL, GETEX, MGET, MSET, MSETNX:
// replies byte for byte as redis-server 7.0.15 sends them (checked against
// the real server), and their effect on TTLs, encodings, dirty and stats.
#include <gtest/gtest.h>

#include "tests/core/engine_harness.h"
#include "tests/core/string_test_util.h"

namespace amber {
namespace {

TEST(Get, MissingKeyIsNullInBothProtocols) {
  EngineHarness h;
  EXPECT_EQ(h.run({"get", "k"}), "$-1\r\n");
  h.session.protocol = 3;
  EXPECT_EQ(h.run({"get", "k"}), "_\r\n");
}

TEST(Get, CountsHitsAndMisses) {
  EngineHarness h;
  h.run({"get", "k"});
  h.run({"set", "k", "v"});
  h.run({"get", "k"});
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
  EXPECT_EQ(h.engine.stats().keyspace_hits, 1u);
}

TEST(Get, WrongTypeIsAnError) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"get", "l"}), kWrongTypeReply);
}

TEST(Set, StoresValueAndRepliesOk) {
  EngineHarness h;
  EXPECT_EQ(h.run({"set", "k", "hello"}), "+OK\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$5\r\nhello\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(Set, ChoosesEncodingLikeRedis) {
  EngineHarness h;
  h.run({"set", "i", "-123"});
  h.run({"set", "z", "-0"});
  h.run({"set", "e", std::string(44, 'a')});
  h.run({"set", "r", std::string(45, 'a')});
  EXPECT_EQ(encoding_of(h, "i"), Encoding::kInt);
  EXPECT_EQ(encoding_of(h, "z"), Encoding::kEmbstr);
  EXPECT_EQ(encoding_of(h, "e"), Encoding::kEmbstr);
  EXPECT_EQ(encoding_of(h, "r"), Encoding::kRaw);
}

TEST(Set, NxAndXxDecideWhetherToWrite) {
  EngineHarness h;
  EXPECT_EQ(h.run({"set", "k", "v", "xx"}), "$-1\r\n");
  EXPECT_EQ(h.run({"set", "k", "v", "NX"}), "+OK\r\n");
  EXPECT_EQ(h.run({"set", "k", "w", "nx"}), "$-1\r\n");
  EXPECT_EQ(h.run({"set", "k", "w", "xx"}), "+OK\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$1\r\nw\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 2u);
}

TEST(Set, SyntaxErrors) {
  EngineHarness h;
  for (auto args :
       std::vector<std::vector<std::string_view>>{{"set", "k", "v", "nx", "xx"},
                                                  {"set", "k", "v", "ex", "1", "px", "1"},
                                                  {"set", "k", "v", "keepttl", "ex", "1"},
                                                  {"set", "k", "v", "ex"},
                                                  {"set", "k", "v", "persist"},
                                                  {"set", "k", "v", "foo"},
                                                  {"set", "k", "v", "ex", "0", "foo"}}) {
    EXPECT_EQ(h.run_vector(h.session, args), kSyntaxReply) << args[3];
  }
  EXPECT_EQ(find_key(h, "k"), nullptr);
}

TEST(Set, InvalidExpireTimes) {
  EngineHarness h;
  const std::string invalid = "-ERR invalid expire time in 'set' command\r\n";
  EXPECT_EQ(h.run({"set", "k", "v", "ex", "0"}), invalid);
  EXPECT_EQ(h.run({"set", "k", "v", "px", "-1"}), invalid);
  EXPECT_EQ(h.run({"set", "k", "v", "exat", "0"}), invalid);
  // Seconds that overflow once turned into ms, or once added to now.
  EXPECT_EQ(h.run({"set", "k", "v", "ex", "9223372036854776"}), invalid);
  EXPECT_EQ(h.run({"set", "k", "v", "ex", "9223372036854775"}), invalid);
  EXPECT_EQ(h.run({"set", "k", "v", "px", "9223372036854775807"}), invalid);
  EXPECT_EQ(h.run({"set", "k", "v", "ex", "abc"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"set", "k", "v", "ex", "+1"}), kNotIntegerReply);
  EXPECT_EQ(find_key(h, "k"), nullptr);
  EXPECT_EQ(h.run({"set", "k", "v", "pxat", "9223372036854775807"}), "+OK\r\n");
}

TEST(Set, ExpireOptionsSetAbsoluteTimes) {
  EngineHarness h;
  int64_t now = h.clock.now_ms();
  h.run({"set", "a", "v", "ex", "10"});
  h.run({"set", "b", "v", "px", "10"});
  h.run({"set", "c", "v", "exat", "2000000000"});
  h.run({"set", "d", "v", "pxat", "2000000000123"});
  EXPECT_EQ(find_key(h, "a")->expire_ms, now + 10000);
  EXPECT_EQ(find_key(h, "b")->expire_ms, now + 10);
  EXPECT_EQ(find_key(h, "c")->expire_ms, 2000000000000);
  EXPECT_EQ(find_key(h, "d")->expire_ms, 2000000000123);
}

TEST(Set, WithoutKeepTtlClearsTtl) {
  EngineHarness h;
  h.run({"set", "k", "v", "ex", "100"});
  h.run({"set", "k", "w"});
  EXPECT_FALSE(find_key(h, "k")->has_expire());
  EXPECT_EQ(h.engine.db(0).volatile_count(), 0u);
}

TEST(Set, KeepTtlKeepsTtl) {
  EngineHarness h;
  h.run({"set", "k", "v", "px", "5000"});
  int64_t expire = find_key(h, "k")->expire_ms;
  EXPECT_EQ(h.run({"set", "k", "w", "keepttl"}), "+OK\r\n");
  EXPECT_EQ(find_key(h, "k")->expire_ms, expire);
}

TEST(Set, KeyExpiresWhenItsTimeHasPassed) {
  EngineHarness h;
  h.run({"set", "k", "v", "px", "100"});
  h.clock.advance_ms(100);
  EXPECT_EQ(h.run({"get", "k"}), "$1\r\nv\r\n");
  h.clock.advance_ms(1);
  EXPECT_EQ(h.run({"get", "k"}), "$-1\r\n");
  EXPECT_EQ(h.engine.stats().expired_keys, 1u);
}

TEST(Set, AbsoluteExpireInThePastStoresKeyThatExpiresOnAccess) {
  // Redis 7.0 stores the key with the past expire time (no DEL at once).
  EngineHarness h;
  EXPECT_EQ(h.run({"set", "k", "v", "pxat", "1"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 1u);
  EXPECT_EQ(h.engine.stats().dirty, 1u);
  EXPECT_EQ(h.run({"get", "k"}), "$-1\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);
  EXPECT_EQ(h.engine.stats().expired_keys, 1u);
}

TEST(Set, GetRepliesOldValue) {
  EngineHarness h;
  EXPECT_EQ(h.run({"set", "k", "v", "get"}), "$-1\r\n");
  EXPECT_EQ(h.run({"set", "k", "w", "GET"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$1\r\nw\r\n");
}

TEST(Set, GetWithNxOrXxRepliesOldValueEvenWhenNotWriting) {
  EngineHarness h;
  h.run({"set", "k", "v"});
  EXPECT_EQ(h.run({"set", "k", "w", "nx", "get"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.run({"set", "k2", "w", "xx", "get"}), "$-1\r\n");
  EXPECT_EQ(find_key(h, "k2"), nullptr);
}

TEST(Set, GetOnNonStringIsWrongTypeAndWritesNothing) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"set", "l", "v", "get"}), kWrongTypeReply);
  EXPECT_NE(find_key(h, "l")->value_type(), ValueType::kString);
  EXPECT_EQ(h.engine.stats().dirty, 0u);
}

TEST(Set, ExpireErrorComesBeforeWrongType) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"set", "l", "v", "get", "ex", "0"}),
            "-ERR invalid expire time in 'set' command\r\n");
}

TEST(Set, OverwritesValueOfAnotherType) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"set", "l", "v"}), "+OK\r\n");
  EXPECT_EQ(h.run({"get", "l"}), "$1\r\nv\r\n");
}

TEST(Set, InvalidatesWatch) {
  EngineHarness h;
  h.run({"watch", "k"});
  h.run({"set", "k", "v"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

TEST(Setnx, RepliesOneOrZero) {
  EngineHarness h;
  EXPECT_EQ(h.run({"setnx", "k", "v"}), ":1\r\n");
  EXPECT_EQ(h.run({"setnx", "k", "w"}), ":0\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(Setex, SetsValueWithTtl) {
  EngineHarness h;
  int64_t now = h.clock.now_ms();
  EXPECT_EQ(h.run({"setex", "k", "10", "v"}), "+OK\r\n");
  EXPECT_EQ(find_key(h, "k")->expire_ms, now + 10000);
  EXPECT_EQ(h.run({"psetex", "p", "10", "v"}), "+OK\r\n");
  EXPECT_EQ(find_key(h, "p")->expire_ms, now + 10);
}

TEST(Setex, ErrorsNameTheCommand) {
  EngineHarness h;
  EXPECT_EQ(h.run({"setex", "k", "0", "v"}), "-ERR invalid expire time in 'setex' command\r\n");
  EXPECT_EQ(h.run({"psetex", "k", "-5", "v"}), "-ERR invalid expire time in 'psetex' command\r\n");
  EXPECT_EQ(h.run({"setex", "k", "x", "v"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"setex", "k", "1"}), "-ERR wrong number of arguments for 'setex' command\r\n");
}

TEST(Getset, RepliesOldValueAndClearsTtl) {
  EngineHarness h;
  EXPECT_EQ(h.run({"getset", "k", "a"}), "$-1\r\n");
  h.run({"set", "k", "v", "ex", "100"});
  EXPECT_EQ(h.run({"getset", "k", "42"}), "$1\r\nv\r\n");
  EXPECT_FALSE(find_key(h, "k")->has_expire());
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kInt);
  EXPECT_EQ(h.engine.stats().dirty, 3u);
}

TEST(Getset, WrongTypeWritesNothing) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"getset", "l", "v"}), kWrongTypeReply);
  EXPECT_EQ(h.engine.stats().dirty, 0u);
}

TEST(Getdel, RepliesValueAndDeletes) {
  EngineHarness h;
  h.run({"set", "k", "v"});
  EXPECT_EQ(h.run({"getdel", "k"}), "$1\r\nv\r\n");
  EXPECT_EQ(find_key(h, "k"), nullptr);
  EXPECT_EQ(h.run({"getdel", "k"}), "$-1\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 2u);
}

TEST(Getdel, WrongTypeKeepsKey) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"getdel", "l"}), kWrongTypeReply);
  EXPECT_NE(find_key(h, "l"), nullptr);
}

TEST(Getex, WithoutOptionsIsGet) {
  EngineHarness h;
  h.run({"set", "k", "v", "ex", "100"});
  uint64_t dirty = h.engine.stats().dirty;
  EXPECT_EQ(h.run({"getex", "k"}), "$1\r\nv\r\n");
  EXPECT_TRUE(find_key(h, "k")->has_expire());
  EXPECT_EQ(h.engine.stats().dirty, dirty);
  EXPECT_EQ(h.run({"getex", "nokey"}), "$-1\r\n");
}

TEST(Getex, SetsTtl) {
  EngineHarness h;
  int64_t now = h.clock.now_ms();
  h.run({"set", "k", "v"});
  EXPECT_EQ(h.run({"getex", "k", "ex", "100", "EX", "200"}), "$1\r\nv\r\n");
  EXPECT_EQ(find_key(h, "k")->expire_ms, now + 200000);
  EXPECT_EQ(h.run({"getex", "k", "pxat", "2000000000000"}), "$1\r\nv\r\n");
  EXPECT_EQ(find_key(h, "k")->expire_ms, 2000000000000);
  EXPECT_EQ(h.engine.stats().dirty, 3u);
}

TEST(Getex, PersistRemovesTtlOnlyWhenThereIsOne) {
  EngineHarness h;
  h.run({"set", "k", "v", "ex", "100"});
  EXPECT_EQ(h.run({"getex", "k", "persist"}), "$1\r\nv\r\n");
  EXPECT_FALSE(find_key(h, "k")->has_expire());
  EXPECT_EQ(h.engine.stats().dirty, 2u);
  h.run({"watch", "k"});
  EXPECT_EQ(h.run({"getex", "k", "persist"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 2u);
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*0\r\n");  // the watch was not touched
}

TEST(Getex, AbsoluteTimeInThePastDeletesKeyAtOnce) {
  EngineHarness h;
  h.run({"set", "k", "v"});
  EXPECT_EQ(h.run({"getex", "k", "exat", "1"}), "$1\r\nv\r\n");
  EXPECT_EQ(find_key(h, "k"), nullptr);
  EXPECT_EQ(h.engine.stats().expired_keys, 0u);
  EXPECT_EQ(h.engine.stats().dirty, 2u);
  h.run({"set", "k", "v"});
  std::string now = std::to_string(h.clock.now_ms());
  EXPECT_EQ(h.run({"getex", "k", "pxat", now}), "$1\r\nv\r\n");
  EXPECT_EQ(find_key(h, "k"), nullptr);
}

TEST(Getex, ErrorsInRedisOrder) {
  EngineHarness h;
  h.run({"set", "k", "v"});
  EXPECT_EQ(h.run({"getex", "k", "persist", "ex", "1"}), kSyntaxReply);
  EXPECT_EQ(h.run({"getex", "k", "nx"}), kSyntaxReply);
  EXPECT_EQ(h.run({"getex", "k", "keepttl"}), kSyntaxReply);
  EXPECT_EQ(h.run({"getex", "k", "ex"}), kSyntaxReply);
  EXPECT_EQ(h.run({"getex", "k", "ex", "0"}), "-ERR invalid expire time in 'getex' command\r\n");
  EXPECT_EQ(h.run({"getex", "k", "ex", "abc"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"getex", "k", "exat", "9223372036854776"}),
            "-ERR invalid expire time in 'getex' command\r\n");
  // The expire value is checked only once the key is found to be a string.
  EXPECT_EQ(h.run({"getex", "nokey", "ex", "0"}), "$-1\r\n");
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"getex", "l", "ex", "0"}), kWrongTypeReply);
}

TEST(Mget, RepliesNullForMissingAndNonStrings) {
  EngineHarness h;
  h.run({"set", "a", "1"});
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"mget", "a", "l", "nokey", "a"}), "*4\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$1\r\n1\r\n");
  EXPECT_EQ(h.engine.stats().keyspace_hits, 3u);
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
}

TEST(Mset, SetsAllPairsLastOneWins) {
  EngineHarness h;
  h.run({"set", "a", "old", "ex", "100"});
  uint64_t dirty = h.engine.stats().dirty;
  EXPECT_EQ(h.run({"mset", "a", "1", "b", "2", "a", "3"}), "+OK\r\n");
  EXPECT_EQ(h.run({"mget", "a", "b"}), "*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
  EXPECT_FALSE(find_key(h, "a")->has_expire());
  EXPECT_EQ(h.engine.stats().dirty, dirty + 3);
}

TEST(Mset, OddArgumentCountIsArityError) {
  EngineHarness h;
  EXPECT_EQ(h.run({"mset", "a"}), "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(h.run({"mset", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'mset' command\r\n");
  EXPECT_EQ(h.run({"msetnx", "a", "1", "b"}),
            "-ERR wrong number of arguments for 'msetnx' command\r\n");
  EXPECT_EQ(find_key(h, "a"), nullptr);
}

TEST(Msetnx, WritesNothingIfAnyKeyExists) {
  EngineHarness h;
  h.run({"set", "a", "1"});
  EXPECT_EQ(h.run({"msetnx", "c", "1", "a", "2"}), ":0\r\n");
  EXPECT_EQ(find_key(h, "c"), nullptr);
  EXPECT_EQ(h.run({"msetnx", "c", "1", "d", "2"}), ":1\r\n");
  EXPECT_EQ(h.run({"mget", "a", "c", "d"}), "*3\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 3u);
}

TEST(Msetnx, ExpiredKeyCountsAsAbsent) {
  EngineHarness h;
  h.run({"set", "a", "1", "px", "10"});
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"msetnx", "a", "2"}), ":1\r\n");
  EXPECT_EQ(h.run({"get", "a"}), "$1\r\n2\r\n");
}

TEST(StringSpecs, MatchRedisCommandInfo) {
  EngineHarness h;
  const CommandSpec* set = h.engine.find_command("set");
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->arity, -3);
  EXPECT_EQ(set->flags, kCmdWrite | kCmdDenyOom);
  const CommandSpec* mset = h.engine.find_command("MSET");
  ASSERT_NE(mset, nullptr);
  EXPECT_EQ(mset->first_key, 1);
  EXPECT_EQ(mset->last_key, -1);
  EXPECT_EQ(mset->key_step, 2);
  const CommandSpec* get = h.engine.find_command("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->flags, kCmdReadonly | kCmdFast);
  EXPECT_EQ(get->last_key, 1);
  const CommandSpec* getdel = h.engine.find_command("getdel");
  ASSERT_NE(getdel, nullptr);
  EXPECT_EQ(getdel->flags, kCmdWrite | kCmdFast);
  const CommandSpec* substr = h.engine.find_command("substr");
  ASSERT_NE(substr, nullptr);
  EXPECT_EQ(substr->arity, 4);
  EXPECT_EQ(substr->flags, kCmdReadonly);
}

}  // namespace
}  // namespace amber
