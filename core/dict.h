// Dict: the hash table behind a database's keyspace. Chained buckets with a
// power-of-two size, grown and shrunk incrementally (two tables while a
// rehash is in progress, a few buckets moved per operation), as Redis's
// dict.c does. The shape is chosen for SCAN: with Redis's reverse-binary
// cursor every key present for a whole scan is returned at least once, even
// across resizes.
//
// Intrusive: entries are chained through Entry::next and owned by the caller
// (Db). Not thread-safe; one owner thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/entry.h"
#include "core/zeroed_buckets.h"

namespace amber {

class Random;

class Dict {
 public:
  explicit Dict(uint64_t hash_seed);
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&& other) noexcept;
  Dict& operator=(Dict&& other) noexcept;

  size_t size() const { return size_; }
  size_t bucket_count() const { return table_[0].size() + table_[1].size(); }
  bool rehashing() const { return rehash_index_ >= 0; }

  Entry* find(std::string_view key);
  // The link that points at the entry with `key` (so that the caller can
  // replace a reallocated entry in place), or nullptr if absent.
  Entry** find_link(std::string_view key);
  // REQUIRES: no entry with e->key() is present.
  void insert(Entry* e);
  // The same with the key's hash (hash(key)) already computed: bulk loads
  // hash a batch of keys, prefetch their buckets, then insert them.
  Entry* find(std::string_view key, uint64_t key_hash);
  void insert(Entry* e, uint64_t key_hash);
  // Starts loading the bucket of `key_hash` into the cache.
  void prefetch(uint64_t key_hash) const;
  // Starts loading the first entry chained in that bucket: the second miss
  // of a lookup. Call it once the bucket itself has arrived.
  void prefetch_chain(uint64_t key_hash) const;
  // Unlinks and returns the entry with `key`, or nullptr. Does not free it.
  Entry* remove(std::string_view key);
  // Unlinks every entry and calls `dispose` on each.
  void clear(const std::function<void(Entry*)>& dispose);

  // One SCAN step from `cursor`; calls `emit` for each entry of the visited
  // buckets and returns the next cursor (0 when the scan is complete).
  // `emit` must not modify the dict.
  uint64_t scan(uint64_t cursor, const std::function<void(Entry*)>& emit) const;

  // A random entry (fair across buckets, as Redis's dictGetFairRandomKey), or
  // nullptr if empty.
  Entry* random_entry(Random& random);
  // Appends every entry of the buckets at and after `position` (modulo the
  // bucket count, both tables while rehashing) until `count` buckets with
  // entries or count * 10 buckets were visited, and returns the position
  // after the last one visited: a sweeping hand for eviction (CLOCK) that
  // meets every entry once per lap, cheap because neighbouring buckets
  // share cache lines.
  size_t sample_from(size_t position, size_t count, std::vector<Entry*>* out) const;

  // Calls `fn` on every entry. `fn` must not modify the dict.
  void for_each(const std::function<void(Entry*)>& fn) const;

  // Moves up to `buckets` buckets of an in-progress rehash. Returns true if
  // more work remains.
  bool rehash_step(size_t buckets);
  // Makes room for `n` entries without growing step by step (Redis's
  // dictExpand, used with an RDB's RESIZEDB hint): an empty table is sized
  // at once, a non-empty one starts an incremental resize. No-op while a
  // rehash runs or if the table is already large enough.
  void reserve(size_t n);
  // Starts shrinking if the table is less than 10% full (Redis's
  // HASHTABLE_MIN_FILL); the host calls this from its periodic step.
  void maybe_shrink();

  uint64_t hash(std::string_view key) const;

 private:
  using Table = ZeroedBuckets<Entry*>;

  Entry** find_link(std::string_view key, uint64_t key_hash);
  void maybe_expand();
  void start_resize(size_t buckets);
  void finish_rehash_if_done();

  Table table_[2];
  int64_t rehash_index_ = -1;  // next bucket of table_[0] to move, or -1
  size_t size_ = 0;
  uint64_t seed_;
};

}  // namespace amber
