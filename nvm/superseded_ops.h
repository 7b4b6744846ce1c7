// SupersededOps: which key ops (upserts, removes) of the log's unreplayed
// records a later *durable* record overwrites, so that the Replayer can skip
// them. A key rewritten five times while its records wait in the log then
// costs the store one out-of-place write, not five: under a sustained load
// that rewrites keys (any skew) most of the replay's store traffic goes.
//
//   log   [head ............ planned) [planned .... tail)
//          ops numbered by ordinal      not looked at yet
//
// The Replayer numbers every key op of the log in log order (its ordinal)
// and plans records (add / barrier) before it applies them (superseded).
// Rules, each needed for the skip to be safe:
//   - only ops in durable records are planned: the op that supersedes a
//     skipped one is in [head, tail) and is replayed after it, by this
//     process or by recovery after a crash;
//   - a FLUSHDB, FLUSHALL or SWAPDB is a barrier: an op before it is never
//     superseded by one after it (a swap changes which key (db, key) names);
//   - an op is marked only while it is unapplied (ordinal >= applied), so
//     the key bytes the table points at are still in the log.
// The table is a cache: a key evicted from it (bucket full) only loses the
// chance to skip its earlier op. Equality is exact (db and key bytes), so a
// hash collision never skips anything.
// What this does to the store's contract: after a skip the store may hold,
// for a key, a state older than its applied seq implies, until the record
// that superseded it is applied — always later in the same log (see
// docs/NVM_FORMAT.md). Threads: one at a time (the Replayer's).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/zeroed_buckets.h"

namespace amber::nvm {

class SupersededOps {
 public:
  // Room for about `window_ops` unapplied ops; sized from the log.
  explicit SupersededOps(size_t window_ops);
  ~SupersededOps();
  SupersededOps(const SupersededOps&) = delete;
  SupersededOps& operator=(const SupersededOps&) = delete;

  // The ordinal the next planned op gets.
  uint64_t planned() const { return planned_; }
  // True when `ops` more ops can be planned beside the unapplied ones.
  bool has_room(size_t ops) const { return planned_ + ops - applied_ <= ring_bits_; }
  // The hash add() takes: computed (and its bucket prefetched) a few ops
  // ahead, so that the table's cache misses overlap.
  static uint64_t hash(uint32_t db, std::string_view key);
  void prefetch(uint64_t hash) const;
  // A key op to plan. `key` must stay valid until the op is applied (it
  // points into the log); `hash` is hash(db, key).
  struct Op {
    uint32_t db;
    std::string_view key;
    uint64_t hash;
  };
  // Plans `ops`, in order, as the next ops; each marks the op before it on
  // the same key superseded when the rules above allow.
  void add(std::span<const Op> ops);
  // Gives the next `ops` ops ordinals without planning them (a record with
  // more ops than the window): none of them is reported superseded.
  void skip(size_t ops);
  // A FLUSHDB, FLUSHALL or SWAPDB between the ops planned so far and the
  // next ones.
  void barrier() { barrier_ = planned_; }
  // True if a later durable op overwrites op `ordinal`.
  // REQUIRES: applied() <= ordinal < planned().
  bool superseded(uint64_t ordinal) const;
  // Ops before `ordinal` are applied: their keys may leave the log.
  void set_applied(uint64_t ordinal) { applied_ = ordinal; }
  uint64_t applied() const { return applied_; }

 private:
  // A key's first bytes, zero-padded, compared as four words: a memcmp
  // call here (glibc's masked vector loads) cost ~8 % of a pipelined SET's
  // CPU in NVM mode on the benchmark machine; four word compares ~0.5 %.
  struct InlineKey {
    uint64_t words[4];
    explicit InlineKey(std::string_view key);
    bool operator==(const InlineKey&) const = default;
  };
  // One cache line. The key's first bytes are kept inline, so that telling
  // a key from another rarely reads the older record back from the log.
  struct alignas(64) Slot {
    uint64_t hash;
    uint64_t ordinal;
    const char* key;  // in the log, for the bytes past the inline ones
    uint32_t key_len;
    uint32_t db;
    InlineKey inline_key;
  };
  static_assert(sizeof(Slot) == 64);
  static constexpr size_t kSlotsPerBucket = 2;
  // The last planned op on (db, key) if the table still knows it.
  Slot* find(uint64_t hash, uint32_t db, std::string_view key, const InlineKey& inline_key);
  // The slot a new (db, key) takes: a free or stale one, else the older.
  Slot* victim(uint64_t hash);
  bool live(const Slot& slot) const { return slot.key != nullptr && slot.ordinal >= applied_; }
  void set_bit(uint64_t ordinal, bool value);
  // add() for at most kMarkBatch ops.
  void add_batch(std::span<const Op> ops);
  static constexpr size_t kMarkBatch = 16;

  // Huge pages where the kernel gives them: the table is read at random.
  ZeroedBuckets<Slot> slots_;
  size_t bucket_mask_ = 0;
  std::vector<uint64_t> ring_;  // a superseded bit per ordinal, mod ring_bits_
  uint64_t ring_bits_ = 0;
  uint64_t planned_ = 0;
  uint64_t applied_ = 0;
  uint64_t barrier_ = 0;
};

}  // namespace amber::nvm
