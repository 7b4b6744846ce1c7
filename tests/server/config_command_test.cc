// The CONFIG command as a client sees it: exact RESP bytes of CONFIG GET
// (RESP2 and RESP3), SET, HELP, RESETSTAT and REWRITE, compared with what
// redis-server 7.0.15 sends for the same requests.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "server/config.h"
#include "tests/core/engine_harness.h"

namespace amber {
namespace {

struct ConfigHarness {
  ConfigHarness() {
    config.register_commands(h.engine, [this] { ++resets; });
  }
  std::string run(std::initializer_list<std::string_view> argv) { return h.run(argv); }

  EngineHarness h;
  Config config;
  int resets = 0;
};

std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

// Parses a RESP2 flat array of bulk strings into name -> value.
std::map<std::string, std::string> parse_pairs(const std::string& resp) {
  std::map<std::string, std::string> out;
  size_t pos = resp.find("\r\n") + 2;
  std::string key;
  bool want_key = true;
  while (pos < resp.size()) {
    size_t eol = resp.find("\r\n", pos);
    size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
    std::string value = resp.substr(eol + 2, len);
    pos = eol + 2 + len + 2;
    if (want_key) {
      key = value;
    } else {
      out[key] = value;
    }
    want_key = !want_key;
  }
  return out;
}

TEST(ConfigCommand, GetOneParameterResp2AndResp3) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"config", "get", "maxmemory"}), "*2\r\n" + bulk("maxmemory") + bulk("0"));
  t.h.session.protocol = 3;
  EXPECT_EQ(t.run({"config", "get", "maxmemory"}), "%1\r\n" + bulk("maxmemory") + bulk("0"));
}

TEST(ConfigCommand, GetEchoesExactNameAndListsEachParameterOnce) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"CONFIG", "GET", "MAXMEMORY"}), "*2\r\n" + bulk("MAXMEMORY") + bulk("0"));
  EXPECT_EQ(t.run({"config", "get", "maxmemory", "MAXMEMORY", "maxmemory"}),
            "*2\r\n" + bulk("maxmemory") + bulk("0"));
  EXPECT_EQ(t.run({"config", "get", "nosuch"}), "*0\r\n");
}

TEST(ConfigCommand, GetPatternMatchesPrimariesAndAliasesWithoutCase) {
  ConfigHarness t;
  auto pairs = parse_pairs(t.run({"config", "get", "SLAVE-READ*", "replica-read*"}));
  EXPECT_EQ(pairs, (std::map<std::string, std::string>{{"replica-read-only", "yes"},
                                                       {"slave-read-only", "yes"}}));
  pairs = parse_pairs(t.run({"config", "get", "maxmemory*", "maxmemory"}));
  EXPECT_EQ(pairs.size(), 5u);
  EXPECT_EQ(pairs["maxmemory-policy"], "noeviction");
}

TEST(ConfigCommand, HiddenParametersOnlyByExactName) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"config", "get", "use-exit-on-panic"}),
            "*2\r\n" + bulk("use-exit-on-panic") + bulk("no"));
  EXPECT_EQ(t.run({"config", "get", "use-exit*"}), "*0\r\n");
  auto all = parse_pairs(t.run({"config", "get", "*"}));
  EXPECT_EQ(all.count("key-load-delay"), 0u);
  EXPECT_EQ(all.size(), 192u);  // as many as redis-server 7.0.15 lists
}

TEST(ConfigCommand, SetReplies) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"config", "set", "maxmemory", "10mb", "timeout", "3"}), "+OK\r\n");
  EXPECT_EQ(t.config.get("maxmemory"), "10485760");
  EXPECT_EQ(t.run({"config", "set", "hz", "10", "foo"}), "-ERR syntax error\r\n");
  EXPECT_EQ(t.run({"config", "set", "hz"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");
  EXPECT_EQ(t.run({"config", "get"}),
            "-ERR wrong number of arguments for 'config|get' command\r\n");
  EXPECT_EQ(t.run({"config", "set", "foo", "bar"}),
            "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n");
  EXPECT_EQ(t.run({"config", "set", "maxmemory", "1x"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
            "be a memory value\r\n");
}

TEST(ConfigCommand, ProtectedConfigForLocalClients) {
  ConfigHarness t;
  std::string error;
  ASSERT_TRUE(t.config.load_from_text("enable-protected-configs local", &error));
  EXPECT_EQ(t.run({"config", "set", "dbfilename", "x.rdb"}),
            "-ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config\r\n");
  t.config.set_local_client_probe([](const Session&) { return true; });
  EXPECT_EQ(t.run({"config", "set", "dbfilename", "x.rdb"}), "+OK\r\n");
}

TEST(ConfigCommand, Help) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"config", "help"}),
            "*11\r\n"
            "+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            "+GET <pattern>\r\n"
            "+    Return parameters matching the glob-like <pattern> and their values.\r\n"
            "+SET <directive> <value>\r\n"
            "+    Set the configuration <directive> to <value>.\r\n"
            "+RESETSTAT\r\n"
            "+    Reset statistics reported by the INFO command.\r\n"
            "+REWRITE\r\n"
            "+    Rewrite the configuration file.\r\n"
            "+HELP\r\n"
            "+    Prints this help.\r\n");
  EXPECT_EQ(t.run({"config", "nope"}), "-ERR unknown subcommand 'nope'. Try CONFIG HELP.\r\n");
}

TEST(ConfigCommand, ResetStatCallsTheServer) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"config", "resetstat"}), "+OK\r\n");
  EXPECT_EQ(t.resets, 1);
}

TEST(ConfigCommand, RewriteWithoutConfigFile) {
  ConfigHarness t;
  EXPECT_EQ(t.run({"config", "rewrite"}), "-ERR The server is running without a config file\r\n");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ConfigCommand, RewriteKeepsTheFileAndAppendsChanges) {
  std::string pattern = (std::filesystem::temp_directory_path() / "amber_rw_XXXXXX").string();
  std::filesystem::path dir = mkdtemp(pattern.data());
  std::string file = (dir / "a.conf").string();
  std::ofstream(file) << "# my comment\n"
                         "port 0\n"
                         "save 200 2\n"
                         "save 300 3\n"
                         "bind 127.0.0.1\n"
                         "bind ::1 127.0.0.2\n"
                         "slave-read-only no\n"
                         "rename-command KEYS \"\"\n";
  const char* argv[] = {"amber-server", file.c_str()};
  ConfigHarness t;
  std::string error;
  ASSERT_TRUE(t.config.load_from_args(2, argv, &error)) << error;
  ASSERT_EQ(t.config.get("save"), "200 2 300 3");
  // A line amber does not know (say, written for another server) is kept
  // commented out.
  std::ofstream(file, std::ios::app) << "bogus directive\n";
  EXPECT_EQ(t.run({"config", "set", "hz", "11", "save", "300 3", "requirepass", "p w"}), "+OK\r\n");
  EXPECT_EQ(t.run({"config", "rewrite"}), "+OK\r\n");
  EXPECT_EQ(read_file(file),
            "# my comment\n"
            "port 0\n"
            "save 300 3\n"
            "\n"
            "bind ::1 127.0.0.2\n"
            "\n"
            "replica-read-only no\n"
            "rename-command KEYS \"\"\n"
            "# ??? bogus directive\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "requirepass \"p w\"\n"
            "hz 11\n"
            "dir \"" +
                t.config.get("dir") +
                "\"\n"
                "latency-tracking-info-percentiles 50 99 99.9\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace amber
