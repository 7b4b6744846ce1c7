// RdbKeyBatch: the RDB loader's inserts, a few dozen keys at a time. Each
// key is hashed and its bucket prefetched as soon as it is read; the batch
// is inserted when full. Loading millions of keys into a table far larger
// than the CPU cache costs about one cache miss per key, and this lets those
// misses overlap instead of queueing one after another.
//
// Keys stay in the order read; a key already present (a corrupt file, or a
// key repeated within the batch) fails the flush at that key's offset.
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/db.h"
#include "core/status.h"

namespace amber {

class RdbKeyBatch {
 public:
  static constexpr size_t kCapacity = 32;
  // Builds the error for a key found twice, read at offset `at` in db `db`.
  using DuplicateError = std::function<Status(uint64_t at, std::string_view key, size_t db)>;

  explicit RdbKeyBatch(DuplicateError duplicate) : duplicate_(std::move(duplicate)) {}

  // Queues a key for `db`, taking the bytes of `key` and `value` (the
  // caller's strings get back spare buffers, so nothing is allocated per
  // key). True when the batch is full and must be flushed.
  bool add(Db& db, size_t db_index, std::string& key, std::string& value, int64_t expire_ms,
           uint32_t lru, uint64_t at);
  // Inserts every queued key; counts them in `*loaded`.
  Status flush(uint64_t* loaded);

 private:
  struct Item {
    Db* db = nullptr;
    size_t db_index = 0;
    std::string key;
    std::string value;
    int64_t expire_ms = 0;
    uint32_t lru = 0;
    uint64_t key_hash = 0;
    uint64_t at = 0;
  };

  DuplicateError duplicate_;
  std::vector<Item> items_ = std::vector<Item>(kCapacity);
  size_t size_ = 0;
};

}  // namespace amber
