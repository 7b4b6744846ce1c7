// SELECT, SWAPDB, MOVE, COPY, FLUSHDB, FLUSHALL: replies and errors as Redis
// 7.0 sends them, TTLs carried along, dirty counts, and WATCH seeing whole-
// database changes.
#include <gtest/gtest.h>

#include <string>

#include "core/engine.h"
#include "tests/core/engine_harness.h"
#include "tests/core/key_test_helpers.h"

namespace amber {
namespace {

using keytest::error;
using keytest::put;
using keytest::put_ttl;

const std::string kNotInteger = error("ERR value is not an integer or out of range");
const std::string kOutOfRange = error("ERR DB index is out of range");
const std::string kSameObject = error("ERR source and destination objects are the same");
const std::string kSyntax = error("ERR syntax error");

std::string value_of(EngineHarness& h, std::string_view key, int db) {
  Entry* e = h.engine.db(db).find(key);
  return e == nullptr ? "<none>" : std::string(e->value());
}

// --- SELECT ---

TEST(SelectCommand, SwitchesTheSessionDatabase) {
  EngineHarness h;
  put(h, "k", "in1", 1);
  EXPECT_EQ(h.run({"select", "1"}), "+OK\r\n");
  EXPECT_EQ(h.session.db, 1);
  EXPECT_EQ(h.run({"exists", "k"}), ":1\r\n");
  EXPECT_EQ(h.run({"select", "15"}), "+OK\r\n");
}

TEST(SelectCommand, RejectsBadIndexes) {
  EngineHarness h;
  EXPECT_EQ(h.run({"select", "16"}), kOutOfRange);
  EXPECT_EQ(h.run({"select", "-1"}), kOutOfRange);
  EXPECT_EQ(h.run({"select", "abc"}), kNotInteger);
  EXPECT_EQ(h.run({"select", "01"}), kNotInteger);
  EXPECT_EQ(h.run({"select", "4294967296"}),
            error("ERR value is out of range, value must between -2147483648 and 2147483647"));
  EXPECT_EQ(h.session.db, 0);
}

// --- SWAPDB ---

TEST(SwapdbCommand, ExchangesContents) {
  EngineHarness h;
  put(h, "a", "in0", 0);
  put_ttl(h, "b", "in1", 5'000, 1);
  EXPECT_EQ(h.run({"swapdb", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(value_of(h, "b", 0), "in1");
  EXPECT_EQ(value_of(h, "a", 1), "in0");
  EXPECT_EQ(h.run({"pttl", "b"}), ":5000\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(SwapdbCommand, SameIndexIsFineAndCountsDirty) {
  EngineHarness h;
  put(h, "a", "v");
  EXPECT_EQ(h.run({"swapdb", "3", "3"}), "+OK\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(SwapdbCommand, ErrorsNameTheBadArgument) {
  EngineHarness h;
  EXPECT_EQ(h.run({"swapdb", "a", "1"}), error("ERR invalid first DB index"));
  EXPECT_EQ(h.run({"swapdb", "1", "b"}), error("ERR invalid second DB index"));
  EXPECT_EQ(h.run({"swapdb", "99999999999", "1"}), error("ERR invalid first DB index"));
  EXPECT_EQ(h.run({"swapdb", "1", "100"}), kOutOfRange);
  EXPECT_EQ(h.run({"swapdb", "-1", "0"}), kOutOfRange);
}

TEST(SwapdbCommand, InvalidatesWatchersOfBothDatabases) {
  EngineHarness h;
  Session other;
  put(h, "k", "v", 1);  // absent in db 0, present in db 1
  h.run({"watch", "k"});
  h.run(other, {"swapdb", "0", "1"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

TEST(SwapdbCommand, LeavesWatchOfKeysAbsentFromBothAlone) {
  EngineHarness h;
  Session other;
  put(h, "x", "v", 1);
  h.run({"watch", "k"});
  h.run(other, {"swapdb", "0", "1"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*0\r\n");
}

// --- MOVE ---

TEST(MoveCommand, MovesKeyWithTtl) {
  EngineHarness h;
  put_ttl(h, "k", "v", 9'000);
  EXPECT_EQ(h.run({"move", "k", "2"}), ":1\r\n");
  EXPECT_EQ(h.engine.db(0).find("k"), nullptr);
  EXPECT_EQ(value_of(h, "k", 2), "v");
  EXPECT_EQ(h.engine.db(2).find("k")->expire_ms, h.clock.now_ms() + 9'000);
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(MoveCommand, RefusesWhenTargetHasTheKeyOrSourceLacksIt) {
  EngineHarness h;
  put(h, "k", "src");
  put(h, "k", "dst", 1);
  EXPECT_EQ(h.run({"move", "k", "1"}), ":0\r\n");
  EXPECT_EQ(value_of(h, "k", 1), "dst");
  EXPECT_EQ(h.run({"move", "missing", "1"}), ":0\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 0u);
}

TEST(MoveCommand, ExpiredTargetKeyCountsAsAbsent) {
  EngineHarness h;
  put(h, "k", "src");
  put_ttl(h, "k", "old", 5, 1);
  h.clock.advance_ms(6);
  EXPECT_EQ(h.run({"move", "k", "1"}), ":1\r\n");
  EXPECT_EQ(value_of(h, "k", 1), "src");
}

TEST(MoveCommand, Errors) {
  EngineHarness h;
  put(h, "k", "v");
  EXPECT_EQ(h.run({"move", "k", "0"}), kSameObject);
  EXPECT_EQ(h.run({"move", "k", "x"}), kNotInteger);
  EXPECT_EQ(h.run({"move", "k", "16"}), kOutOfRange);
}

TEST(MoveCommand, InvalidatesWatchInBothDatabases) {
  EngineHarness h;
  Session other;
  put(h, "k", "v");
  h.run({"select", "1"});
  h.run({"watch", "k"});
  h.run(other, {"move", "k", "1"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

// --- COPY ---

TEST(CopyCommand, CopiesValueEncodingAndTtl) {
  EngineHarness h;
  put_ttl(h, "src", "12345", 7'000);
  EXPECT_EQ(h.run({"copy", "src", "dst"}), ":1\r\n");
  EXPECT_EQ(value_of(h, "dst", 0), "12345");
  EXPECT_EQ(value_of(h, "src", 0), "12345");
  EXPECT_EQ(h.run({"object", "encoding", "dst"}), "$3\r\nint\r\n");
  EXPECT_EQ(h.run({"pttl", "dst"}), ":7000\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(CopyCommand, ExistingTargetNeedsReplace) {
  EngineHarness h;
  put(h, "src", "new");
  put_ttl(h, "dst", "old", 1'000);
  EXPECT_EQ(h.run({"copy", "src", "dst"}), ":0\r\n");
  EXPECT_EQ(value_of(h, "dst", 0), "old");
  EXPECT_EQ(h.run({"copy", "src", "dst", "REPLACE"}), ":1\r\n");
  EXPECT_EQ(value_of(h, "dst", 0), "new");
  EXPECT_EQ(h.run({"ttl", "dst"}), ":-1\r\n");
}

TEST(CopyCommand, ToAnotherDatabase) {
  EngineHarness h;
  put(h, "k", "v");
  EXPECT_EQ(h.run({"copy", "k", "k", "db", "3"}), ":1\r\n");
  EXPECT_EQ(value_of(h, "k", 3), "v");
  EXPECT_EQ(h.run({"copy", "k", "k", "DB", "3", "replace", "replace"}), ":1\r\n");
}

TEST(CopyCommand, MissingSourceCopiesNothing) {
  EngineHarness h;
  EXPECT_EQ(h.run({"copy", "nope", "dst"}), ":0\r\n");
  EXPECT_EQ(h.engine.stats().keyspace_misses, 1u);
}

TEST(CopyCommand, Errors) {
  EngineHarness h;
  put(h, "a", "v");
  EXPECT_EQ(h.run({"copy", "a", "a"}), kSameObject);
  EXPECT_EQ(h.run({"copy", "a", "a", "db", "0"}), kSameObject);
  EXPECT_EQ(h.run({"copy", "a", "b", "foo"}), kSyntax);
  EXPECT_EQ(h.run({"copy", "a", "b", "db"}), kSyntax);
  EXPECT_EQ(h.run({"copy", "a", "b", "db", "16"}), kOutOfRange);
  EXPECT_EQ(h.run({"copy", "a", "b", "db", "x"}), kNotInteger);
  EXPECT_EQ(h.run({"copy", "a"}), error("ERR wrong number of arguments for 'copy' command"));
}

// --- FLUSHDB / FLUSHALL ---

TEST(FlushCommands, FlushdbEmptiesOnlyTheSelectedDatabase) {
  EngineHarness h;
  put(h, "a", "v");
  put_ttl(h, "b", "v", 1'000);
  put(h, "c", "v", 1);
  EXPECT_EQ(h.run({"flushdb"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);
  EXPECT_EQ(h.engine.db(0).volatile_count(), 0u);
  EXPECT_EQ(h.engine.db(1).size(), 1u);
  EXPECT_EQ(h.engine.stats().dirty, 2u);
}

TEST(FlushCommands, AcceptSyncAndAsync) {
  EngineHarness h;
  put(h, "a", "v");
  EXPECT_EQ(h.run({"flushdb", "ASYNC"}), "+OK\r\n");
  put(h, "a", "v");
  EXPECT_EQ(h.run({"flushdb", "sync"}), "+OK\r\n");
  EXPECT_EQ(h.run({"flushall", "async"}), "+OK\r\n");
  EXPECT_EQ(h.engine.db(0).size(), 0u);
  EXPECT_EQ(h.run({"flushdb", "foo"}), kSyntax);
  EXPECT_EQ(h.run({"flushdb", "async", "x"}), kSyntax);
  EXPECT_EQ(h.run({"flushall", "sync", "sync"}), kSyntax);
}

TEST(FlushCommands, FlushallEmptiesEveryDatabaseAndCountsKeys) {
  EngineHarness h;
  put(h, "a", "v", 0);
  put(h, "b", "v", 0);
  put(h, "c", "v", 15);
  EXPECT_EQ(h.run({"flushall"}), "+OK\r\n");
  for (int db = 0; db < h.engine.db_count(); ++db) EXPECT_EQ(h.engine.db(db).size(), 0u);
  EXPECT_EQ(h.engine.stats().dirty, 3u);
  EXPECT_EQ(h.run({"flushall"}), "+OK\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 3u);
}

TEST(FlushCommands, FlushInvalidatesWatchOfExistingKeys) {
  EngineHarness h;
  Session other;
  put(h, "k", "v");
  h.run({"watch", "k"});
  h.run(other, {"flushdb"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");

  put(h, "k", "v", 4);
  h.run({"select", "4"});
  h.run({"watch", "k"});
  h.run(other, {"flushall"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

TEST(FlushCommands, FlushLeavesWatchOfAbsentKeysAlone) {
  EngineHarness h;
  Session other;
  put(h, "x", "v");
  h.run({"watch", "k"});
  h.run(other, {"flushdb"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*0\r\n");
}

}  // namespace
}  // namespace amber

namespace amber {
namespace {

TEST(CopyCommand, CopyOfSharedIntegerHasItsOwnObject) {
  EngineHarness h;
  h.run({"set", "a", "7"});
  EXPECT_EQ(h.run({"object", "refcount", "a"}), ":2147483647\r\n");
  EXPECT_EQ(h.run({"copy", "a", "b"}), ":1\r\n");
  EXPECT_EQ(h.run({"object", "refcount", "b"}), ":1\r\n");
  EXPECT_EQ(h.run({"object", "encoding", "b"}), "$3\r\nint\r\n");
  // A new value makes it a shared integer again.
  h.run({"set", "b", "8"});
  EXPECT_EQ(h.run({"object", "refcount", "b"}), ":2147483647\r\n");
}

}  // namespace
}  // namespace amber
