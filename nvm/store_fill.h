// StoreFill: the keyspace of an NVM restart before it is all in DRAM (the
// LazyKeyspace of core/lazy_keyspace.h). Restart maps the PmemStore, puts
// the log records the store has not applied yet into DRAM (the "overlay"),
// and attaches a StoreFill to every Db: a lookup that misses DRAM reads the
// key from the store, and step() moves the rest in bounded slices.
//
// The store is frozen while the fill runs (the Replayer waits), so what it
// holds is the keyspace as of its applied sequence number (databases
// resolved through PmemStore::applied_permutation(): a crash may have left
// the next unit half-applied, its first SWAPDB already published; its
// key-level ops are covered by the overlay). A key of engine database d
// then logically is: its DRAM entry if resident; else, unless it was
// superseded (removed or rewritten since — DRAM is the truth for it), the
// store's item in database view(d), where view follows the FLUSHDB /
// SWAPDB records of the overlay (a flushed database shows nothing of the
// store). Key changes during the fill supersede; a FLUSHDB or SWAPDB
// during the fill first completes it (Db does that), so views change only
// while the overlay is applied.
//
// A damaged store item met during the fill is reported by error() (the
// host stops acknowledging writes) and the key reads as absent.
// Single-threaded: the engine's.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/engine.h"
#include "core/lazy_keyspace.h"
#include "core/status.h"
#include "nvm/capacity_tier.h"
#include "nvm/pmem_store.h"

namespace amber::nvm {

class StoreFill final : public LazyKeyspace {
 public:
  // REQUIRES: engine has at most PmemStore::kMaxDatabases databases; store
  // does not change until done(); both outlive this object.
  StoreFill(Engine& engine, const PmemStore& store);
  // Detaches from the Dbs if still attached (the unfilled keys are then
  // simply not in the engine).
  ~StoreFill() override;

  // --- The overlay, before attach(): records the store has not applied ---
  void on_flush(int db, bool store_pending);
  void on_swap(int a, int b, bool store_pending);
  void supersede(int db, std::string_view key);

  // With a DRAM bound: keys filled while the keyspace is over it come in
  // offloaded (their value stays in the store, where it is current).
  void set_capacity_tier(const CapacityTier* tier) { tier_ = tier; }

  // Starts serving: every Db consults this object from now on.
  void attach();

  // LazyKeyspace.
  Entry* fault_in(Db& db, std::string_view key) override;
  void fill_all() override;

  // Moves the keys of up to `max_slots` store slots into DRAM; detaches
  // after the last one.
  void step(uint64_t max_slots);
  bool done() const { return done_; }
  const Status& error() const { return error_; }
  uint64_t filled_keys() const { return filled_keys_; }
  uint64_t faulted_keys() const { return faulted_keys_; }
  // Store slots visited so far, of store.slot_count().
  uint64_t cursor() const { return cursor_; }

 private:
  int index_of(const Db& db) const;
  bool is_superseded(int db, std::string_view key) const;
  void insert(int db, const StoreItemView& item);
  void insert(int db, const StoreItemView& item, uint64_t key_hash);
  // Fills one step's items: bucket prefetches ahead of the lookups.
  void fill_batch();
  // Before the first step: counts the live keys of the first store slots
  // (without moving them) and sizes each database for the keys they
  // suggest, so the fill does not rehash its way up. The sample is larger
  // than a step: a short first step would size the tables from a few keys.
  void reserve_from_sample();
  void detach();

  Engine& engine_;
  const PmemStore& store_;
  const CapacityTier* tier_ = nullptr;
  // Engine db -> store database as of the applied seq, -1: none.
  std::array<int, PmemStore::kMaxDatabases> views_{};
  // Fixed by attach(): the applied permutation, engine db of each physical
  // db (-1: none), logical index of each physical db.
  uint64_t applied_permutation_ = 0;
  std::array<int, PmemStore::kMaxDatabases> engine_of_phys_{};
  std::array<uint32_t, PmemStore::kMaxDatabases> logical_of_phys_{};
  std::vector<std::unordered_set<std::string>> superseded_;  // by engine db
  uint64_t cursor_ = 0;
  bool reserved_ = false;
  // One step's live items (views into the frozen store) with their engine db.
  std::vector<std::pair<int, StoreItemView>> batch_;
  std::vector<uint64_t> hashes_;
  bool attached_ = false;
  bool done_ = false;
  Status error_;
  uint64_t filled_keys_ = 0;
  uint64_t faulted_keys_ = 0;
};

}  // namespace amber::nvm
