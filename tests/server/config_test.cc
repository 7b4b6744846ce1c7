// Config values and CONFIG SET semantics through the C++ API: Redis 7.0's
// defaults (checked against a real redis-server's CONFIG GET * dump), typed
// getters, units, aliases, bounds, special parameters, and the
// all-or-nothing behaviour of set() with its exact error texts.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "server/config.h"

namespace amber {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string set_error(Config& config, const Pairs& pairs) {
  std::string error;
  EXPECT_FALSE(config.set(pairs, &error));
  return error;
}

void must_set(Config& config, const Pairs& pairs) {
  std::string error;
  ASSERT_TRUE(config.set(pairs, &error)) << error;
}

std::map<std::string, std::string> redis_defaults() {
  std::filesystem::path file =
      std::filesystem::path(__FILE__).parent_path() / "data" / "redis7_config_defaults.tsv";
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << file;
  std::map<std::string, std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

TEST(Config, EveryRedisParameterExistsWithRedisDefault) {
  // Environment-dependent: how the reference server was started.
  const std::set<std::string> skip = {"dir", "port", "unixsocket"};
  Config config;
  auto defaults = redis_defaults();
  ASSERT_GT(defaults.size(), 180u);
  for (const auto& [name, value] : defaults) {
    ASSERT_TRUE(config.exists(name)) << name;
    if (skip.contains(name)) continue;
    EXPECT_EQ(config.get(name), value) << name;
  }
  EXPECT_EQ(config.get("port"), "6379");
  EXPECT_EQ(config.get("unixsocket"), "");
  EXPECT_EQ(config.get("dir"), std::filesystem::current_path().string());
}

TEST(Config, HiddenParametersExistByExactName) {
  Config config;
  EXPECT_EQ(config.get("use-exit-on-panic"), "no");
  EXPECT_EQ(config.get("loading-process-events-interval-bytes"), "2097152");
  EXPECT_EQ(config.get("key-load-delay"), "0");
  EXPECT_FALSE(config.exists("no-such-parameter"));
}

TEST(Config, NamesAreCaseInsensitive) {
  Config config;
  must_set(config, {{"MaxMemory-Policy", "ALLKEYS-LRU"}});
  EXPECT_EQ(config.get("maxmemory-policy"), "allkeys-lru");
}

TEST(Config, TypedGetters) {
  Config config;
  must_set(config, {{"maxmemory", "2gb"}, {"appendonly", "yes"}, {"hz", "20"}});
  EXPECT_EQ(config.get_int("maxmemory"), 2LL * 1024 * 1024 * 1024);
  EXPECT_TRUE(config.get_bool("appendonly"));
  EXPECT_EQ(config.get_int("hz"), 20);
  EXPECT_EQ(config.get_string("appendfsync"), "everysec");
  EXPECT_EQ(config.get_int("databases"), 16);
}

TEST(Config, MemoryUnitsFollowRedis) {
  Config config;
  const std::pair<const char*, const char*> cases[] = {
      {"1k", "1000"},     {"1kb", "1024"},      {"1KB", "1024"},       {"2m", "2000000"},
      {"2mb", "2097152"}, {"1g", "1000000000"}, {"1gb", "1073741824"}, {"5b", "5"},
      {"", "0"},          {"kb", "0"},
  };
  for (const auto& [input, bytes] : cases) {
    must_set(config, {{"maxmemory", input}});
    EXPECT_EQ(config.get("maxmemory"), bytes) << input;
  }
  for (const char* bad : {"1x", "-1", "1.5gb", " 1", "+1", "1 gb"}) {
    EXPECT_EQ(set_error(config, {{"maxmemory", bad}}),
              "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
              "be a memory value")
        << bad;
  }
}

TEST(Config, PercentAndMemoryParameter) {
  Config config;
  must_set(config, {{"maxmemory-clients", "5%"}});
  EXPECT_EQ(config.get("maxmemory-clients"), "5%");
  must_set(config, {{"maxmemory-clients", "10mb"}});
  EXPECT_EQ(config.get("maxmemory-clients"), "10485760");
  EXPECT_EQ(set_error(config, {{"maxmemory-clients", "101%"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - "
            "percentage argument must be less or equal to 100");
  EXPECT_EQ(set_error(config, {{"maxmemory-clients", "-1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument "
            "must be a memory or percent value");
}

TEST(Config, IntegerBoundsAndParsing) {
  Config config;
  EXPECT_EQ(set_error(config, {{"timeout", "abc"}}),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't "
            "be parsed into an integer");
  EXPECT_EQ(set_error(config, {{"timeout", "-1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be "
            "between 0 and 2147483647 inclusive");
  EXPECT_EQ(set_error(config, {{"maxclients", "-1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must "
            "be between 1 and 4294967295 inclusive");
  EXPECT_EQ(set_error(config, {{"hash-max-listpack-entries", "-1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - "
            "argument must be between 0 and 9223372036854775807 inclusive");
  EXPECT_EQ(set_error(config, {{"timeout", "007"}}),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't "
            "be parsed into an integer");
  must_set(config, {{"list-max-listpack-size", "-5"}});
  EXPECT_EQ(config.get("list-max-listpack-size"), "-5");
}

TEST(Config, HzIsCappedNotRefused) {
  Config config;
  must_set(config, {{"hz", "1000"}});
  EXPECT_EQ(config.get("hz"), "500");
  must_set(config, {{"hz", "0"}});
  EXPECT_EQ(config.get("hz"), "1");
}

TEST(Config, BoolsAcceptOnlyYesNo) {
  Config config;
  must_set(config, {{"appendonly", "YES"}});
  EXPECT_EQ(config.get("appendonly"), "yes");
  EXPECT_EQ(set_error(config, {{"appendonly", "1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must "
            "be 'yes' or 'no'");
}

TEST(Config, ActiveDefragCannotBeEnabled) {
  Config config;
  EXPECT_EQ(set_error(config, {{"activedefrag", "yes"}}),
            "ERR CONFIG SET failed (possibly related to argument 'activedefrag') - Active "
            "defragmentation cannot be enabled: it requires a Redis server compiled with a "
            "modified Jemalloc like the one shipped by default with the Redis source distribution");
}

TEST(Config, AliasesShareOneValue) {
  Config config;
  must_set(config, {{"slave-read-only", "no"}, {"hash-max-ziplist-entries", "100"}});
  EXPECT_EQ(config.get("replica-read-only"), "no");
  EXPECT_EQ(config.get("hash-max-listpack-entries"), "100");
  must_set(config, {{"lua-time-limit", "100"}});
  EXPECT_EQ(config.get("busy-reply-threshold"), "100");
  // The error names the alias as looked up.
  EXPECT_EQ(set_error(config, {{"SLAVE-READ-ONLY", "maybe"}}),
            "ERR CONFIG SET failed (possibly related to argument 'slave-read-only') - argument "
            "must be 'yes' or 'no'");
  // An alias and its primary are one parameter.
  EXPECT_EQ(set_error(config, {{"slave-read-only", "no"}, {"replica-read-only", "yes"}}),
            "ERR CONFIG SET failed (possibly related to argument 'replica-read-only') - "
            "duplicate parameter");
}

TEST(Config, EnumsAndFlagSets) {
  Config config;
  EXPECT_EQ(set_error(config, {{"maxmemory-policy", "bad"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
            "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
  must_set(config, {{"oom-score-adj", "relative"}});
  EXPECT_EQ(config.get("oom-score-adj"), "yes");  // first name of the value
  must_set(config, {{"shutdown-on-sigint", "now save"}});
  EXPECT_EQ(config.get("shutdown-on-sigint"), "save now");
  EXPECT_EQ(set_error(config, {{"shutdown-on-sigint", "save nosave"}}),
            "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - "
            "shutdown options SAVE and NOSAVE can't be used simultaneously");
  EXPECT_EQ(config.get("shutdown-on-sigint"), "save now");
}

TEST(Config, StringsWithEmptyAsNullAndValidators) {
  Config config;
  must_set(config, {{"requirepass", "secret"}});
  EXPECT_EQ(config.get("requirepass"), "secret");
  must_set(config, {{"requirepass", ""}});
  EXPECT_EQ(config.get("requirepass"), "");
  EXPECT_EQ(set_error(config, {{"dbfilename", "a/b.rdb"}}),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set "
            "protected config");
}

TEST(Config, SaveParameter) {
  Config config;
  must_set(config, {{"save", "100 1 200 2"}});
  EXPECT_EQ(config.get("save"), "100 1 200 2");
  must_set(config, {{"save", ""}});
  EXPECT_EQ(config.get("save"), "");
  for (const char* bad : {"1 2 3", "abc 1", "0 1", "1 -1", " 1  2 "}) {
    EXPECT_EQ(set_error(config, {{"save", bad}}),
              "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save "
              "parameters")
        << bad;
  }
  EXPECT_EQ(config.get("save"), "");
}

TEST(Config, ClientOutputBufferLimit) {
  Config config;
  must_set(config, {{"client-output-buffer-limit", "replica 1mb 2mb 30 PUBSUB 0 0 0"}});
  EXPECT_EQ(config.get("client-output-buffer-limit"),
            "normal 0 0 0 slave 1048576 2097152 30 pubsub 0 0 0");
  EXPECT_EQ(set_error(config, {{"client-output-buffer-limit", "master 1 1 1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
            "Invalid client class specified in buffer limit configuration.");
  EXPECT_EQ(set_error(config, {{"client-output-buffer-limit", "normal 1 1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
            "Wrong number of arguments in buffer limit configuration.");
  EXPECT_EQ(set_error(config, {{"client-output-buffer-limit", "normal 1 1 -1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
}

TEST(Config, OtherSpecialParameters) {
  Config config;
  must_set(config, {{"notify-keyspace-events", "KEA"}});
  EXPECT_EQ(config.get("notify-keyspace-events"), "AKE");
  must_set(config, {{"notify-keyspace-events", "Kgx$m"}});
  EXPECT_EQ(config.get("notify-keyspace-events"), "g$xKm");
  EXPECT_EQ(set_error(config, {{"notify-keyspace-events", "Q"}}),
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  must_set(config, {{"oom-score-adj-values", "1 2 3"}});
  EXPECT_EQ(config.get("oom-score-adj-values"), "1 2 3");
  EXPECT_EQ(set_error(config, {{"oom-score-adj-values", "1 2 3000"}}),
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - "
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
  must_set(config, {{"bind", "127.0.0.1 ::1"}});
  EXPECT_EQ(config.get("bind"), "127.0.0.1 ::1");
  must_set(config, {{"latency-tracking-info-percentiles", "1 2.5 99.99"}});
  EXPECT_EQ(config.get("latency-tracking-info-percentiles"), "1 2.5 99.99");
  EXPECT_EQ(set_error(config, {{"latency-tracking-info-percentiles", "1 101"}}),
            "ERR CONFIG SET failed (possibly related to argument "
            "'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters "
            "should sit between [0.0,100.0]");
  EXPECT_EQ(config.get("latency-tracking-info-percentiles"), "1 2.5 99.99");
}

TEST(Config, SetRejectsUnknownImmutableProtectedDuplicate) {
  Config config;
  EXPECT_EQ(set_error(config, {{"foo", "bar"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
  EXPECT_EQ(set_error(config, {{"DAEMONIZE", "yes"}}),
            "ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set "
            "immutable config");
  EXPECT_EQ(set_error(config, {{"slaveof", "a 1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'slaveof') - can't set "
            "immutable config");
  EXPECT_EQ(set_error(config, {{"dir", "/tmp"}}),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
            "config");
  EXPECT_EQ(set_error(config, {{"Maxmemory", "1"}, {"MAXMEMORY", "2"}}),
            "ERR CONFIG SET failed (possibly related to argument 'MAXMEMORY') - duplicate "
            "parameter");
  // The first problem wins.
  EXPECT_EQ(set_error(config, {{"daemonize", "yes"}, {"foo", "bar"}}),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config");
  EXPECT_EQ(set_error(config, {{"foo", "bar"}, {"daemonize", "yes"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
}

TEST(Config, ProtectedConfigsFollowEnableProtectedConfigs) {
  Config local_only;
  std::string error;
  ASSERT_TRUE(local_only.load_from_text("enable-protected-configs local", &error)) << error;
  EXPECT_FALSE(local_only.set({{"dbfilename", "x.rdb"}}, false, &error));
  EXPECT_TRUE(local_only.set({{"dbfilename", "x.rdb"}}, true, &error)) << error;
  EXPECT_EQ(local_only.get("dbfilename"), "x.rdb");

  Config yes;
  ASSERT_TRUE(yes.load_from_text("enable-protected-configs yes", &error)) << error;
  EXPECT_EQ(set_error(yes, {{"dbfilename", "a/b"}}),
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename "
            "can't be a path, just a filename");
  EXPECT_EQ(set_error(yes, {{"dir", "/no/such/dir"}}),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or "
            "directory");
  std::filesystem::path tmp = std::filesystem::temp_directory_path();
  must_set(yes, {{"dir", tmp.string()}});
  EXPECT_EQ(yes.get("dir"), std::filesystem::canonical(tmp).string());
}

TEST(Config, DenyLoadingParametersAnswerLoading) {
  Config config;
  bool loading = true;
  config.set_loading_probe([&loading] { return loading; });
  EXPECT_EQ(set_error(config, {{"appendonly", "yes"}}),
            "LOADING Redis is loading the dataset in memory");
  must_set(config, {{"timeout", "5"}});
  loading = false;
  must_set(config, {{"appendonly", "yes"}});
}

TEST(Config, FailedSetChangesNothing) {
  Config config;
  EXPECT_EQ(set_error(config, {{"timeout", "5"}, {"save", ""}, {"maxmemory", "1x"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
            "a memory value");
  EXPECT_EQ(config.get("timeout"), "0");
  EXPECT_EQ(config.get("save"), "3600 1 300 100 60 10000");
}

TEST(Config, RefusingHookRollsEverythingBack) {
  Config config;
  int timeout_applied = 0;
  std::vector<std::string> seen_maxmemory;
  config.on_change("timeout", [&](std::string*) {
    ++timeout_applied;
    return true;
  });
  config.on_change("maxmemory", [&](std::string* error) {
    seen_maxmemory.push_back(config.get("maxmemory"));
    if (config.get_int("maxmemory") == 0) return true;
    *error = "Unable to apply";
    return false;
  });
  EXPECT_EQ(set_error(config, {{"timeout", "7"}, {"maxmemory", "1mb"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - Unable to apply");
  EXPECT_EQ(config.get("timeout"), "0");
  EXPECT_EQ(config.get("maxmemory"), "0");
  // The hooks ran again with the restored values.
  EXPECT_EQ(timeout_applied, 2);
  EXPECT_EQ(seen_maxmemory, (std::vector<std::string>{"1048576", "0"}));
}

TEST(Config, HooksRunOnlyForRealChanges) {
  Config config;
  int calls = 0;
  config.on_change("slave-read-only", [&](std::string*) {
    ++calls;
    return true;
  });
  must_set(config, {{"replica-read-only", "yes"}});  // already yes
  EXPECT_EQ(calls, 0);
  must_set(config, {{"replica-read-only", "no"}});
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace amber
