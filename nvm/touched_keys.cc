// TouchedKeys (contract in touched_keys.h). NvmPersistence used a
// std::set<pair<int, string>> here: a tree node and a key allocation per
// write, and the set's order was never needed, only its uniqueness. This is
// the cheaper shape: a reused vector in first-touch order, a linear scan for
// small units and an open-addressing index over the vector beyond that.
#include "nvm/touched_keys.h"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <utility>

#include "core/assert.h"

namespace amber::nvm {
namespace {

// Key buffers larger than this are not kept for the next unit.
constexpr size_t kRetainedKeyBytes = 256;

}  // namespace

void TouchedKeys::trim(Entry& e) {
  if (e.key.capacity() > kRetainedKeyBytes) std::string().swap(e.key);
}

uint64_t TouchedKeys::hash(int db, std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), static_cast<uint64_t>(db));
}

size_t TouchedKeys::find(int db, std::string_view key, uint64_t h) const {
  const size_t mask = index_.size() - 1;
  for (size_t i = h & mask; index_[i] != 0; i = (i + 1) & mask) {
    const Entry& e = entries_[index_[i] - 1];
    if (e.db == db && e.key == key) return index_[i] - 1;
  }
  return size_;
}

void TouchedKeys::index_insert(uint32_t position, uint64_t h) {
  const size_t mask = index_.size() - 1;
  size_t i = h & mask;
  while (index_[i] != 0) i = (i + 1) & mask;
  index_[i] = position + 1;
}

void TouchedKeys::rebuild_index() {
  if (size_ <= kLinearScanMax) {
    index_.clear();
    return;
  }
  AMBER_ASSERT(size_ < UINT32_MAX / 4);
  index_.assign(std::bit_ceil(std::max<size_t>(16, 4 * size_)), 0);
  for (size_t i = 0; i < size_; ++i) {
    index_insert(static_cast<uint32_t>(i), hash(entries_[i].db, entries_[i].key));
  }
}

void TouchedKeys::add(int db, std::string_view key) {
  uint64_t h = 0;
  if (index_.empty()) {
    for (size_t i = 0; i < size_; ++i) {
      if (entries_[i].db == db && entries_[i].key == key) return;
    }
  } else {
    h = hash(db, key);
    if (find(db, key, h) != size_) return;
  }
  if (size_ < entries_.size()) {
    entries_[size_].db = db;
    entries_[size_].key.assign(key);
  } else {
    entries_.push_back(Entry{db, std::string(key)});
  }
  ++size_;
  if (index_.empty()) {
    if (size_ > kLinearScanMax) rebuild_index();
  } else if (2 * size_ > index_.size()) {
    rebuild_index();
  } else {
    index_insert(static_cast<uint32_t>(size_ - 1), h);
  }
}

void TouchedKeys::drop_db(int db) {
  size_t kept = 0;
  for (size_t i = 0; i < size_; ++i) {
    if (entries_[i].db == db) continue;
    if (kept != i) {
      // Swap, not move: the dropped entry's buffer stays for reuse.
      entries_[kept].db = entries_[i].db;
      entries_[kept].key.swap(entries_[i].key);
    }
    ++kept;
  }
  if (kept == size_) return;
  for (size_t i = kept; i < size_; ++i) trim(entries_[i]);
  size_ = kept;
  rebuild_index();
}

void TouchedKeys::swap_dbs(int a, int b) {
  bool moved = false;
  for (size_t i = 0; i < size_; ++i) {
    int& db = entries_[i].db;
    if (db == a || db == b) {
      db = db == a ? b : a;
      moved = true;
    }
  }
  if (moved && !index_.empty()) rebuild_index();
}

void TouchedKeys::clear() {
  if (size_ > kRetainedEntries) {
    std::vector<Entry>().swap(entries_);
    std::vector<uint32_t>().swap(index_);
  } else {
    for (size_t i = 0; i < size_; ++i) trim(entries_[i]);
    index_.clear();
  }
  size_ = 0;
}

}  // namespace amber::nvm
