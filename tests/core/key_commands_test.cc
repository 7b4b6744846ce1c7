// DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX and OBJECT: replies byte
// for byte as redis-server 7.0 sends them, and the side effects clients can
// observe (keyspace hits and misses, access clock, dirty count, WATCH).
#include <gtest/gtest.h>

#include <string>

#include "core/engine.h"
#include "tests/core/engine_harness.h"
#include "tests/core/key_test_helpers.h"

namespace amber {
namespace {

using namespace std::string_literals;
using keytest::bulk;
using keytest::error;
using keytest::integer;
using keytest::put;
using keytest::put_ttl;

TEST(KeyCommands, DelCountsKeysActuallyDeleted) {
  EngineHarness h;
  put(h, "a", "1");
  put(h, "b", "2");
  EXPECT_EQ(h.run({"del", "a", "b", "c", "a"}), ":2\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);
  EXPECT_EQ(h.engine.stats().dirty, 2u);
}

TEST(KeyCommands, DelTreatsExpiredKeyAsAbsentAndCountsExpiry) {
  EngineHarness h;
  put_ttl(h, "a", "1", 100);
  h.clock.advance_ms(101);
  EXPECT_EQ(h.run({"del", "a"}), ":0\r\n");
  EXPECT_EQ(h.engine.stats().expired_keys, 1u);
  EXPECT_EQ(h.engine.stats().dirty, 0u);
}

TEST(KeyCommands, UnlinkDeletesLikeDel) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"unlink", "a", "zz"}), ":1\r\n");
  EXPECT_EQ(h.engine.db(0).find("a"), nullptr);
}

TEST(KeyCommands, DelWithoutKeysIsAnArityError) {
  EngineHarness h;
  EXPECT_EQ(h.run({"del"}), "-ERR wrong number of arguments for 'del' command\r\n");
  EXPECT_EQ(h.run({"exists"}), "-ERR wrong number of arguments for 'exists' command\r\n");
  EXPECT_EQ(h.run({"type", "a", "b"}), "-ERR wrong number of arguments for 'type' command\r\n");
}

TEST(KeyCommands, DelInvalidatesWatch) {
  EngineHarness h;
  put(h, "k", "v");
  h.run({"watch", "k"});
  h.run({"del", "k"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

TEST(KeyCommands, ExistsCountsEveryMentionAndKeyspaceStats) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"exists", "a", "a", "b"}), ":2\r\n");
  EXPECT_EQ(h.engine.stats().keyspace_hits, 2u);
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
}

TEST(KeyCommands, ExistsSeesExpiredKeyAsAbsent) {
  EngineHarness h;
  put_ttl(h, "a", "1", 10);
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"exists", "a"}), ":0\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);  // lazily deleted
}

TEST(KeyCommands, TypeNamesStringOrNone) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"type", "a"}), "+string\r\n");
  EXPECT_EQ(h.run({"type", "nope"}), "+none\r\n");
}

TEST(KeyCommands, TypeAndExistsLeaveAccessClockAlone) {
  EngineHarness h;
  put(h, "a", "1");
  h.clock.advance_ms(10'000);
  h.run({"type", "a"});
  h.run({"exists", "a"});
  EXPECT_EQ(h.run({"object", "idletime", "a"}), ":10\r\n");
}

TEST(KeyCommands, TouchCountsAndRefreshesAccessClock) {
  EngineHarness h;
  put(h, "a", "1");
  h.clock.advance_ms(10'000);
  EXPECT_EQ(h.run({"touch", "a", "b", "a"}), ":2\r\n");
  EXPECT_EQ(h.run({"object", "idletime", "a"}), ":0\r\n");
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
}

TEST(KeyCommands, RenameMovesValueAndKeepsTtl) {
  EngineHarness h;
  put_ttl(h, "a", "hello", 10'000);
  EXPECT_EQ(h.run({"rename", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).find("a"), nullptr);
  Entry* b = h.engine.db(0).find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->value(), "hello");
  EXPECT_EQ(h.run({"pttl", "b"}), ":10000\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(KeyCommands, RenameOverwritesTargetAndItsTtl) {
  EngineHarness h;
  put(h, "a", "1");
  put_ttl(h, "b", "2", 5'000);
  EXPECT_EQ(h.run({"rename", "a", "b"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).find("b")->value(), "1");
  EXPECT_EQ(h.run({"ttl", "b"}), ":-1\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 1u);
}

TEST(KeyCommands, RenameOfMissingKeyIsAnError) {
  EngineHarness h;
  EXPECT_EQ(h.run({"rename", "a", "b"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.run({"renamenx", "a", "b"}), "-ERR no such key\r\n");
  EXPECT_EQ(h.run({"rename", "a", "a"}), "-ERR no such key\r\n");
}

TEST(KeyCommands, RenameOfExpiredKeyIsAnError) {
  EngineHarness h;
  put_ttl(h, "a", "1", 5);
  h.clock.advance_ms(6);
  EXPECT_EQ(h.run({"rename", "a", "b"}), "-ERR no such key\r\n");
}

TEST(KeyCommands, RenameToItselfChangesNothing) {
  EngineHarness h;
  put_ttl(h, "a", "1", 5'000);
  EXPECT_EQ(h.run({"rename", "a", "a"}), "+OK\r\n");
  EXPECT_EQ(h.run({"renamenx", "a", "a"}), ":0\r\n");
  EXPECT_EQ(h.run({"pttl", "a"}), ":5000\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 0u);
}

TEST(KeyCommands, RenamenxRefusesExistingTarget) {
  EngineHarness h;
  put(h, "a", "1");
  put(h, "b", "2");
  EXPECT_EQ(h.run({"renamenx", "a", "b"}), ":0\r\n");
  EXPECT_EQ(h.engine.db(0).find("b")->value(), "2");
  EXPECT_EQ(h.run({"renamenx", "a", "c"}), ":1\r\n");
  EXPECT_EQ(h.engine.db(0).find("c")->value(), "1");
}

TEST(KeyCommands, RenameTreatsExpiredTargetAsAbsent) {
  EngineHarness h;
  put(h, "a", "1");
  put_ttl(h, "b", "2", 5);
  h.clock.advance_ms(6);
  EXPECT_EQ(h.run({"renamenx", "a", "b"}), ":1\r\n");
}

TEST(KeyCommands, RenameInvalidatesWatchOnBothKeys) {
  EngineHarness h;
  Session other;
  put(h, "a", "1");
  h.run({"watch", "b"});
  h.run(other, {"rename", "a", "b"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

TEST(KeyCommands, KeysAreBinarySafe) {
  EngineHarness h;
  const std::string key = "a\0\r\nb"s;
  put(h, key, "v");
  EXPECT_EQ(h.run({"exists", key}), ":1\r\n");
  EXPECT_EQ(h.run({"rename", key, "x\0y"s}), "+OK\r\n");
  EXPECT_EQ(h.run({"keys", "x*"}), "*1\r\n" + bulk("x\0y"s));
}

// --- OBJECT ---

TEST(ObjectCommand, EncodingFollowsRedisStringRules) {
  EngineHarness h;
  put(h, "i", "12345");
  put(h, "e", "hello");
  put(h, "r", std::string(45, 'x'));
  EXPECT_EQ(h.run({"object", "encoding", "i"}), bulk("int"));
  EXPECT_EQ(h.run({"object", "encoding", "e"}), bulk("embstr"));
  EXPECT_EQ(h.run({"OBJECT", "ENCODING", "r"}), bulk("raw"));
  EXPECT_EQ(h.run({"object", "encoding", "missing"}), "$-1\r\n");
}

TEST(ObjectCommand, MissingKeyIsNullInResp3) {
  EngineHarness h;
  h.session.protocol = 3;
  EXPECT_EQ(h.run({"object", "refcount", "missing"}), "_\r\n");
}

TEST(ObjectCommand, RefcountReportsSharedIntegers) {
  EngineHarness h;
  put(h, "zero", "0");
  put(h, "small", "9999");
  put(h, "big", "10000");
  put(h, "neg", "-1");
  put(h, "str", "abc");
  EXPECT_EQ(h.run({"object", "refcount", "zero"}), ":2147483647\r\n");
  EXPECT_EQ(h.run({"object", "refcount", "small"}), ":2147483647\r\n");
  EXPECT_EQ(h.run({"object", "refcount", "big"}), ":1\r\n");
  EXPECT_EQ(h.run({"object", "refcount", "neg"}), ":1\r\n");
  EXPECT_EQ(h.run({"object", "refcount", "str"}), ":1\r\n");
}

TEST(ObjectCommand, LookupsCountHitsAndMisses) {
  EngineHarness h;
  put(h, "a", "1");
  h.run({"object", "encoding", "a"});
  h.run({"object", "encoding", "b"});
  EXPECT_EQ(h.engine.stats().keyspace_hits, 1u);
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
}

TEST(ObjectCommand, IdletimeCountsSecondsSinceLastAccess) {
  EngineHarness h;
  put(h, "a", "1");
  h.clock.advance_ms(61'500);
  EXPECT_EQ(h.run({"object", "idletime", "a"}), ":61\r\n");
  h.run({"touch", "a"});
  EXPECT_EQ(h.run({"object", "idletime", "a"}), ":0\r\n");
}

TEST(ObjectCommand, IdletimeIsRefusedUnderLfu) {
  EngineOptions options;
  options.lfu_policy = true;
  EngineHarness h(1, options);
  put(h, "a", "1");
  EXPECT_EQ(h.run({"object", "idletime", "a"}),
            error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note "
                  "that when switching between policies at runtime LRU and LFU data will take "
                  "some time to adjust."));
}

TEST(ObjectCommand, FreqIsRefusedWithoutLfu) {
  EngineHarness h;
  put(h, "a", "1");
  EXPECT_EQ(h.run({"object", "freq", "a"}),
            error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                  "Please note that when switching between policies at runtime LRU and LFU data "
                  "will take some time to adjust."));
  EXPECT_EQ(h.run({"object", "freq", "missing"}), "$-1\r\n");
}

TEST(ObjectCommand, FreqDecaysOneStepPerMinute) {
  EngineOptions options;
  options.lfu_policy = true;
  EngineHarness h(1, options);
  Entry* e = put(h, "a", "1");
  const uint32_t now_min = static_cast<uint32_t>(h.clock.now_ms() / 60'000) & 65535;
  e->lru = (now_min << 8) | 5;
  EXPECT_EQ(h.run({"object", "freq", "a"}), ":5\r\n");
  h.clock.advance_ms(3 * 60'000);
  EXPECT_EQ(h.run({"object", "freq", "a"}), ":2\r\n");
  h.clock.advance_ms(10 * 60'000);
  EXPECT_EQ(h.run({"object", "freq", "a"}), ":0\r\n");
}

TEST(ObjectCommand, HelpListsSubcommands) {
  EngineHarness h;
  std::string expected =
      "*15\r\n"
      "+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
      "+ENCODING <key>\r\n"
      "+    Return the kind of internal representation used in order to store the value\r\n"
      "+    associated with a <key>.\r\n"
      "+FREQ <key>\r\n"
      "+    Return the access frequency index of the <key>. The returned integer is\r\n"
      "+    proportional to the logarithm of the recent access frequency of the key.\r\n"
      "+IDLETIME <key>\r\n"
      "+    Return the idle time of the <key>, that is the approximated number of\r\n"
      "+    seconds elapsed since the last access to the key.\r\n"
      "+REFCOUNT <key>\r\n"
      "+    Return the number of references of the value associated with the specified\r\n"
      "+    <key>.\r\n"
      "+HELP\r\n"
      "+    Prints this help.\r\n";
  EXPECT_EQ(h.run({"object", "help"}), expected);
  EXPECT_EQ(h.run({"object", "HELP"}), expected);
}

TEST(ObjectCommand, ArityAndUnknownSubcommandErrors) {
  EngineHarness h;
  EXPECT_EQ(h.run({"object"}), "-ERR wrong number of arguments for 'object' command\r\n");
  EXPECT_EQ(h.run({"object", "encoding"}),
            "-ERR wrong number of arguments for 'object|encoding' command\r\n");
  EXPECT_EQ(h.run({"object", "help", "x"}),
            "-ERR wrong number of arguments for 'object|help' command\r\n");
  EXPECT_EQ(h.run({"object", "foo", "a"}), "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
}

}  // namespace
}  // namespace amber
