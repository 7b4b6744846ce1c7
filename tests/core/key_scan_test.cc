// KEYS, SCAN, RANDOMKEY, DBSIZE: replies as Redis 7.0 sends them, expired
// keys never returned, and SCAN's guarantee (a key present for the whole
// scan is returned at least once) while the table grows and shrinks.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/engine.h"
#include "tests/core/engine_harness.h"
#include "tests/core/key_test_helpers.h"

namespace amber {
namespace {

using namespace std::string_literals;
using keytest::bulk;
using keytest::error;
using keytest::put;
using keytest::put_ttl;

// Splits a flat RESP array of bulk strings (no nesting) into its elements.
std::vector<std::string> parse_bulk_array(const std::string& resp, size_t* pos) {
  size_t eol = resp.find("\r\n", *pos);
  size_t n = std::stoul(resp.substr(*pos + 1, eol - *pos - 1));
  *pos = eol + 2;
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    eol = resp.find("\r\n", *pos);
    size_t len = std::stoul(resp.substr(*pos + 1, eol - *pos - 1));
    out.push_back(resp.substr(eol + 2, len));
    *pos = eol + 2 + len + 2;
  }
  return out;
}

struct ScanPage {
  std::string cursor;
  std::vector<std::string> keys;
};

ScanPage parse_scan_reply(const std::string& resp) {
  EXPECT_EQ(resp.substr(0, 4), "*2\r\n") << resp;
  size_t pos = 4;
  size_t eol = resp.find("\r\n", pos);
  size_t len = std::stoul(resp.substr(pos + 1, eol - pos - 1));
  ScanPage page{resp.substr(eol + 2, len), {}};
  pos = eol + 2 + len + 2;
  page.keys = parse_bulk_array(resp, &pos);
  EXPECT_EQ(pos, resp.size());
  return page;
}

std::set<std::string> keys_reply_set(const std::string& resp) {
  size_t pos = 0;
  auto v = parse_bulk_array(resp, &pos);
  return {v.begin(), v.end()};
}

// --- KEYS ---

TEST(KeysCommand, FiltersByPattern) {
  EngineHarness h;
  for (const char* k : {"hello", "hallo", "hxllo", "world", "h"}) put(h, k, "v");
  EXPECT_EQ(keys_reply_set(h.run({"keys", "h?llo"})),
            (std::set<std::string>{"hello", "hallo", "hxllo"}));
  EXPECT_EQ(keys_reply_set(h.run({"keys", "h[ae]llo"})), (std::set<std::string>{"hello", "hallo"}));
  EXPECT_EQ(keys_reply_set(h.run({"keys", "*"})).size(), 5u);
  EXPECT_EQ(h.run({"keys", "nomatch*"}), "*0\r\n");
}

TEST(KeysCommand, LoneStarMatchesTheEmptyKeyButDoubleStarDoesNot) {
  EngineHarness h;
  put(h, "", "v");
  EXPECT_EQ(h.run({"keys", "*"}), "*1\r\n$0\r\n\r\n");
  EXPECT_EQ(h.run({"keys", "**"}), "*0\r\n");
}

TEST(KeysCommand, SkipsExpiredKeysWithoutDeletingThem) {
  EngineHarness h;
  put(h, "live", "v");
  put_ttl(h, "dead", "v", 10);
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"keys", "*"}), "*1\r\n" + bulk("live"));
  EXPECT_EQ(h.run({"dbsize"}), ":2\r\n");
}

// --- SCAN ---

TEST(ScanCommand, EmptyDatabaseEndsAtOnce) {
  EngineHarness h;
  EXPECT_EQ(h.run({"scan", "0"}), "*2\r\n$1\r\n0\r\n*0\r\n");
}

TEST(ScanCommand, FullIterationReturnsEveryKey) {
  EngineHarness h;
  std::set<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    put(h, "key:" + std::to_string(i), "v");
    expected.insert("key:" + std::to_string(i));
  }
  std::set<std::string> seen;
  std::string cursor = "0";
  int calls = 0;
  do {
    ScanPage page = parse_scan_reply(h.run({"scan", cursor}));
    seen.insert(page.keys.begin(), page.keys.end());
    cursor = page.cursor;
    ++calls;
  } while (cursor != "0");
  EXPECT_EQ(seen, expected);
  EXPECT_GT(calls, 50);  // COUNT defaults to 10
}

TEST(ScanCommand, LargeCountReturnsEverythingInOneCall) {
  EngineHarness h;
  for (int i = 0; i < 100; ++i) put(h, "k" + std::to_string(i), "v");
  ScanPage page = parse_scan_reply(h.run({"scan", "0", "COUNT", "1000"}));
  EXPECT_EQ(page.cursor, "0");
  EXPECT_EQ(page.keys.size(), 100u);
}

TEST(ScanCommand, MatchAndTypeFilter) {
  EngineHarness h;
  for (int i = 0; i < 20; ++i) put(h, (i % 2 ? "odd" : "even") + std::to_string(i), "v");
  ScanPage page = parse_scan_reply(h.run({"scan", "0", "match", "odd*", "count", "100"}));
  EXPECT_EQ(page.keys.size(), 10u);
  page = parse_scan_reply(h.run({"scan", "0", "type", "STRING", "count", "100"}));
  EXPECT_EQ(page.keys.size(), 20u);
  page = parse_scan_reply(h.run({"scan", "0", "type", "hash", "count", "100"}));
  EXPECT_EQ(page.keys.size(), 0u);
  EXPECT_EQ(page.cursor, "0");
}

TEST(ScanCommand, TypeFilterCountsKeyspaceLookups) {
  EngineHarness h;
  for (int i = 0; i < 5; ++i) put(h, "k" + std::to_string(i), "v");
  h.run({"scan", "0", "type", "string"});
  EXPECT_EQ(h.engine.stats().keyspace_hits, 5u);
}

TEST(ScanCommand, ExpiredKeysAreDroppedAndDeleted) {
  EngineHarness h;
  put(h, "live", "v");
  put_ttl(h, "dead", "v", 10);
  h.clock.advance_ms(11);
  ScanPage page = parse_scan_reply(h.run({"scan", "0", "count", "100"}));
  EXPECT_EQ(page.keys, std::vector<std::string>{"live"});
  EXPECT_EQ(h.engine.db(0).size(), 1u);
  EXPECT_EQ(h.engine.stats().expired_keys, 1u);
}

// Redis's order of filters: the TYPE lookup expires the key first, so a key
// whose time is up is reported (once) as type "none".
TEST(ScanCommand, TypeNoneReturnsKeysThatJustExpired) {
  EngineHarness h;
  put(h, "live", "v");
  put_ttl(h, "dead", "v", 10);
  h.clock.advance_ms(11);
  ScanPage page = parse_scan_reply(h.run({"scan", "0", "type", "none", "count", "100"}));
  EXPECT_EQ(page.keys, std::vector<std::string>{"dead"});
  EXPECT_EQ(h.engine.db(0).size(), 1u);
}

TEST(ScanCommand, CursorParsingFollowsStrtoul) {
  EngineHarness h;
  const std::string invalid = error("ERR invalid cursor");
  EXPECT_EQ(h.run({"scan", "abc"}), invalid);
  EXPECT_EQ(h.run({"scan", " 1"}), invalid);
  EXPECT_EQ(h.run({"scan", "1 "}), invalid);
  EXPECT_EQ(h.run({"scan", "0x10"}), invalid);
  EXPECT_EQ(h.run({"scan", "99999999999999999999999"}), invalid);
  const std::string empty_page = "*2\r\n$1\r\n0\r\n*0\r\n";
  EXPECT_EQ(h.run({"scan", ""}), empty_page);
  EXPECT_EQ(h.run({"scan", "+0"}), empty_page);
  EXPECT_EQ(h.run({"scan", "-1"}), empty_page);
  EXPECT_EQ(h.run({"scan", "7\0junk"s}), empty_page);
}

TEST(ScanCommand, OptionErrors) {
  EngineHarness h;
  const std::string syntax = error("ERR syntax error");
  EXPECT_EQ(h.run({"scan", "0", "count", "0"}), syntax);
  EXPECT_EQ(h.run({"scan", "0", "count", "-1"}), syntax);
  EXPECT_EQ(h.run({"scan", "0", "count", "x"}),
            error("ERR value is not an integer or out of range"));
  EXPECT_EQ(h.run({"scan", "0", "match"}), syntax);
  EXPECT_EQ(h.run({"scan", "0", "foo", "bar"}), syntax);
  EXPECT_EQ(h.run({"scan", "0", "type"}), syntax);
  EXPECT_EQ(h.run({"scan"}), error("ERR wrong number of arguments for 'scan' command"));
}

// Keys present from the first SCAN call to the last are returned at least
// once, whatever is inserted or deleted (and however the table resizes) in
// between.
RC_GTEST_PROP(ScanCommand, ReturnsEveryKeyPresentForTheWholeScan, ()) {
  const auto seed = *rc::gen::arbitrary<uint64_t>();
  EngineHarness h(seed);
  const int stable = *rc::gen::inRange(0, 300);
  const int initial_other = *rc::gen::inRange(0, 600);
  for (int i = 0; i < stable; ++i) put(h, "s" + std::to_string(i), "v");
  for (int i = 0; i < initial_other; ++i) put(h, "o" + std::to_string(i), "v");
  int next_other = initial_other;
  int first_live = 0;  // others below this index were deleted
  std::set<std::string> seen;
  std::string cursor = "0";
  int steps = 0;
  do {
    const int count = *rc::gen::inRange(1, 40);
    ScanPage page = parse_scan_reply(h.run({"scan", cursor, "count", std::to_string(count)}));
    seen.insert(page.keys.begin(), page.keys.end());
    cursor = page.cursor;
    // Churn: grow or shrink the table between calls.
    const int inserts = *rc::gen::inRange(0, 200);
    for (int i = 0; i < inserts; ++i) put(h, "o" + std::to_string(next_other++), "v");
    const int deletes = *rc::gen::inRange(0, 300);
    for (int i = 0; i < deletes && first_live < next_other; ++i) {
      h.engine.db(0).erase("o" + std::to_string(first_live++));
    }
    h.engine.cron();  // incremental rehash and shrinking
    RC_ASSERT(++steps < 100'000);
  } while (cursor != "0");
  for (int i = 0; i < stable; ++i) RC_ASSERT(seen.count("s" + std::to_string(i)) == 1u);
}

// --- RANDOMKEY ---

TEST(RandomkeyCommand, EmptyDatabaseIsNull) {
  EngineHarness h;
  EXPECT_EQ(h.run({"randomkey"}), "$-1\r\n");
  h.session.protocol = 3;
  EXPECT_EQ(h.run({"randomkey"}), "_\r\n");
}

TEST(RandomkeyCommand, ReturnsAnExistingKey) {
  EngineHarness h;
  put(h, "only", "v");
  EXPECT_EQ(h.run({"randomkey"}), bulk("only"));
  for (int i = 0; i < 10; ++i) put(h, "k" + std::to_string(i), "v");
  std::set<std::string> got;
  for (int i = 0; i < 200; ++i) got.insert(h.run({"randomkey"}));
  EXPECT_GT(got.size(), 5u);  // not stuck on one key
}

TEST(RandomkeyCommand, DeletesExpiredKeysItMeets) {
  EngineHarness h;
  for (int i = 0; i < 20; ++i) put_ttl(h, "dead" + std::to_string(i), "v", 10);
  put(h, "live", "v");
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"randomkey"}), bulk("live"));
  for (int i = 0; i < 20; ++i) put_ttl(h, "dead" + std::to_string(i), "v", 10);
  h.engine.db(0).erase("live");
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"randomkey"}), "$-1\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);
}

TEST(RandomkeyCommand, SameSeedSameAnswers) {
  auto answers = [](uint64_t seed) {
    EngineHarness h(seed);
    for (int i = 0; i < 50; ++i) put(h, "k" + std::to_string(i), "v");
    std::string all;
    for (int i = 0; i < 20; ++i) all += h.run({"randomkey"});
    return all;
  };
  EXPECT_EQ(answers(9), answers(9));
}

// --- DBSIZE ---

TEST(DbsizeCommand, CountsKeysOfTheSelectedDatabase) {
  EngineHarness h;
  EXPECT_EQ(h.run({"dbsize"}), ":0\r\n");
  put(h, "a", "v");
  put(h, "b", "v", 1);
  put_ttl(h, "c", "v", 10);
  h.clock.advance_ms(11);
  EXPECT_EQ(h.run({"dbsize"}), ":2\r\n");  // logically expired keys still count
  h.run({"select", "1"});
  EXPECT_EQ(h.run({"dbsize"}), ":1\r\n");
}

}  // namespace
}  // namespace amber
