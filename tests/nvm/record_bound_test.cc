// RecordBound: each rule on a known keyspace, then the property the host
// relies on — for random commands and transactions run against the NVM
// mode, the record actually logged is never larger than the bound taken
// before the unit ran.
#include "nvm/record_bound.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/io/random.h"
#include "tests/nvm/nvm_node.h"

namespace amber::nvm {
namespace {

constexpr uint64_t kKey = kUpsertOverheadBytes;  // per key, plus its name and size

class RecordBoundRules : public ::testing::Test {
 protected:
  uint64_t bound(std::vector<std::vector<std::string_view>> commands, int db = 0) {
    RecordBound b(16, &size_of_);
    for (const auto& argv : commands) {
      const Engine::Resolved r = h_.engine.resolve(argv);
      EXPECT_NE(r.spec, nullptr) << argv[0];
      if (r.spec != nullptr) b.add(*r.spec, argv, &db);
    }
    return b.bytes();
  }

  EngineHarness h_;
  std::map<std::pair<int, std::string>, uint64_t> sizes_;
  std::vector<std::string> looked_up_;
  RecordBound::SizeOf size_of_ = [this](int db, std::string_view key) {
    looked_up_.emplace_back(key);
    auto it = sizes_.find({db, std::string(key)});
    return it == sizes_.end() ? uint64_t{0} : it->second;
  };
};

TEST_F(RecordBoundRules, APlainSetNeedsNoLookupAndCountsOnlyItsValue) {
  sizes_[{0, "k"}] = 1000;
  EXPECT_EQ(bound({{"set", "k", "abc"}}), kRecordPrefixBytes + kKey + 1 + 3);
  EXPECT_TRUE(looked_up_.empty());
  // NX may leave the old value for a later command to extend.
  EXPECT_EQ(bound({{"set", "k", "abc", "NX"}}), kRecordPrefixBytes + kKey + 1 + 1000);
}

TEST_F(RecordBoundRules, AppendAndSetrangeGrowTheValueTheyKeep) {
  sizes_[{0, "k"}] = 1000;
  EXPECT_EQ(bound({{"append", "k", "abcd"}}), kRecordPrefixBytes + kKey + 1 + 1004);
  EXPECT_EQ(bound({{"setrange", "k", "5000", "xy"}}), kRecordPrefixBytes + kKey + 1 + 5002);
  EXPECT_EQ(bound({{"setrange", "k", "10", "xy"}}), kRecordPrefixBytes + kKey + 1 + 1000);
  // An EXPIRE logs the key's whole value again.
  EXPECT_EQ(bound({{"expire", "k", "100"}}), kRecordPrefixBytes + kKey + 1 + 1000 + 4);
}

TEST_F(RecordBoundRules, CopiesCarryTheSourceSizeAcrossKeysAndDatabases) {
  sizes_[{0, "src"}] = 7000;
  const uint64_t two_keys = kRecordPrefixBytes + 2 * kKey + 3 + 3;
  EXPECT_EQ(bound({{"copy", "src", "dst"}}), two_keys + 2 * 7000);
  EXPECT_EQ(bound({{"rename", "src", "dst"}}), two_keys + 2 * 7000);
  EXPECT_EQ(bound({{"copy", "src", "dst", "db", "3"}}), two_keys + 2 * 7000);
  // MOVE: the same name in two databases, two ops.
  EXPECT_EQ(bound({{"move", "src", "5"}}), kRecordPrefixBytes + 2 * (kKey + 3 + 7000));
}

TEST_F(RecordBoundRules, TransactionsFollowKeysThroughEachCommand) {
  sizes_[{0, "a"}] = 100;
  // The copy of a grown value carries the growth.
  EXPECT_EQ(bound({{"append", "a", "0123456789"}, {"copy", "a", "b"}, {"append", "b", "xyz"}}),
            kRecordPrefixBytes + 2 * (kKey + 1) + 110 + 113);
  // Deleting leaves a remove, whatever the value was.
  EXPECT_EQ(bound({{"del", "a"}}), kRecordPrefixBytes + kKey + 1);
  // SELECT moves the commands after it; a key of another database is another op.
  sizes_[{2, "a"}] = 5000;
  EXPECT_EQ(bound({{"select", "2"}, {"append", "a", "x"}}), kRecordPrefixBytes + kKey + 1 + 5001);
  // After SWAPDB 0 2, database 0 holds what database 2 held.
  EXPECT_EQ(bound({{"swapdb", "0", "2"}, {"append", "a", "x"}}),
            kRecordPrefixBytes + kStructuralOpBytes + kKey + 1 + 5001);
}

// The property: bound >= the bytes the unit logged, for random units.
TEST(RecordBound, NeverBelowTheRecordTheUnitLogs) {
  TempDir dir;
  Node node(dir.path, 8 << 20, 1'000'000'000);
  ASSERT_TRUE(node.status.ok()) << node.status.to_string();
  Engine& engine = node.h.engine;
  SeededRandom random(20261126);
  const std::vector<std::string> keys = {"a", "b", "c", "d"};
  auto key = [&] { return keys[random.uniform(keys.size())]; };
  auto value = [&] { return std::string(random.uniform(3) == 0 ? 3000 : 5, 'v'); };
  auto random_command = [&]() -> std::vector<std::string> {
    switch (random.uniform(16)) {
      case 0:
        return {"set", key(), value()};
      case 1:
        return {"set", key(), value(), "NX"};
      case 2:
        return {"append", key(), value()};
      case 3:
        return {"setrange", key(), std::to_string(random.uniform(9000)), "xyz"};
      case 4:
        return {"incr", key()};
      case 5:
        return {"copy", key(), key(), "REPLACE"};
      case 6:
        return {"rename", key(), key()};
      case 7:
        return {"move", key(), std::to_string(random.uniform(3))};
      case 8:
        return {"del", key(), key()};
      case 9:
        return {"expire", key(), "1000"};
      case 10:
        return {"swapdb", std::to_string(random.uniform(3)), std::to_string(random.uniform(3))};
      case 11:
        return {"select", std::to_string(random.uniform(3))};
      case 12:
        return {"mset", key(), value(), key(), value()};
      case 13:
        return {"getdel", key()};
      case 14:
        return {"flushdb"};
      default:
        return {"copy", key(), key(), "DB", std::to_string(random.uniform(3)), "REPLACE"};
    }
  };
  const RecordBound::SizeOf size_of = [&engine](int db, std::string_view k) {
    const Entry* e = engine.db(db).find_resident(k);
    return e != nullptr ? uint64_t{e->value_len} : uint64_t{0};
  };
  auto views_of = [](const std::vector<std::string>& argv) {
    return std::vector<std::string_view>(argv.begin(), argv.end());
  };
  size_t checked = 0;
  for (int unit = 0; unit < 3000; ++unit) {
    std::vector<std::vector<std::string>> commands;
    const bool transaction = random.uniform(3) == 0;
    const size_t n = transaction ? 1 + random.uniform(6) : 1;
    for (size_t i = 0; i < n; ++i) commands.push_back(random_command());
    RecordBound bound(engine.db_count(), &size_of);
    int db = node.h.session.db;
    for (const auto& argv : commands) {
      auto views = views_of(argv);
      bound.add(*engine.resolve(views).spec, views, &db);
    }
    const uint64_t before = node.nvm->stats().bytes_appended;
    if (transaction) node.run({"multi"});
    for (const auto& argv : commands) node.h.run_vector(node.h.session, views_of(argv));
    if (transaction) node.run({"exec"});
    node.nvm->before_reply();
    const uint64_t logged = node.nvm->stats().bytes_appended - before;
    ASSERT_LE(logged, bound.bytes()) << "unit " << unit << " starting with " << commands[0][0];
    if (logged > 0) ++checked;
    if (unit % 50 == 0) replay_all(*node.nvm);
  }
  EXPECT_GT(checked, 1000u);  // most units wrote something
}

}  // namespace
}  // namespace amber::nvm
