// TouchedKeys: each (db, key) once, in first-touch order, through adds,
// FLUSHDB drops and SWAPDB remaps, below and above the size where the hash
// index takes over from the linear scan; checked against a plain vector
// model by a property, and across clear() (buffers reused from unit to unit).
#include "nvm/touched_keys.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace amber::nvm {
namespace {

using Model = std::vector<std::pair<int, std::string>>;

Model contents(const TouchedKeys& keys) {
  Model out;
  for (size_t i = 0; i < keys.size(); ++i) {
    out.emplace_back(keys.at(i).db, std::string(keys.at(i).key));
  }
  return out;
}

void model_add(Model& model, int db, const std::string& key) {
  if (std::find(model.begin(), model.end(), std::make_pair(db, key)) == model.end()) {
    model.emplace_back(db, key);
  }
}

TEST(TouchedKeys, AKeyTouchedTwiceIsHeldOnceInFirstTouchOrder) {
  TouchedKeys keys;
  keys.add(0, "b");
  keys.add(0, "a");
  keys.add(1, "b");
  keys.add(0, "b");
  EXPECT_EQ(contents(keys), (Model{{0, "b"}, {0, "a"}, {1, "b"}}));
}

TEST(TouchedKeys, FlushDropsOnlyThatDatabaseAndSwapRemaps) {
  TouchedKeys keys;
  keys.add(0, "x");
  keys.add(2, "y");
  keys.add(1, "z");
  keys.swap_dbs(0, 2);
  EXPECT_EQ(contents(keys), (Model{{2, "x"}, {0, "y"}, {1, "z"}}));
  keys.drop_db(2);
  EXPECT_EQ(contents(keys), (Model{{0, "y"}, {1, "z"}}));
  keys.add(2, "x");  // after the flush, a fresh touch
  keys.add(0, "y");  // already held
  EXPECT_EQ(contents(keys), (Model{{0, "y"}, {1, "z"}, {2, "x"}}));
}

TEST(TouchedKeys, ALargeUnitIsDeduplicatedThroughTheIndexAndClearStartsAfresh) {
  TouchedKeys keys;
  const size_t n = TouchedKeys::kRetainedEntries + 10;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < n; ++i) keys.add(static_cast<int>(i % 3), "k" + std::to_string(i));
    for (size_t i = 0; i < n; ++i) keys.add(static_cast<int>(i % 3), "k" + std::to_string(i));
    ASSERT_EQ(keys.size(), n);
    EXPECT_EQ(keys.at(n - 1).key, "k" + std::to_string(n - 1));
    keys.drop_db(1);
    keys.add(1, "k1");
    EXPECT_EQ(keys.at(keys.size() - 1).key, "k1");
    keys.clear();
    EXPECT_TRUE(keys.empty());
    keys.add(0, "k0");
    EXPECT_EQ(keys.size(), 1u);
    keys.clear();
  }
}

RC_GTEST_PROP(TouchedKeys, BehavesLikeAnOrderedSetOfFirstTouches, ()) {
  TouchedKeys keys;
  Model model;
  const auto steps = *rc::gen::inRange<size_t>(0, 200);
  for (size_t i = 0; i < steps; ++i) {
    const int action = *rc::gen::inRange(0, 20);
    const int db = *rc::gen::inRange(0, 4);
    if (action == 0) {
      keys.drop_db(db);
      std::erase_if(model, [db](const auto& k) { return k.first == db; });
    } else if (action == 1) {
      const int other = *rc::gen::inRange(0, 4);
      keys.swap_dbs(db, other);
      for (auto& [d, key] : model) d = d == db ? other : (d == other ? db : d);
    } else if (action == 2) {
      keys.clear();
      model.clear();
    } else {
      // A small key space, so that keys repeat.
      const std::string key = "key:" + std::to_string(*rc::gen::inRange(0, 40));
      keys.add(db, key);
      model_add(model, db, key);
    }
    RC_ASSERT(contents(keys) == model);
  }
}

}  // namespace
}  // namespace amber::nvm
