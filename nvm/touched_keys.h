// TouchedKeys: the keys one write unit changed, as NvmPersistence collects
// them between two log records. Each (db, key) is held once, in the order of
// its first touch, so a key written twice in a unit is logged once, with its
// final state.
//
// It is on the path of every write, so it is shaped for the common unit of
// one key: entries and their key buffers are reused from unit to unit (no
// allocation once warm), a unit of a few keys is deduplicated by a linear
// scan, and only a larger one (MSET, DEL of many keys, EXEC) builds a hash
// index. Memory is bounded by the largest recent unit: clear() gives the
// buffers back once they exceed kRetainedEntries.
// Threads: the engine's one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace amber::nvm {

class TouchedKeys {
 public:
  struct Key {
    int db = 0;
    std::string_view key;
  };

  // Units up to this many keys are deduplicated without the index.
  static constexpr size_t kLinearScanMax = 8;
  // clear() frees the buffers when more entries than this were in use.
  static constexpr size_t kRetainedEntries = 1024;

  // Adds (db, key) unless it is already held.
  void add(int db, std::string_view key);
  // Drops every key of `db` (a FLUSHDB makes their earlier states moot);
  // the others keep their order.
  void drop_db(int db);
  // The keys of `a` now belong to `b` and the other way round (SWAPDB).
  void swap_dbs(int a, int b);
  // Forgets every key; keeps the buffers for the next unit (within bounds).
  void clear();

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: i < size(). The view is valid until the next non-const call.
  Key at(size_t i) const { return {entries_[i].db, entries_[i].key}; }

 private:
  struct Entry {
    int db = 0;
    std::string key;
  };

  static uint64_t hash(int db, std::string_view key);
  // Frees a spare entry's key buffer when it is too large to keep.
  static void trim(Entry& e);
  // Position of (db, key) among the first size_ entries, or size_.
  size_t find(int db, std::string_view key, uint64_t h) const;
  void rebuild_index();
  void index_insert(uint32_t position, uint64_t h);

  std::vector<Entry> entries_;  // [0, size_) in use; the rest are spare buffers
  size_t size_ = 0;
  // Open addressing over entries_ positions + 1 (0: empty), power-of-two
  // sized, at most half full. Empty while size_ <= kLinearScanMax.
  std::vector<uint32_t> index_;
};

}  // namespace amber::nvm
