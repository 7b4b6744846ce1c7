// Db: one numbered database (SELECT n): the keyspace Dict, the list of keys
// that carry an expire time (sampled by active expiry), and the ownership of
// every Entry. Mechanism only: lazy expiry, statistics and WATCH live in the
// engine (core/keyspace_ops.h), which calls into this.
//
// Snapshots: every mutation of an existing entry goes through Db, which first
// lets a running snapshot save the entry's old state (copy-on-write at key
// level, see core/persist/snapshot.h). Code outside Db must never write an
// entry's bytes directly; write_value_range is the in-place writer.
//
// Lazy keyspace (NVM restart, core/lazy_keyspace.h): while one is attached,
// a lookup miss asks it for the key, and every method that observes the
// whole keyspace (size, volatile_count, for_each, scan, random_entry,
// random_volatile, clear, swap_contents, preserve_all, dict, starting a
// snapshot) first has it fill every key in. Those methods stay const where
// they were: the fill changes where keys live, not which keys exist. The
// *_resident methods see only what is in DRAM (active expiry, the lazy
// keyspace itself).
//
// Value tier (NVM capacity tier, core/value_tier.h): an entry may be
// offloaded (key and metadata resident, value elsewhere). find() brings its
// value back before returning it, so commands never see one; whole-keyspace
// walks (for_each, scan, random_entry) do, and read values through
// readable(). dram_bytes() is what the keyspace occupies in DRAM, kept
// exactly as entries are allocated and freed.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/dict.h"
#include "core/entry.h"
#include "core/lazy_keyspace.h"
#include "core/value_tier.h"

namespace amber {

class Random;
class Db;

// Room for a full copy of an offloaded entry (Db::readable), 8-aligned.
using EntryScratch = std::vector<uint64_t>;

// A point-in-time snapshot in progress, told about an entry before Db changes
// or frees it while the entry is not yet saved. Called on the engine thread.
class SnapshotObserver {
 public:
  virtual ~SnapshotObserver() = default;
  // `e` still holds the state it had when the snapshot started.
  virtual void before_change(Db& db, const Entry& e) = 0;
};

class Db {
 public:
  explicit Db(uint64_t hash_seed);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  size_t size() const {
    complete();
    return dict_.size();
  }
  size_t volatile_count() const {
    complete();
    return volatile_.size();
  }
  size_t resident_size() const { return dict_.size(); }
  size_t resident_volatile_count() const { return volatile_.size(); }
  // Changes whenever an entry is freed, moved or unlinked, or the contents
  // are swapped: an entry found while it had one value is still its key's
  // entry, in this Db, while it has that value (NVM mode logs a write's
  // entry without looking its key up again).
  uint64_t entry_epoch() const { return entry_epoch_; }

  // The entry for `key`, expired or not, with its value resident.
  Entry* find(std::string_view key) { return resolve(dict_.find(key), key); }
  // For a command that only reads the entry: sets its access clock to
  // `now_lru` and returns it, expired or not. An offloaded entry comes back
  // as find() brings it only if the tier admits it (admit_on_read); else
  // the result is a full copy in one of two scratch buffers, valid until the
  // second find_for_read() after this one or any change to this Db (LCS
  // reads two keys at once).
  const Entry* find_for_read(std::string_view key, uint32_t now_lru);
  // Only what is in DRAM: no fault-in, and the entry may be offloaded.
  Entry* find_resident(std::string_view key) { return dict_.find(key); }
  Entry* find_resident(std::string_view key, uint64_t key_hash) {
    return dict_.find(key, key_hash);
  }

  // Attaches (or, with nullptr, detaches) the lazy keyspace.
  void set_lazy(LazyKeyspace* lazy) { lazy_ = lazy; }
  bool lazy() const { return lazy_ != nullptr; }

  // Adds a new key with a string value and no expire. REQUIRES: key absent.
  Entry* insert(std::string_view key, std::string_view value, Encoding encoding);
  // Sizes the table for `n` keys at once (see Dict::reserve).
  void reserve(size_t n) { dict_.reserve(n); }
  // Bulk loading: hash a batch of keys, prefetch their buckets, then find /
  // insert each with its hash (see Dict).
  uint64_t key_hash(std::string_view key) const { return dict_.hash(key); }
  void prefetch(uint64_t key_hash) const { dict_.prefetch(key_hash); }
  void prefetch_chain(uint64_t key_hash) const { dict_.prefetch_chain(key_hash); }
  Entry* find(std::string_view key, uint64_t key_hash) {
    return resolve(dict_.find(key, key_hash), key);
  }
  Entry* insert(std::string_view key, std::string_view value, Encoding encoding, uint64_t key_hash);

  // --- value tier (core/value_tier.h) ---
  // Attaches (or, with nullptr, detaches) the tier offloaded values live in.
  // Offloaded entries left after a detach can only be freed (the Db's
  // destruction or clear()): find() would have nowhere to read them from.
  void set_value_tier(ValueTier* tier) { tier_ = tier; }
  // Entries created from now on are tagged (entry.h): NVM mode keeps in
  // each where its log last wrote the key.
  void set_tag_entries(bool on) { tag_entries_ = on; }
  // The fixed bytes of an entry's allocation: its header, and the tag word
  // while entries are tagged (MEMORY STATS' estimate of the overhead).
  size_t entry_fixed_bytes() const { return sizeof(Entry) + (tag_entries_ ? sizeof(uint64_t) : 0); }
  // Replaces the value of `e` by `handle` (the tier holds the value). The
  // entry moves: use the returned pointer. REQUIRES: a tier is attached,
  // !e->is_offloaded().
  Entry* offload(Entry* e, uint64_t handle);
  // Adds a new key whose value is already in the tier. REQUIRES: key absent.
  Entry* insert_offloaded(std::string_view key, uint64_t handle, uint32_t value_len,
                          Encoding encoding, uint64_t key_hash);
  // `e` itself, or for an offloaded entry a full copy in `scratch` (valid
  // until scratch changes) with the value read from the tier. For readers
  // that walk the keyspace: nothing becomes resident.
  const Entry& readable(const Entry& e, EntryScratch* scratch) const;
  // Bytes of DRAM the keyspace holds: entries (as malloc sized them), the
  // bucket array and the volatile-key list.
  size_t dram_bytes() const {
    return entry_bytes_ + dict_.bucket_count() * sizeof(Entry*) +
           volatile_.capacity() * sizeof(Entry*);
  }
  // Entries whose value is offloaded.
  size_t offloaded_count() const { return offloaded_count_; }
  // Up to `count` resident entries (possibly offloaded) from the table at
  // and after `position` (Dict::sample_from); no fill.
  size_t sample_resident(size_t position, size_t count, std::vector<Entry*>* out) const {
    return dict_.sample_from(position, count, out);
  }
  // Replaces the string value of `e`; keeps its expire. May move the entry:
  // use the returned pointer from then on.
  Entry* replace_value(Entry* e, std::string_view value, Encoding encoding);
  // Makes the value `new_len` bytes long (bytes past the old length are
  // zero), growing the allocation geometrically as Redis's sds does, so
  // repeated APPENDs are amortised O(1). May move the entry.
  Entry* resize_value(Entry* e, size_t new_len);
  // Writes `bytes` at `offset` of the value (growing it as resize_value does)
  // and leaves the "raw" encoding: SETRANGE and APPEND. May move the entry.
  Entry* write_value_range(Entry* e, size_t offset, std::string_view bytes);
  // Removes and frees the entry. Returns false if the key was absent.
  bool erase(std::string_view key);

  void set_expire(Entry* e, int64_t when_ms);
  void clear_expire(Entry* e);

  Entry* random_entry(Random& random) {
    complete();
    return dict_.random_entry(random);
  }
  // A random key that has an expire time, or nullptr.
  Entry* random_volatile(Random& random) {
    complete();
    return random_resident_volatile(random);
  }
  Entry* random_resident_volatile(Random& random);

  // One SCAN step; see Dict::scan.
  uint64_t scan(uint64_t cursor, const std::function<void(Entry*)>& emit) const {
    complete();
    return dict_.scan(cursor, emit);
  }
  void for_each(const std::function<void(Entry*)>& fn) const {
    complete();
    dict_.for_each(fn);
  }

  void clear();
  // SWAPDB: exchanges the whole contents of two databases.
  void swap_contents(Db& other);

  // Incremental housekeeping: rehash and shrink. Called from the engine's cron.
  void housekeeping();
  Dict& dict() {
    complete();
    return dict_;
  }

  // --- snapshot copy-on-write (core/persist/snapshot.h) ---
  // Starts (observer != nullptr) or ends a snapshot. Entries whose mark
  // differs from `parity` are "not yet saved"; inserts get `parity`.
  void set_snapshot(SnapshotObserver* observer, bool parity);
  bool snapshot_parity() const { return parity_; }
  bool snapshot_running() const { return observer_ != nullptr; }
  bool is_saved(const Entry& e) const { return e.snapshot_mark == (parity_ ? 1u : 0u); }
  void mark_saved(Entry* e) { e->snapshot_mark = parity_ ? 1u : 0u; }
  // Hands every not-yet-saved entry to the observer (before FLUSHDB/SWAPDB).
  void preserve_all();

 private:
  // A miss (`e` null) asks the lazy keyspace; the entry may be offloaded.
  Entry* fault_in_if_missing(Entry* e, std::string_view key) {
    if (e != nullptr || lazy_ == nullptr) [[likely]]
      return e;
    return lazy_->fault_in(*this, key);
  }
  // find()'s slow paths: a miss asks the lazy keyspace, an offloaded entry
  // gets its value back.
  Entry* resolve(Entry* e, std::string_view key) {
    e = fault_in_if_missing(e, key);
    if (e != nullptr && e->is_offloaded()) [[unlikely]]
      return bring_back(e);
    return e;
  }
  Entry* bring_back(Entry* e);
  // Every entry allocation and free goes through these (dram_bytes()).
  Entry* allocate(std::string_view key, size_t value_capacity);
  void release(Entry* e);
  // Points the dict link and the volatile slot of `from` at `to`.
  void relink(Entry* from, Entry* to);
  // Brings every lazy key in before a whole-keyspace operation.
  void complete() const {
    if (lazy_ != nullptr) [[unlikely]]
      lazy_->fill_all();
  }
  Entry* reallocate(Entry* e, size_t value_capacity);
  // The copy-on-write hook: runs before any change to an existing entry.
  void preserve(Entry* e) {
    if (!is_saved(*e)) {
      if (observer_ != nullptr) observer_->before_change(*this, *e);
      mark_saved(e);
    }
  }

  Dict dict_;
  std::vector<Entry*> volatile_;
  SnapshotObserver* observer_ = nullptr;
  bool parity_ = false;
  LazyKeyspace* lazy_ = nullptr;
  ValueTier* tier_ = nullptr;
  bool tag_entries_ = false;
  // find_for_read()'s copies of offloaded entries, used in turn.
  std::array<EntryScratch, 2> read_scratch_;
  size_t next_read_scratch_ = 0;
  size_t entry_bytes_ = 0;
  uint64_t entry_epoch_ = 0;
  size_t offloaded_count_ = 0;
};

}  // namespace amber
