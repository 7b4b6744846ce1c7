// Db with a LazyKeyspace attached: a lookup miss asks it, and every method
// that sees the whole keyspace (or starts a snapshot) fills it in first.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/db.h"
#include "core/io/random.h"

namespace amber {
namespace {

// Holds "cold:<n>" keys outside the Db until asked.
class FakeLazy final : public LazyKeyspace {
 public:
  explicit FakeLazy(Db& db) : db_(db) { db_.set_lazy(this); }
  Entry* fault_in(Db& db, std::string_view key) override {
    ++faults;
    if (!key.starts_with("cold:") || filled_) return nullptr;
    return db.insert(key, "v", Encoding::kEmbstr);
  }
  void fill_all() override {
    ++fills;
    db_.set_lazy(nullptr);
    for (int i = 0; i < 3; ++i) {
      std::string key = "cold:" + std::to_string(i);
      if (db_.find_resident(key) == nullptr) db_.insert(key, "v", Encoding::kEmbstr);
    }
    filled_ = true;
  }
  int faults = 0;
  int fills = 0;

 private:
  Db& db_;
  bool filled_ = false;
};

class NoopObserver final : public SnapshotObserver {
 public:
  void before_change(Db&, const Entry&) override {}
};

TEST(DbLazy, AMissFaultsTheKeyInAndAHitDoesNotAsk) {
  Db db(1);
  FakeLazy lazy(db);
  db.insert("hot", "v", Encoding::kEmbstr);
  EXPECT_NE(db.find("hot"), nullptr);
  EXPECT_EQ(lazy.faults, 0);
  EXPECT_NE(db.find("cold:1"), nullptr);
  EXPECT_EQ(db.find("nothing"), nullptr);
  EXPECT_EQ(lazy.faults, 2);
  EXPECT_EQ(db.find_resident("cold:2"), nullptr);
  EXPECT_EQ(db.resident_size(), 2u);
  EXPECT_EQ(lazy.fills, 0);
}

TEST(DbLazy, WholeKeyspaceMethodsFillFirst) {
  Db db(1);
  FakeLazy lazy(db);
  EXPECT_EQ(db.size(), 3u);
  EXPECT_EQ(lazy.fills, 1);
  EXPECT_FALSE(db.lazy());
  EXPECT_EQ(db.size(), 3u);
  EXPECT_EQ(lazy.fills, 1) << "detached after the fill";
}

TEST(DbLazy, ScanForEachClearAndRandomEntryFillFirst) {
  {
    Db db(1);
    FakeLazy lazy(db);
    int seen = 0;
    db.for_each([&](Entry*) { ++seen; });
    EXPECT_EQ(seen, 3);
  }
  {
    Db db(1);
    FakeLazy lazy(db);
    SeededRandom random(3);
    EXPECT_NE(db.random_entry(random), nullptr);
  }
  {
    Db db(1);
    FakeLazy lazy(db);
    db.clear();
    EXPECT_EQ(lazy.fills, 1);
    EXPECT_EQ(db.size(), 0u) << "the filled keys were cleared too";
  }
}

TEST(DbLazy, ASnapshotStartsOnlyAfterEveryKeyIsResident) {
  Db db(1);
  FakeLazy lazy(db);
  NoopObserver observer;
  db.set_snapshot(&observer, true);
  EXPECT_EQ(lazy.fills, 1);
  // Filled before the snapshot's parity was set: they are part of it.
  Entry* e = db.find_resident("cold:0");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(db.is_saved(*e));
  db.set_snapshot(nullptr, true);
}

TEST(DbLazy, DestroyingADbNeverFills) {
  auto db = std::make_unique<Db>(1);
  FakeLazy lazy(*db);
  db->insert("hot", "v", Encoding::kEmbstr);
  db.reset();
  EXPECT_EQ(lazy.fills, 0);
}

}  // namespace
}  // namespace amber
