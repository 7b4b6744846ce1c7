// DEBUG and MEMORY: digests equal to the ones redis-server 7.0.15 computed
// for the same data, DEBUG OBJECT's serialized lengths, POPULATE's key and
// value shapes, DEBUG PROTOCOL in both protocols, and the MEMORY replies.
#include "server/debug_command.h"

#include <gtest/gtest.h>

#include <regex>

#include "server/memory_command.h"
#include "server/sha1.h"
#include "tests/core/engine_harness.h"

namespace amber {
namespace {

constexpr int64_t kYear2100Ms = 4102444800000;

class DebugCommandTest : public ::testing::Test {
 protected:
  DebugCommandTest() {
    hooks.sleep_us = [this](int64_t us) { slept_us += us; };
    hooks.change_repl_id = [this] { ++repl_id_changes; };
    hooks.extra.push_back({"reload",
                           2,
                           -1,
                           [](CommandContext& ctx) { ctx.reply.simple("RELOADED"); },
                           {"RELOAD [option ...]", "    Save and reload."}});
    register_debug_command(h.engine, hooks);
    register_memory_command(h.engine);
  }
  void put(int db, std::string_view key, std::string_view value) {
    h.engine.db(db).insert(key, value, encoding_for_new_string(value));
  }
  std::string run3(std::initializer_list<std::string_view> argv) {
    Session s;
    s.protocol = 3;
    return h.run(s, argv);
  }
  // The dataset whose digest real redis-server 7.0.15 reported.
  void load_reference_dataset() {
    put(0, "foo", "bar");
    put(0, "n", "12345");
    put(0, "big", std::string(100, 'x'));
    put(0, "e", "val");
    h.engine.db(0).set_expire(h.engine.db(0).find("e"), kYear2100Ms);
    put(1, "k1", "v1");
  }

  EngineHarness h;
  DebugHooks hooks;
  int64_t slept_us = 0;
  int repl_id_changes = 0;
};

TEST(Sha1, MatchesFipsVectors) {
  EXPECT_EQ(digest_hex(Sha1::of("abc", 3)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(digest_hex(Sha1::of("", 0)), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(digest_hex(Sha1::of(two_blocks.data(), two_blocks.size())),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  Sha1 pieces;
  for (char c : two_blocks) pieces.update(&c, 1);
  EXPECT_EQ(digest_hex(pieces.finish()), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST_F(DebugCommandTest, DigestOfEmptyKeyspaceIsZeros) {
  EXPECT_EQ(h.run({"DEBUG", "DIGEST"}), "+0000000000000000000000000000000000000000\r\n");
}

TEST_F(DebugCommandTest, DigestEqualsRedisForTheSameDataset) {
  load_reference_dataset();
  EXPECT_EQ(h.run({"DEBUG", "DIGEST"}), "+d0d88fa70eae9e6600cfa44424da41488c26cb24\r\n");
}

TEST_F(DebugCommandTest, DigestValueEqualsRedisPerKey) {
  load_reference_dataset();
  EXPECT_EQ(
      h.run({"DEBUG", "DIGEST-VALUE", "foo", "n", "e", "missing"}),
      "*4\r\n+68467c70ae30376e7ce005bcc8827f5ba7fd67dc\r\n+"
      "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83\r\n"
      "+ac04a84d3fcd16162a871280160dabf4ef51f46f\r\n+0000000000000000000000000000000000000000\r\n");
  EXPECT_EQ(h.run({"DEBUG", "DIGEST-VALUE"}), "*0\r\n");
}

TEST_F(DebugCommandTest, DigestChangesWithTheDatabaseIndex) {
  put(0, "k1", "v1");
  std::string in_db0 = h.run({"DEBUG", "DIGEST"});
  h.engine.db(0).erase("k1");
  put(1, "k1", "v1");
  EXPECT_NE(h.run({"DEBUG", "DIGEST"}), in_db0);
}

// serializedlength values as redis-server 7.0.15 printed them.
TEST_F(DebugCommandTest, ObjectReportsRedisSerializedLength) {
  struct Case {
    std::string value;
    std::string encoding;
    int length;
    std::string refcount;
  };
  std::vector<Case> cases = {
      {"bar", "embstr", 4, "1"},
      {"12345", "int", 3, "1"},
      {"100000", "int", 5, "1"},
      {"5", "int", 2, "2147483647"},
      {"-5", "int", 2, "1"},
      {"12345678901234567", "int", 18, "1"},
      {"abcdefghijkl", "embstr", 13, "1"},
      {"  12", "embstr", 5, "1"},
      {std::string(100, 'x'), "raw", 13, "1"},
      {"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "raw", 63, "1"}};
  for (const Case& c : cases) {
    h.engine.db(0).erase("k");
    put(0, "k", c.value);
    std::string reply = h.run({"DEBUG", "OBJECT", "k"});
    std::regex line("\\+Value at:0x[0-9a-f]+ refcount:" + c.refcount + " encoding:" + c.encoding +
                    " serializedlength:" + std::to_string(c.length) +
                    " lru:\\d+ lru_seconds_idle:\\d+\r\n");
    EXPECT_TRUE(std::regex_match(reply, line)) << c.value << ": " << reply;
  }
  EXPECT_EQ(h.run({"DEBUG", "OBJECT", "nokey"}), "-ERR no such key\r\n");
}

TEST_F(DebugCommandTest, ObjectIdleTimeFollowsTheClock) {
  put(0, "k", "v");
  h.engine.db(0).find("k")->lru = static_cast<uint32_t>((h.clock.now_ms() / 1000) & 0xffffff);
  h.clock.advance_ms(7000);
  EXPECT_NE(h.run({"DEBUG", "OBJECT", "k"}).find("lru_seconds_idle:7\r\n"), std::string::npos);
}

TEST_F(DebugCommandTest, PopulateCreatesRedisKeysAndValues) {
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "3"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 3u);
  EXPECT_EQ(h.engine.db(0).find("key:2")->value(), "value:2");
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "2", "p", "12"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).find("p:1")->value(), std::string_view("value:1\0\0\0\0\0", 12));
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "2", "q", "3"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).find("q:0")->value(), "val");
}

TEST_F(DebugCommandTest, PopulateLeavesExistingKeysAlone) {
  put(0, "key:1", "mine");
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "3"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).find("key:1")->value(), "mine");
  EXPECT_EQ(h.engine.db(0).size(), 3u);
}

TEST_F(DebugCommandTest, PopulateRejectsBadArguments) {
  const std::string positive = "-ERR value is out of range, must be positive\r\n";
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "-1"}), positive);
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "x"}), positive);
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "1", "a", "-3"}), positive);
  EXPECT_EQ(
      h.run({"DEBUG", "POPULATE", "1", "a", "b", "c"}),
      "-ERR unknown subcommand or wrong number of arguments for 'POPULATE'. Try DEBUG HELP.\r\n");
}

TEST_F(DebugCommandTest, PopulateFillsManyKeysQuickly) {
  EXPECT_EQ(h.run({"DEBUG", "POPULATE", "200000"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 200000u);
  EXPECT_EQ(h.engine.db(0).find("key:199999")->value(), "value:199999");
}

TEST_F(DebugCommandTest, ProtocolRepliesMatchRedisInResp2) {
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "string"}), "$11\r\nHello World\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "integer"}), ":12345\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "double"}), "$5\r\n3.141\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "bignum"}),
            "$37\r\n1234567999999999999999999999999999999\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "null"}), "$-1\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "array"}), "*3\r\n:0\r\n:1\r\n:2\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "set"}), "*3\r\n:0\r\n:1\r\n:2\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "map"}), "*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "attrib"}),
            "$39\r\nSome real reply following the attribute\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "push"}),
            "-ERR RESP2 is not supported by this command\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "verbatim"}), "$25\r\nThis is a verbatim\nstring\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "true"}), ":1\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "FALSE"}), ":0\r\n");
  EXPECT_EQ(h.run({"DEBUG", "PROTOCOL", "xx"}),
            "-ERR Wrong protocol type name. Please use one of the following: "
            "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false\r\n");
}

TEST_F(DebugCommandTest, ProtocolRepliesMatchRedisInResp3) {
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "double"}), ",3.141\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "bignum"}), "(1234567999999999999999999999999999999\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "null"}), "_\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "set"}), "~3\r\n:0\r\n:1\r\n:2\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "map"}), "%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "attrib"}),
            "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
            "$39\r\nSome real reply following the attribute\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "push"}),
            ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push "
            "reply\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "verbatim"}), "=29\r\ntxt:This is a verbatim\nstring\r\n");
  EXPECT_EQ(run3({"DEBUG", "PROTOCOL", "true"}), "#t\r\n");
}

TEST_F(DebugCommandTest, UnknownSubcommandOrArityGetsRedisError) {
  EXPECT_EQ(
      h.run({"DEBUG", "NOSUCH"}),
      "-ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.\r\n");
  EXPECT_EQ(
      h.run({"debug", "digest", "x"}),
      "-ERR unknown subcommand or wrong number of arguments for 'digest'. Try DEBUG HELP.\r\n");
  EXPECT_EQ(h.run({"DEBUG"}), "-ERR wrong number of arguments for 'debug' command\r\n");
}

TEST_F(DebugCommandTest, SleepSetActiveExpireAndChangeReplIdUseTheirHooks) {
  EXPECT_EQ(h.run({"DEBUG", "SLEEP", "0.25"}), "+OK\r\n");
  EXPECT_EQ(slept_us, 250000);
  EXPECT_EQ(h.run({"DEBUG", "SET-ACTIVE-EXPIRE", "0"}), "+OK\r\n");
  EXPECT_FALSE(h.engine.options().active_expire);
  EXPECT_EQ(h.run({"DEBUG", "SET-ACTIVE-EXPIRE", "1"}), "+OK\r\n");
  EXPECT_TRUE(h.engine.options().active_expire);
  EXPECT_EQ(h.run({"DEBUG", "CHANGE-REPL-ID"}), "+OK\r\n");
  EXPECT_EQ(repl_id_changes, 1);
}

TEST_F(DebugCommandTest, ErrorRepliesWithTheGivenText) {
  EXPECT_EQ(h.run({"DEBUG", "ERROR", "MYERR some\ntext"}), "-MYERR some text\r\n");
}

TEST_F(DebugCommandTest, HostSubcommandsRunAndAppearInHelp) {
  EXPECT_EQ(h.run({"DEBUG", "RELOAD", "NOSAVE"}), "+RELOADED\r\n");
  std::string help = h.run({"DEBUG", "HELP"});
  EXPECT_EQ(
      help.rfind("*34\r\n+DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0),
      0u)
      << help;
  EXPECT_NE(help.find("+RELOAD [option ...]\r\n"), std::string::npos);
}

TEST_F(DebugCommandTest, MemoryUsageCountsTheEntry) {
  put(0, "foo", "bar");
  std::string reply = h.run({"MEMORY", "USAGE", "foo"});
  ASSERT_EQ(reply[0], ':');
  EXPECT_GE(std::stoll(reply.substr(1)), 32 + 3 + 3);
  EXPECT_EQ(h.run({"MEMORY", "USAGE", "foo", "SAMPLES", "0"}), reply);
  EXPECT_EQ(h.run({"MEMORY", "USAGE", "nokey"}), "$-1\r\n");
  EXPECT_EQ(h.run({"MEMORY", "USAGE", "foo", "SAMPLES", "-1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.run({"MEMORY", "USAGE", "foo", "SAMPLES", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(h.run({"MEMORY", "USAGE", "foo", "x"}), "-ERR syntax error\r\n");
}

TEST_F(DebugCommandTest, MemoryContainerRepliesLikeRedis) {
  EXPECT_EQ(h.run({"MEMORY"}), "-ERR wrong number of arguments for 'memory' command\r\n");
  EXPECT_EQ(h.run({"MEMORY", "NOSUCH"}), "-ERR unknown subcommand 'NOSUCH'. Try MEMORY HELP.\r\n");
  EXPECT_EQ(h.run({"MEMORY", "HELP", "x"}),
            "-ERR wrong number of arguments for 'memory|help' command\r\n");
  EXPECT_EQ(h.run({"MEMORY", "PURGE"}), "+OK\r\n");
  EXPECT_EQ(h.run({"MEMORY", "MALLOC-STATS"}),
            "$45\r\nStats not supported for the current allocator\r\n");
  EXPECT_EQ(h.run({"MEMORY", "HELP"}).rfind("*14\r\n+MEMORY <subcommand>", 0), 0u);
  EXPECT_EQ(h.run({"MEMORY", "DOCTOR"}).rfind("$", 0), 0u);
}

TEST_F(DebugCommandTest, MemoryStatsHasRedisFieldsAndOneEntryPerNonEmptyDb) {
  put(0, "a", "1");
  put(3, "b", "2");
  std::string stats = run3({"MEMORY", "STATS"});
  EXPECT_EQ(stats.rfind("%29\r\n$14\r\npeak.allocated\r\n:", 0), 0u) << stats.substr(0, 60);
  EXPECT_NE(stats.find("$4\r\ndb.0\r\n%3\r\n$23\r\noverhead.hashtable.main\r\n"),
            std::string::npos);
  EXPECT_NE(stats.find("$4\r\ndb.3\r\n"), std::string::npos);
  EXPECT_NE(stats.find("$10\r\nkeys.count\r\n:2\r\n"), std::string::npos);
  EXPECT_NE(stats.find("$19\r\nfragmentation.bytes\r\n:"), std::string::npos);
}

// NVM mode's tag word before each entry counts in the per-db overhead.
TEST_F(DebugCommandTest, MemoryStatsCountsTheTagWordOfTaggedEntries) {
  put(0, "a", "1");
  put(0, "b", "2");
  auto main_overhead = [this] {
    const std::string stats = run3({"MEMORY", "STATS"});
    const std::string field = "$23\r\noverhead.hashtable.main\r\n:";
    const size_t at = stats.find(field);
    EXPECT_NE(at, std::string::npos);
    return std::stoll(stats.substr(at + field.size()));
  };
  const long long untagged = main_overhead();
  h.engine.db(0).set_tag_entries(true);
  EXPECT_EQ(main_overhead() - untagged, 2 * 8);
}

}  // namespace
}  // namespace amber
