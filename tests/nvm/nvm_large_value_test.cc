// Values too long to log: NvmPersistence writes them into the store and logs
// a link (nvm/log_record.h), so a write of any size the store can hold is
// taken, acknowledged once durable and recovered after a crash, whether the
// crash comes before or after its record is folded in. A lone value that a
// record can still carry is linked only when the fold a link needs first is
// cheap; behind a long unfolded log it is logged whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/nvm/nvm_node.h"

namespace amber::nvm {
namespace {

constexpr int64_t kNow = 1'700'000'000'000'000;

// With kSmallBytes (1 MiB): a 256 KiB log whose largest record is just
// under 128 KiB, values past a quarter of that linked, a store of 768 KiB.
std::string big(size_t bytes, char c) { return std::string(bytes, c); }

bool fits(Node& n, std::vector<std::string_view> argv) {
  const CommandSpec* spec = n.h.engine.find_command(argv[0]);
  EXPECT_NE(spec, nullptr) << argv[0];
  return n.nvm->unit_fits(n.h.session, *spec, ArgList(argv.data(), argv.size()));
}

TEST(NvmLargeValue, AValueLongerThanTheLargestRecordIsLinkedAndSurvivesACrash) {
  TempDir dir;
  Keyspace acknowledged;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    ASSERT_LT(n.nvm->max_record_bytes(), size_t{128} << 10);
    EXPECT_EQ(n.nvm->link_threshold_bytes(), n.nvm->max_record_bytes() / 4);
    const std::string value = big(200000, 'v');
    EXPECT_TRUE(fits(n, {"SET", "huge", value}));
    n.run({"SET", "small", "s"});
    n.run({"SET", "huge", value, "PX", "100000000"});
    n.run({"SET", "after", "a"});
    n.nvm->before_reply();
    EXPECT_TRUE(n.nvm->healthy()) << n.nvm->health().to_string();
    EXPECT_EQ(n.nvm->stats().linked_values, 1u);
    EXPECT_LT(n.nvm->stats().bytes_appended, 1000u) << "the value was not logged";
    acknowledged = dump(n.h.engine);
  }  // crash: the link's record is in the log, not folded in
  {
    Node r(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    EXPECT_TRUE(dump(r.h.engine) == acknowledged);
    replay_all(*r.nvm);
    EXPECT_TRUE(r.nvm->healthy()) << r.nvm->health().to_string();
  }  // crash after the fold
  Node again(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(again.status.ok()) << again.status.to_string();
  EXPECT_TRUE(dump(again.h.engine) == acknowledged);
  ASSERT_TRUE(again.nvm->finish_fill().ok());
  for (int i = 0; i < 100 && again.nvm->store_rebuilding(); ++i)
    ASSERT_TRUE(again.nvm->step().ok());
  EXPECT_EQ(again.nvm->store_keys(), 3u);
}

TEST(NvmLargeValue, CommandsThatGrowOrCopyALongValueAndTransactionsAreLinked) {
  TempDir dir;
  Keyspace acknowledged;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    // Past the largest record: linked however long the unfolded log is.
    n.run({"SET", "grown", big(20000, 'y')});
    EXPECT_TRUE(fits(n, {"APPEND", "grown", big(130000, 'z')}));
    n.run({"APPEND", "grown", big(130000, 'z')});
    EXPECT_TRUE(fits(n, {"SETRANGE", "grown", "150000", "!"}));
    n.run({"SETRANGE", "grown", "150000", "!"});
    EXPECT_TRUE(fits(n, {"COPY", "grown", "twin"}));
    n.run({"COPY", "grown", "twin"});
    n.run({"MULTI"});
    n.run({"SET", "first", "1"});
    n.run({"APPEND", "grown", "tail"});
    n.run({"SELECT", "3"});
    n.run({"SET", "elsewhere", big(60000, 'e')});
    EXPECT_TRUE(fits(n, {"EXEC"}));
    EXPECT_EQ(n.run({"EXEC"}).substr(0, 2), "*4");
    n.run({"SELECT", "0"});
    n.run({"DEL", "twin"});
    n.nvm->before_reply();
    EXPECT_TRUE(n.nvm->healthy()) << n.nvm->health().to_string();
    // APPEND, SETRANGE, COPY, and the EXEC's three values: a unit with a
    // long value links every value it writes ("first" too).
    EXPECT_EQ(n.nvm->stats().linked_values, 6u);
    acknowledged = dump(n.h.engine);
  }
  Node r(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_TRUE(dump(r.h.engine) == acknowledged);
  EXPECT_EQ(acknowledged.at({0, "grown"}).first.size(), 150001u + 4);
  EXPECT_EQ(acknowledged.count({0, "twin"}), 0u);
  EXPECT_EQ(acknowledged.at({3, "elsewhere"}).first, big(60000, 'e'));
}

TEST(NvmLargeValue, ALoneValueARecordCanCarryIsLoggedWholeBehindALongUnfoldedLog) {
  TempDir dir;
  Keyspace acknowledged;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    const std::string value = big(n.nvm->link_threshold_bytes() + 1000, 'v');
    ASSERT_LT(value.size() + 100, n.nvm->max_record_bytes());
    // Nothing to fold first (and no fill to complete): linked.
    ASSERT_TRUE(n.nvm->finish_fill().ok());
    n.run({"SET", "linked", value});
    n.nvm->before_reply();
    EXPECT_EQ(n.nvm->stats().linked_values, 1u);
    replay_all(*n.nvm);
    // More unfolded log than an eighth of the value: logged whole, and
    // nothing is folded in for it.
    for (int i = 0; i < 200; ++i) n.run({"SET", "small:" + std::to_string(i), "s"});
    n.nvm->before_reply();
    const uint64_t lag = n.nvm->replay_lag_bytes();
    ASSERT_GT(lag, value.size() / 8);
    const uint64_t appended = n.nvm->stats().bytes_appended;
    n.run({"SET", "logged", value});
    n.nvm->before_reply();
    EXPECT_TRUE(n.nvm->healthy()) << n.nvm->health().to_string();
    EXPECT_EQ(n.nvm->stats().linked_values, 1u);
    EXPECT_GT(n.nvm->stats().bytes_appended, appended + value.size());
    EXPECT_GT(n.nvm->replay_lag_bytes(), lag);
    // Past the largest record: linked even so.
    n.run({"APPEND", "logged", big(n.nvm->max_record_bytes(), 'w')});
    n.nvm->before_reply();
    EXPECT_TRUE(n.nvm->healthy()) << n.nvm->health().to_string();
    EXPECT_EQ(n.nvm->stats().linked_values, 2u);
    acknowledged = dump(n.h.engine);
  }  // crash with the records in the log
  Node r(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_TRUE(dump(r.h.engine) == acknowledged);
  replay_all(*r.nvm);
  EXPECT_TRUE(r.nvm->healthy()) << r.nvm->health().to_string();
}

TEST(NvmLargeValue, WhatCannotBeLinkedIsStillRefusedBeforeItRuns) {
  TempDir dir;
  Node n(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(n.status.ok());
  // Larger than the whole store.
  EXPECT_FALSE(fits(n, {"SET", "k", big(900000, 'x')}));
  // A FLUSHDB, FLUSHALL or SWAPDB in the unit: every value is logged whole.
  n.run({"MULTI"});
  n.run({"FLUSHALL"});
  n.run({"SET", "k", big(200000, 'x')});
  EXPECT_FALSE(fits(n, {"EXEC"}));
  n.run({"DISCARD"});
  // Many values each short enough to log, too many for one record.
  n.run({"MULTI"});
  for (const char* key : {"a", "b", "c", "d", "e"}) n.run({"SET", key, big(30000, 'm')});
  EXPECT_FALSE(fits(n, {"EXEC"}));
  n.run({"DISCARD"});
  // No room beside what the store holds: the new value is written before
  // the old one is freed.
  n.run({"SET", "one", big(300000, '1')});
  n.run({"SET", "two", big(300000, '2')});
  n.nvm->before_reply();
  EXPECT_FALSE(fits(n, {"SET", "one", big(300000, '3')}));
  EXPECT_TRUE(fits(n, {"SET", "one", big(1000, '3')}));
  EXPECT_TRUE(n.nvm->healthy()) << n.nvm->health().to_string();
}

TEST(NvmLargeValue, ALargerNvmSizeGrowsTheStoreWithALinkNotFoldedIn) {
  TempDir dir;
  Keyspace acknowledged;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    n.run({"SET", "before", "b"});
    n.run({"SET", "huge", big(150000, 'h')});
    n.run({"SET", "after", "a"});
    n.nvm->before_reply();
    acknowledged = dump(n.h.engine);
  }  // crash with the link in the log
  Node r(dir.path, 4 * kSmallBytes, kNow);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_GT(r.nvm->stats().store_grown_from_bytes, 0u);
  EXPECT_TRUE(dump(r.h.engine) == acknowledged);
  replay_all(*r.nvm);
  EXPECT_TRUE(r.nvm->healthy()) << r.nvm->health().to_string();
}

// After a restart the keyspace comes into DRAM in the background; a linked
// write first folds the log in, which completes that fill.
TEST(NvmLargeValue, ALinkedWriteDuringTheFillAfterARestartCompletesIt) {
  TempDir dir;
  Keyspace acknowledged;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    for (int i = 0; i < 3000; ++i) n.run({"SET", "key" + std::to_string(i), std::to_string(i)});
    n.nvm->before_reply();
    replay_all(*n.nvm);
  }
  {
    Node r(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
    ASSERT_TRUE(r.nvm->filling());
    r.run({"SET", "key7", "seven"});
    r.run({"SET", "huge", big(150000, 'h')});
    r.nvm->before_reply();
    EXPECT_FALSE(r.nvm->filling()) << "the link's catch-up completed the fill";
    EXPECT_EQ(r.nvm->stats().linked_values, 1u);
    EXPECT_EQ(r.run({"GET", "key7"}), "$5\r\nseven\r\n");
    acknowledged = dump(r.h.engine);
    EXPECT_EQ(acknowledged.size(), 3001u);
  }  // crash: the link not folded in
  Node again(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(again.status.ok()) << again.status.to_string();
  EXPECT_TRUE(dump(again.h.engine) == acknowledged);
  replay_all(*again.nvm);
  Node last(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(last.status.ok()) << last.status.to_string();
  EXPECT_TRUE(dump(last.h.engine) == acknowledged);
}

// A SWAPDB changes which physical database a linked value belongs to: the
// catch-up folds it in first.
TEST(NvmLargeValue, ALinkedValueAfterASwapLandsInTheSwappedDatabase) {
  TempDir dir;
  Keyspace acknowledged;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    n.run({"SET", "zero", "0"});
    n.run({"SWAPDB", "0", "1"});
    n.run({"SET", "huge", big(150000, 'h')});  // db 0: physical db 1 now
    n.run({"SELECT", "1"});
    n.run({"SET", "huge", big(160000, 'i')});  // db 1: physical db 0
    n.nvm->before_reply();
    EXPECT_EQ(n.nvm->stats().linked_values, 2u);
    acknowledged = dump(n.h.engine);
  }
  Node r(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_TRUE(dump(r.h.engine) == acknowledged);
  EXPECT_EQ(acknowledged.at({0, "huge"}).first.size(), 150000u);
  EXPECT_EQ(acknowledged.at({1, "huge"}).first.size(), 160000u);
  replay_all(*r.nvm);
  EXPECT_TRUE(r.nvm->healthy()) << r.nvm->health().to_string();
  Node again(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(again.status.ok()) << again.status.to_string();
  EXPECT_TRUE(dump(again.h.engine) == acknowledged);
}

// After a restart the store counts its used bytes as its walk goes: a long
// value it has no room for must still be refused before it runs, not fail
// the mode once it ran.
TEST(NvmLargeValue, AValueTheStoreCannotTakeIsRefusedRightAfterARestart) {
  TempDir dir;
  {
    Node n(dir.path, kSmallBytes, kNow);
    ASSERT_TRUE(n.status.ok());
    n.run({"SET", "one", big(300000, '1')});
    n.run({"SET", "two", big(300000, '2')});
    n.nvm->before_reply();
    replay_all(*n.nvm);
  }
  Node r(dir.path, kSmallBytes, kNow);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  ASSERT_TRUE(r.nvm->store_rebuilding());
  EXPECT_FALSE(fits(r, {"SET", "three", big(300000, '3')}));
  EXPECT_FALSE(r.nvm->store_rebuilding()) << "the walk ended to count the used bytes";
  EXPECT_TRUE(fits(r, {"SET", "three", big(50000, '3')}));
  EXPECT_TRUE(r.nvm->healthy()) << r.nvm->health().to_string();
  EXPECT_TRUE(r.run({"GET", "one"}) == "$300000\r\n" + big(300000, '1') + "\r\n");
}

}  // namespace
}  // namespace amber::nvm
