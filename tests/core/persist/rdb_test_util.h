// Shared helpers for the RDB tests: a set of databases outside an engine,
// and a comparable snapshot of their contents.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "core/db.h"
#include "core/entry.h"

namespace amber::testing {

struct KeyState {
  std::string value;
  int64_t expire_ms = kNoExpire;
  bool operator==(const KeyState&) const = default;
};

// (db, key) -> state
using Snapshot = std::map<std::pair<int, std::string>, KeyState>;

class TestDbs {
 public:
  explicit TestDbs(int count = 16) {
    for (int i = 0; i < count; ++i) {
      owned_.push_back(std::make_unique<Db>(0x5eed + static_cast<uint64_t>(i)));
      ptrs_.push_back(owned_.back().get());
    }
  }
  std::vector<Db*>& dbs() { return ptrs_; }
  Db& db(int i) { return *ptrs_[static_cast<size_t>(i)]; }

  // Sets key (replacing it) with Redis's encoding choice.
  void set(int db_index, std::string_view key, std::string_view value,
           int64_t expire_ms = kNoExpire) {
    Db& d = db(db_index);
    d.erase(key);
    Entry* e = d.insert(key, value, encoding_for_new_string(value));
    if (expire_ms != kNoExpire) d.set_expire(e, expire_ms);
  }

  Snapshot snapshot() const {
    Snapshot out;
    for (size_t i = 0; i < ptrs_.size(); ++i) {
      ptrs_[i]->for_each([&](Entry* e) {
        out[{static_cast<int>(i), std::string(e->key())}] =
            KeyState{std::string(e->value()), e->expire_ms};
      });
    }
    return out;
  }

 private:
  std::vector<std::unique_ptr<Db>> owned_;
  std::vector<Db*> ptrs_;
};

}  // namespace amber::testing
