// PmemStore: a persistent key -> value store on a Region, the NVM mode's
// durable keyspace. Values are opaque bytes (the server stores them in the
// RDB value encoding) with an expire time; keys belong to a database index.
// Reads are served straight from the mapping: open() is O(1) whatever the
// store holds, so a restart can serve the first lookup at once.
//
// Writes come in units (begin_unit(seq) ... end_unit()), one per log record
// the Replayer folds in; end_unit() persists `seq` as the applied sequence
// number. Every operation is idempotent within its unit, so a unit
// interrupted by a crash is simply applied again (and the upserts and
// removes of units after the durable applied seq too):
//   upsert:     the new item is written out of place and persisted, then the
//               index slot is swung to it with one 8-byte store (persisted),
//               then the old item is freed;
//   remove:     the slot becomes a tombstone (persisted), the item is freed;
//   flush_db / flush_all: one 8-byte "flush mark" (the op's stamp) makes
//               every older item of the database(s) dead at once; the walker
//               reclaims them in the background;
//   swap_db:    one 8-byte store publishes a new logical -> physical
//               database permutation (a re-applied swap is recognised by its
//               stamp and skipped).
// Layout, stamps and the index: docs/NVM_FORMAT.md.
//
// Free space is volatile and rebuilt lazily after open() by a walk of the
// index (step(), which the host calls like the Replayer); until it ends new
// items go above the recovered high-water mark (see store_allocator.h).
//
// Limits: at most 16 databases; the index (open addressing, 8-byte slots)
// has a fixed number of slots chosen at format, and a key sits within 4096
// slots of its home; at most 4095 flush/swap ops per unit; items < 2 GiB. A full heap or index is
// reported as an IO error with errno ENOSPC, and the unit stays unapplied. Threads: one thread at a
// time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "core/planted_bugs.h"
#include "core/status.h"
#include "nvm/region.h"
#include "nvm/store_allocator.h"

namespace amber::nvm {

struct StoreItemView {
  uint32_t db = 0;       // logical database index
  uint32_t phys_db = 0;  // physical database (see applied_permutation())
  std::string_view key;
  std::string_view value;  // points into the region until the item changes
  int64_t expire_ms = -1;  // -1: no expire
  uint32_t block_bytes = 0;
  // Where the item lives: read_item() finds it again while it is live.
  uint64_t offset = 0;
};

struct StoreFormatOptions {
  // Index slots (rounded up to a power of two); 0: one per 128 bytes.
  uint64_t slot_count = 0;
};

class PmemStore {
 public:
  static constexpr uint32_t kMaxDatabases = 16;

  // Writes an empty store over the whole region and persists it.
  // InvalidArgument if the region is smaller than 64 KiB or the slots leave
  // no heap.
  static Status format(Region* region, uint64_t generation, const StoreFormatOptions& options,
                       std::unique_ptr<PmemStore>* store);
  // Opens a store in O(1) (no scan). NotFound if the region holds no
  // formatted store; Corruption if its header is not one amber wrote. Items
  // are validated when read: a lookup, scan or step that meets a damaged one
  // returns Corruption, never reads outside the region.
  static Status open(Region* region, std::unique_ptr<PmemStore>* store);

  PmemStore(const PmemStore&) = delete;
  PmemStore& operator=(const PmemStore&) = delete;

  // --- Reads ---

  // *found says whether (db, key) holds a live item; *item views it.
  Status get(uint32_t db, std::string_view key, StoreItemView* item, bool* found) const;
  // Like get(), by physical database (item->db is left as it was).
  Status get_physical(uint32_t phys_db, std::string_view key, StoreItemView* item,
                      bool* found) const;
  // The item at `offset` (a StoreItemView::offset), validated as every read
  // is. REQUIRES: the item is still live (no later unit replaced, removed or
  // flushed it): the caller knows, the store cannot tell a reused block.
  Status read_item(uint64_t offset, StoreItemView* item) const;
  // The logical -> physical database permutation as of applied_seq(): a
  // crash inside the next unit may already have published that unit's first
  // SWAPDB, which the current permutation then includes.
  uint64_t applied_permutation() const;
  static uint32_t physical_db(uint64_t permutation, uint32_t db) {
    return (permutation >> (4 * db)) & 0xf;
  }
  // Visits the live items in slots [cursor, cursor + max_slots); *next_cursor
  // is 0 when the scan is complete (SCAN-style: keys present throughout are
  // visited exactly once).
  Status scan(uint64_t cursor, uint64_t max_slots,
              const std::function<void(const StoreItemView&)>& visit, uint64_t* next_cursor) const;

  // Hints for a caller about to upsert or remove `key` (the Replayer, a few
  // records ahead): start loading its home index slot; later, once that has
  // arrived, the item the slot points to. The probe of the write then finds
  // both in the cache. No effect on contents.
  void prefetch_slot(uint32_t db, std::string_view key) const;
  void prefetch_item(uint32_t db, std::string_view key) const;

  // --- Writes, inside a unit ---

  // REQUIRES: seq > applied_seq(), seq < 2^50, no unit open.
  void begin_unit(uint64_t seq);
  Status upsert(uint32_t db, std::string_view key, std::string_view value, int64_t expire_ms);
  Status remove(uint32_t db, std::string_view key);
  void flush_db(uint32_t db);
  void flush_all();
  void swap_db(uint32_t a, uint32_t b);
  // Records the unit's sequence number as applied; durable after sync().
  // Upserts and removes of later units may become durable before it (a
  // crash then re-applies them, idempotently); a later FLUSHDB, FLUSHALL or
  // SWAPDB cannot.
  void end_unit();
  // Marks unit `seq` applied without opening it: a record whose every op is
  // superseded changes nothing here. Its applied seq reaches the region with
  // the next end_unit(), structural op or sync(), so a run of such records
  // costs no region write. REQUIRES: as begin_unit(seq).
  void skip_unit(uint64_t seq);
  // Closes a unit that failed half-way (a full store): it stays unapplied
  // and is applied again, from its start, by a later begin_unit(seq).
  void abandon_unit();
  // Makes the last end_unit() or skip_unit() durable.
  void sync();
  // The last unit ended or skipped (durable after sync()).
  uint64_t applied_seq() const;

  // --- Values too large to log (a link op, nvm/log_record.h) ---

  // Writes the item for (db, key) that unit `seq` will publish with link():
  // out of place and persisted like an upsert's, born with the stamp the
  // unit's first op has, but reachable from no slot. It stays allocated
  // (through coalescing too) until link() publishes it; after a crash,
  // recovery must pin_unlinked() it again, or the rebuild frees it.
  // REQUIRES: no unit open; seq > applied_seq(); unit `seq` has no
  // FLUSHDB, FLUSHALL or SWAPDB and touches `key` only with the link; no
  // SWAPDB of an earlier unit is still to be applied (the item's physical
  // database is the one `db` maps to now; link() checks it).
  Status write_unlinked(uint32_t db, std::string_view key, std::string_view value,
                        int64_t expire_ms, uint64_t seq, uint64_t* offset);
  // Whether the heap's free bytes could hold an item of a key and value of
  // `body_bytes` together. An estimate: scattered free space may still not
  // hold it (coalescing may), and while rebuilding after open() the used
  // bytes are partial (the answer errs towards yes).
  bool has_room_for(uint64_t body_bytes) const;
  // Test builds: planted bugs (core/planted_bugs.h); null: none.
  void set_planted_bugs(const PlantedBugs* bugs) { bugs_ = bugs; }
  // Inside the unit write_unlinked() wrote the item for: publishes the item
  // at `offset` as the key's state (one slot swing, as an upsert), frees
  // the old one. Corruption unless it is that item. Applying it again after
  // a crash finds it published and changes nothing. REQUIRES: every unit
  // before it synced, and sync() after it before any later unit. Else a
  // unit applied again after a crash could free the published item (an
  // earlier one over the key, a later one replacing it), and this unit,
  // applied again, would publish what reused its block. The Replayer gives
  // a record with a link a step of its own.
  Status link(uint32_t db, std::string_view key, uint64_t offset);
  // Recovery, after open() and before any step() or write: the item at
  // `offset`, which a link of a unit not applied yet names, stays
  // allocated. Validates it (its key must be `key`) and views it in *item;
  // Corruption when it is not such an item.
  Status pin_unlinked(std::string_view key, uint64_t offset, StoreItemView* item);

  // --- Growing ---

  // Formats `target` (a larger region) as this store's copy: same
  // generation, applied seq, database permutation state and flush marks,
  // and every live item with its physical database and birth stamp, so that
  // recovery cannot tell the two apart — the log's unapplied units (one
  // that a crash interrupted included) apply to the copy as they would to
  // the original. The index is sized for `target` and the heap packed from
  // its start. Persists the whole copy before it returns. Corruption if an
  // item of this store is damaged; ENOSPC if the copy does not fit. Items
  // that only the links of unapplied log records name are not carried:
  // fold the log in first (NvmPersistence does before a store grows).
  // REQUIRES: no unit open.
  Status copy_to(Region* target, std::unique_ptr<PmemStore>* copy) const;

  // --- Background work ---

  // Visits up to max_slots index slots: during the rebuild after open() it
  // marks reachable items (and ends the rebuild after the last slot); after
  // a flush it reclaims dead items. Cheap when there is nothing to do.
  Status step(uint64_t max_slots);
  // True when step() has work: a rebuild or a reclaim pass in progress.
  bool busy() const { return walk_kind_ != WalkKind::kNone; }
  bool rebuilding() const { return allocator_.rebuilding(); }

  // --- Statistics ---

  // Live keys in logical database `db` / all; exact once not rebuilding().
  uint64_t key_count(uint32_t db) const;
  uint64_t key_count() const;
  const StoreAllocator& allocator() const { return allocator_; }
  uint64_t slot_count() const { return slot_count_; }
  uint64_t generation() const { return generation_; }

 private:
  enum class WalkKind { kNone, kRebuild, kReclaim };
  // What probe() found on a key's path through the index.
  struct Probe {
    bool found = false;  // the key's slot (its item may be dead)
    uint64_t index = 0;
    uint64_t value = 0;
    bool live = false;
    uint32_t block_bytes = 0;
    bool has_free = false;  // an empty or tombstone slot on the key's path
    uint64_t free_index = 0;
    uint64_t tag = 0;
  };

  PmemStore(Region* region, uint64_t generation, uint64_t slot_count, uint64_t heap_begin,
            uint64_t heap_end, bool rebuild);
  // The persisted logical -> physical database permutation (16 nibbles).
  uint64_t permutation() const;
  uint32_t unit_physical_db(uint32_t db) const;
  uint64_t stamp() const { return (unit_seq_ << 12) | structural_ops_; }
  uint64_t slot_offset(uint64_t index) const { return kIndexOffset + index * 8; }
  // Where a key of hash `hash` starts its probe.
  uint64_t home_slot_offset(uint64_t hash) const { return slot_offset(hash & (slot_count_ - 1)); }
  Status item_at(uint64_t slot_value, StoreItemView* view, uint32_t* phys_db,
                 uint64_t* birth) const;
  bool is_live(uint32_t phys_db, uint64_t birth) const;
  Status probe(uint32_t phys_db, std::string_view key, Probe* result) const;
  Status allocate_block(uint64_t item_bytes, uint64_t* offset, uint32_t* block_bytes);
  void write_item(uint64_t offset, uint32_t block, uint32_t phys_db, std::string_view key,
                  std::string_view value, int64_t expire_ms);
  // write_item() without the persist, with an explicit birth stamp.
  void store_item(uint64_t offset, uint32_t block, uint32_t phys_db, uint64_t birth,
                  std::string_view key, std::string_view value, int64_t expire_ms);
  // copy_to(): puts a live item of another store into this (new) one.
  Status place_copied_item(uint32_t phys_db, uint64_t birth, const StoreItemView& item);
  void swing_slot(uint64_t index, uint64_t value);
  // Swings the key's slot (`found` by probe()) to the item at `offset`,
  // counts it and frees the key's old item: the commit of upsert and link.
  void publish(const Probe& found, uint32_t phys_db, uint64_t offset, uint64_t birth);
  void persist_applied_seq();
  void adjust_count(uint64_t slot_index, uint32_t phys_db, int delta);
  void start_walk(WalkKind kind);
  Status coalesce();
  Status walk_slot(uint64_t index, bool* tombstoned, uint64_t* freed_offset, uint32_t* freed_block);

  static constexpr uint64_t kIndexOffset = 256;

  Region* region_;
  uint64_t generation_;
  uint64_t slot_count_;
  uint64_t heap_begin_;
  uint64_t heap_end_;
  StoreAllocator allocator_;
  uint64_t keys_[kMaxDatabases] = {};  // by physical db
  bool in_unit_ = false;
  uint64_t unit_seq_ = 0;
  uint64_t structural_ops_ = 0;
  // The permutation as the unit's ops so far left it: a unit re-applied
  // after a crash starts again from the permutation it started from.
  uint64_t unit_permutation_ = 0;
  WalkKind walk_kind_ = WalkKind::kNone;
  uint64_t walk_cursor_ = 0;
  bool reclaim_pending_ = false;  // a flush happened during the current walk
  // Blocks of items written by write_unlinked() and not linked yet (offset,
  // block bytes): allocated although no slot reaches them.
  std::vector<std::pair<uint64_t, uint32_t>> unlinked_;
  const PlantedBugs* bugs_ = nullptr;
  // The persisted applied seq, kept here too: its line is flushed after
  // every unit, which may evict it, and the Replayer asks for it per record.
  uint64_t applied_seq_;
  bool applied_seq_unflushed_ = false;
  bool applied_seq_unstored_ = false;  // skip_unit() moved it, the region has an older one
};

}  // namespace amber::nvm
