// COMMAND and its metadata tables: replies byte-compared with what
// redis-server 7.0.15 sent for the same request (saved under data/), and a
// cross-check that every command the engine registers has Redis's arity and
// key range, which catches a wrong registration anywhere in the tree.
#include "server/command_docs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/core/engine_harness.h"

namespace amber {
namespace {

std::string read_data(const std::string& name) {
  std::filesystem::path path = std::filesystem::path(__FILE__).parent_path() / "data" / name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CommandDocsTest : public ::testing::Test {
 protected:
  CommandDocsTest() { register_command_command(h.engine); }
  std::string run3(std::initializer_list<std::string_view> argv) {
    Session s;
    s.protocol = 3;
    return h.run(s, argv);
  }
  EngineHarness h;
};

TEST_F(CommandDocsTest, InfoForGetAndSetMatchesRedisResp2) {
  EXPECT_EQ(h.run({"COMMAND", "INFO", "get", "set"}), read_data("command_info_get_set.resp2"));
}

TEST_F(CommandDocsTest, InfoForGetAndSetMatchesRedisResp3) {
  EXPECT_EQ(run3({"COMMAND", "INFO", "get", "set"}), read_data("command_info_get_set.resp3"));
}

TEST_F(CommandDocsTest, DocsForGetAndSetMatchesRedisResp2) {
  EXPECT_EQ(h.run({"COMMAND", "DOCS", "get", "set"}), read_data("command_docs_get_set.resp2"));
}

TEST_F(CommandDocsTest, DocsForGetAndSetMatchesRedisResp3) {
  EXPECT_EQ(run3({"COMMAND", "DOCS", "get", "set"}), read_data("command_docs_get_set.resp3"));
}

// Every command the engine runs must have Redis 7.0's arity and legacy key
// range; a mismatch means the registration (not this table) is wrong.
TEST_F(CommandDocsTest, EveryEngineCommandHasRedisArityAndKeyRange) {
  std::vector<const CommandSpec*> specs;
  for (const CommandSpec* spec : h.engine.all_commands()) {
    specs.push_back(spec);
    for (const CommandSpec& sub : spec->subcommands) specs.push_back(&sub);
  }
  ASSERT_FALSE(specs.empty());
  for (const CommandSpec* spec : specs) {
    const command_docs::CommandDoc* doc = command_docs::find(spec->name);
    ASSERT_NE(doc, nullptr) << spec->name << " is not a Redis 7.0 command";
    EXPECT_EQ(spec->arity, doc->arity) << spec->name;
    if (spec->subcommands.empty()) {
      EXPECT_EQ(spec->first_key, doc->first_key) << spec->name;
      EXPECT_EQ(spec->last_key, doc->last_key) << spec->name;
      EXPECT_EQ(spec->key_step, doc->key_step) << spec->name;
    }
  }
}

TEST_F(CommandDocsTest, InfoOfUnknownNamesIsNullEntry) {
  std::string reply = h.run({"COMMAND", "INFO", "nosuch", "get|x", "command|nosuch"});
  EXPECT_EQ(reply, "*3\r\n$-1\r\n$-1\r\n$-1\r\n");
  EXPECT_EQ(run3({"COMMAND", "INFO", "nosuch"}), "*1\r\n_\r\n");
}

TEST_F(CommandDocsTest, InfoFindsSubcommandByFullName) {
  std::string reply = h.run({"COMMAND", "INFO", "COMMAND|count"});
  EXPECT_EQ(reply.rfind("*1\r\n*10\r\n$13\r\ncommand|count\r\n:2\r\n", 0), 0u) << reply;
}

TEST_F(CommandDocsTest, DocsSkipsUnknownNames) {
  EXPECT_EQ(h.run({"COMMAND", "DOCS", "nosuch"}), "*0\r\n");
  EXPECT_EQ(run3({"COMMAND", "DOCS", "nosuch"}), "%0\r\n");
}

TEST_F(CommandDocsTest, CountIsTheEngineTableSize) {
  std::string expected = ":" + std::to_string(h.engine.all_commands().size()) + "\r\n";
  EXPECT_EQ(h.run({"COMMAND", "COUNT"}), expected);
}

TEST_F(CommandDocsTest, NoArgumentsListsEveryCommand) {
  std::string reply = h.run({"COMMAND"});
  EXPECT_EQ(reply.rfind("*" + std::to_string(h.engine.all_commands().size()) + "\r\n*10\r\n", 0),
            0u);
  EXPECT_NE(reply.find("$3\r\nget\r\n"), std::string::npos);
}

TEST_F(CommandDocsTest, ListIncludesSubcommandsAndFilters) {
  std::string all = h.run({"COMMAND", "LIST"});
  EXPECT_NE(all.find("$12\r\ncommand|docs\r\n"), std::string::npos);
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "pattern", "COMMAND|CO*"}),
            "*1\r\n$13\r\ncommand|count\r\n");
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"}), "*0\r\n");
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "module", "x"}), "*0\r\n");
  EXPECT_EQ(h.run({"COMMAND", "LIST", "FILTERBY", "foo", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.run({"COMMAND", "LIST", "x"}), "-ERR syntax error\r\n");
  std::string strings = h.run({"COMMAND", "LIST", "FILTERBY", "ACLCAT", "String"});
  EXPECT_NE(strings.find("$3\r\nget\r\n"), std::string::npos);
  EXPECT_EQ(strings.find("command"), std::string::npos);
}

TEST_F(CommandDocsTest, GetKeysFollowsKeySpecsAndSpecialFunctions) {
  EXPECT_EQ(h.run({"COMMAND", "GETKEYS", "get", "a"}), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(h.run({"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "get"}),
            "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n");
  EXPECT_EQ(h.run({"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"}),
            "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n");
  EXPECT_EQ(run3({"COMMAND", "GETKEYSANDFLAGS", "set", "a", "b"}),
            "*1\r\n*2\r\n$1\r\na\r\n~2\r\n+OW\r\n+update\r\n");
}

TEST_F(CommandDocsTest, GetKeysErrorsAreRedis) {
  EXPECT_EQ(h.run({"COMMAND", "GETKEYS", "nosuch", "x"}), "-ERR Invalid command specified\r\n");
  EXPECT_EQ(h.run({"COMMAND", "GETKEYS", "multi", "x"}),
            "-ERR The command has no key arguments\r\n");
  EXPECT_EQ(h.run({"COMMAND", "GETKEYS", "get", "a", "b"}),
            "-ERR Invalid number of arguments specified for command\r\n");
  EXPECT_EQ(h.run({"COMMAND", "GETKEYS", "get"}),
            "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
}

TEST(CommandDocsKeys, KeynumSpecsAndFallbacksMatchRedis) {
  const command_docs::CommandDoc* eval = command_docs::find("eval");
  const command_docs::CommandDoc* zstore = command_docs::find("zunionstore");
  const command_docs::CommandDoc* sort = command_docs::find("sort");
  ASSERT_TRUE(eval && zstore && sort);
  std::vector<command_docs::KeyRef> keys;
  std::vector<std::string_view> a = {"eval", "s", "2", "k1", "k2", "arg"};
  EXPECT_EQ(command_docs::extract_keys(*eval, a, &keys), 2);
  EXPECT_EQ(keys[0].pos, 3);
  std::vector<std::string_view> none = {"eval", "s", "0"};
  EXPECT_EQ(command_docs::extract_keys(*eval, none, &keys), 0);  // numkeys 0 fits no spec
  std::vector<std::string_view> z = {"zunionstore", "d", "2", "a", "b", "weights", "1", "2"};
  ASSERT_EQ(command_docs::extract_keys(*zstore, z, &keys), 3);
  EXPECT_EQ(keys[0].pos, 1);
  EXPECT_EQ(keys[2].pos, 4);
  // SORT's spec is incomplete: the special function finds the last STORE.
  std::vector<std::string_view> s = {"sort", "k", "store", "a", "limit", "0", "1", "STORE", "b"};
  ASSERT_EQ(command_docs::extract_keys(*sort, s, &keys), 2);
  EXPECT_EQ(keys[1].pos, 8);
}

TEST(CommandDocsTable, IsSortedAndLeavesOutSentinelOnlyCommands) {
  const auto& all = command_docs::tables().commands;
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(std::string_view(all[i - 1].name), all[i].name);
  EXPECT_EQ(command_docs::find("sentinel|masters"), nullptr);
  ASSERT_NE(command_docs::find("CONFIG|GET"), nullptr);
  EXPECT_EQ(command_docs::find("config|get")->arity, -3);
}

TEST_F(CommandDocsTest, HelpStartsWithRedisHeader) {
  std::string reply = h.run({"COMMAND", "HELP"});
  EXPECT_EQ(reply.rfind(
                "*21\r\n+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n", 0),
            0u);
  EXPECT_NE(reply.find("+    Prints this help.\r\n"), std::string::npos);
}

}  // namespace
}  // namespace amber
