// redis.conf parsing and redis-server's command line: quoting, comments,
// repeated directives, include, and Redis's exact fatal-error texts (each
// checked against redis-server 7.0.15's output for the same input).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "server/config.h"

namespace amber {
namespace {

std::string load_error(std::string_view text) {
  Config config;
  std::string error;
  EXPECT_FALSE(config.load_from_text(text, &error));
  return error;
}

std::string fatal(int line, std::string_view echo, std::string_view reason) {
  return "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at "
         "line " +
         std::to_string(line) + "\n>>> '" + std::string(echo) + "'\n" + std::string(reason);
}

// A fresh directory under the system temp dir, removed at the end.
struct TempDir {
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "amber_config_XXXXXX").string();
    path = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string file = (path / name).string();
    std::ofstream(file) << text;
    return file;
  }
  std::filesystem::path path;
};

TEST(ConfigFile, DirectivesCommentsAndQuotes) {
  Config config;
  std::string error;
  ASSERT_TRUE(
      config.load_from_text("# a comment\n"
                            "\n"
                            "   MAXMEMORY   100mb   \r\n"
                            "requirepass \"with space\\x41\\n\"\n"
                            "masteruser 'it\\'s'\n"
                            "  # indented comment\n"
                            "appendonly yes\n",
                            &error))
      << error;
  EXPECT_EQ(config.get("maxmemory"), "104857600");
  EXPECT_EQ(config.get("requirepass"), "with spaceA\n");
  EXPECT_EQ(config.get("masteruser"), "it's");
  EXPECT_TRUE(config.get_bool("appendonly"));
}

TEST(ConfigFile, LastValueWinsButSaveLinesAccumulate) {
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text(
      "timeout 1\ntimeout 2\nsave 100 1\nsave 200 2\nbind 127.0.0.1\nbind ::1 127.0.0.2\n", &error))
      << error;
  EXPECT_EQ(config.get("timeout"), "2");
  EXPECT_EQ(config.get("save"), "100 1 200 2");
  EXPECT_EQ(config.get("bind"), "::1 127.0.0.2");
}

TEST(ConfigFile, EmptySaveDisablesSnapshots) {
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text("save \"\"\n", &error)) << error;
  EXPECT_EQ(config.get("save"), "");
}

TEST(ConfigFile, MultiWordValueInOneQuotedWord) {
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text("save \"900 1 300 10\"\n", &error)) << error;
  EXPECT_EQ(config.get("save"), "900 1 300 10");
}

TEST(ConfigFile, HzOutOfRangeIsCapped) {
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text("hz 1000\n", &error)) << error;
  EXPECT_EQ(config.get("hz"), "500");
}

TEST(ConfigFile, DeprecatedAndFileOnlyDirectivesAreAccepted) {
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text(
      "list-max-ziplist-entries 512\nlua-replicate-commands yes\nrename-command FLUSHALL \"\"\n"
      "user alice on >pw ~* +@all\nloadmodule /x/mod.so a b\nmymod.opt 1 2\nsentinel\n",
      &error))
      << error;
  ASSERT_EQ(config.renamed_commands().size(), 1u);
  EXPECT_EQ(config.renamed_commands()[0], (std::pair<std::string, std::string>{"FLUSHALL", ""}));
  ASSERT_EQ(config.user_directives().size(), 1u);
  EXPECT_EQ(config.user_directives()[0][0], "alice");
  ASSERT_EQ(config.loadmodule_directives().size(), 1u);
  EXPECT_EQ(config.loadmodule_directives()[0].size(), 3u);
  ASSERT_EQ(config.module_configs().size(), 1u);
  EXPECT_EQ(config.module_configs()[0].second, "1 2");
}

TEST(ConfigFile, ErrorsHaveRedisTextLineAndEcho) {
  EXPECT_EQ(load_error("port 0\n  maxmemory 1x  \n"),
            fatal(2, "maxmemory 1x", "argument must be a memory value"));
  EXPECT_EQ(load_error("port 0\nfoo bar\n"),
            fatal(2, "foo bar", "Bad directive or wrong number of arguments"));
  EXPECT_EQ(load_error("port 0 1\n"), fatal(1, "port 0 1", "wrong number of arguments"));
  EXPECT_EQ(load_error("daemonize maybe\n"),
            fatal(1, "daemonize maybe", "argument must be 'yes' or 'no'"));
  EXPECT_EQ(load_error("timeout \"abc\n"),
            fatal(1, "timeout \"abc", "Unbalanced quotes in configuration line"));
  EXPECT_EQ(load_error("timeout \"1\"x\n"),
            fatal(1, "timeout \"1\"x", "Unbalanced quotes in configuration line"));
  EXPECT_EQ(load_error("timeout x\n"),
            fatal(1, "timeout x", "argument couldn't be parsed into an integer"));
  EXPECT_EQ(load_error("databases 0\n"),
            fatal(1, "databases 0", "argument must be between 1 and 2147483647 inclusive"));
  EXPECT_EQ(load_error("unixsocketperm 1000\n"),
            fatal(1, "unixsocketperm 1000", "argument must be between 0 and 777 inclusive"));
  EXPECT_EQ(load_error("unixsocketperm 9\n"),
            fatal(1, "unixsocketperm 9", "argument couldn't be parsed as an octal number"));
  EXPECT_EQ(load_error("loglevel loud\n"),
            fatal(1, "loglevel loud",
                  "argument(s) must be one of the following: debug, verbose, notice, warning"));
  EXPECT_EQ(load_error("save 1\n"), fatal(1, "save 1", "Invalid save parameters"));
  EXPECT_EQ(load_error("sentinel monitor a\n"),
            fatal(1, "sentinel monitor a", "sentinel directive while not in sentinel mode"));
  EXPECT_EQ(load_error("mymod.opt\n"),
            fatal(1, "mymod.opt", "Module config specified without value"));
  EXPECT_EQ(load_error("replicaof h 99999\n"),
            fatal(1, "replicaof h 99999", "Invalid master port"));
  EXPECT_EQ(load_error("cluster-enabled yes\nreplicaof h 1\n"),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in "
            "cluster mode");
}

TEST(ConfigFile, ImmutableParametersAreSetFromTheFile) {
  Config config;
  std::string error;
  ASSERT_TRUE(
      config.load_from_text("databases 4\nslaveof 10.0.0.1 6380\nunixsocketperm 700\n", &error))
      << error;
  EXPECT_EQ(config.get_int("databases"), 4);
  EXPECT_EQ(config.get("replicaof"), "10.0.0.1 6380");
  EXPECT_EQ(config.get("unixsocketperm"), "700");
  EXPECT_EQ(config.get_int("unixsocketperm"), 0700);
}

TEST(ConfigFile, IncludeReadsAnotherFile) {
  TempDir dir;
  std::string inc = dir.write("inc.conf", "timeout 9\nmaxmemory 1mb\n");
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text("timeout 1\ninclude " + inc + "\nmaxmemory 2mb\n", &error))
      << error;
  EXPECT_EQ(config.get("timeout"), "9");
  EXPECT_EQ(config.get("maxmemory"), "2097152");
}

TEST(ConfigFile, IncludeGlobMatchingNothingIsFine) {
  TempDir dir;
  Config config;
  std::string error;
  EXPECT_TRUE(config.load_from_text("include " + (dir.path / "*.conf").string() + "\n", &error))
      << error;
}

TEST(ConfigFile, IncludeOfMissingFileFails) {
  TempDir dir;
  std::string missing = (dir.path / "missing.conf").string();
  EXPECT_EQ(load_error("include " + missing + "\n"),
            "Fatal error, can't open config file '" + missing + "': No such file or directory");
}

TEST(ConfigFile, ErrorInIncludedFileReportsItsLine) {
  TempDir dir;
  std::string inc = dir.write("inc.conf", "timeout 1\nbogus\n");
  EXPECT_EQ(load_error("include " + inc + "\n"),
            fatal(2, "bogus", "Bad directive or wrong number of arguments"));
}

// Redis 7.0 quirk, checked against redis-server: after an include, each
// later `save` line replaces the list instead of adding to it.
TEST(ConfigFile, SaveAfterIncludeReplacesAsRedisDoes) {
  TempDir dir;
  std::string inc = dir.write("inc.conf", "save 100 1\n");
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text("include " + inc + "\nsave 200 2\nsave 300 3\n", &error))
      << error;
  EXPECT_EQ(config.get("save"), "300 3");
}

TEST(ConfigFile, CommandLineOptionsFollowTheFile) {
  TempDir dir;
  std::string file = dir.write("a.conf", "timeout 5\nappendonly yes\n");
  const char* argv[] = {"amber-server", file.c_str(),  "--timeout", "6",
                        "--save",       "--maxmemory", "1mb"};
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_args(7, argv, &error)) << error;
  EXPECT_EQ(config.config_file(), file);
  EXPECT_EQ(config.get("timeout"), "6");
  EXPECT_EQ(config.get("save"), "");
  EXPECT_EQ(config.get("maxmemory"), "1048576");
  EXPECT_TRUE(config.get_bool("appendonly"));
}

TEST(ConfigFile, CommandLineValuesAreQuotedAndMultiWord) {
  const char* argv[] = {"amber-server", "--requirepass", "a b\"c", "--save", "60", "1",
                        "--bind",       "127.0.0.1",     "::1",    "--save"};
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_args(10, argv, &error)) << error;
  EXPECT_EQ(config.config_file(), "");
  EXPECT_EQ(config.get("requirepass"), "a b\"c");
  EXPECT_EQ(config.get("bind"), "127.0.0.1 ::1");
  EXPECT_EQ(config.get("save"), "");  // a trailing bare --save
}

TEST(ConfigFile, CommandLineErrorsMatchRedis) {
  {
    const char* argv[] = {"amber-server", "--port", "0", "--timeout"};
    Config config;
    std::string error;
    EXPECT_FALSE(config.load_from_args(4, argv, &error));
    EXPECT_EQ(error, fatal(3, "timeout", "wrong number of arguments"));
  }
  {
    const char* argv[] = {"amber-server", "--port", "0", "--timeout", "1", "2"};
    Config config;
    std::string error;
    EXPECT_FALSE(config.load_from_args(6, argv, &error));
    EXPECT_EQ(error, fatal(3, "timeout \"1\" \"2\"", "wrong number of arguments"));
  }
}

TEST(ConfigFile, MissingConfigFileFails) {
  const char* argv[] = {"amber-server", "/no/such/amber.conf"};
  Config config;
  std::string error;
  EXPECT_FALSE(config.load_from_args(2, argv, &error));
  EXPECT_EQ(error,
            "Fatal error, can't open config file '/no/such/amber.conf': No such file or directory");
}

}  // namespace
}  // namespace amber
