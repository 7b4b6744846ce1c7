// CapacityTier: NVM as a capacity tier (`nvm-dram-max-memory`). The store
// already holds every replayed key, so DRAM need not: when the keyspace's
// DRAM (Db::dram_bytes, summed) passes the bound, evict() offloads the
// values of cold entries (Db::offload) — the entry keeps its key and
// metadata and points at its store item — and a later lookup reads the
// value back from the store (read(), through Db::find): hot keys come back,
// cold ones stay out.
//
// Which values may go: only one whose latest state the store holds, so
// that the item it points at is that state and stays live until the key
// changes again. The tier is told the sequence number of every logged key
// state and database op (note_key / note_db_op) and offloads an entry only
// when
//   - every database op logged so far is applied (engine db d is then the
//     store's logical db d, resolved through applied_permutation()), and
//   - the key's last logged state is applied (a table indexed by a hash of
//     the key keeps the highest seq logged for each bucket; a collision
//     only keeps an entry resident longer).
// Any later change to the key goes through Db::find (which brings the value
// back first) or frees the entry (DEL, FLUSHDB), so no offloaded entry
// outlives its item: the item is replaced or freed only when a later
// record for the key, or a flush of its database, is replayed.
//
// A store item that fails validation when read back is reported by
// error() (the host then stops acknowledging writes) and reads as empty.
// Single-threaded: the engine's.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/engine.h"
#include "core/status.h"
#include "core/value_tier.h"
#include "nvm/pmem_store.h"

namespace amber::nvm {

struct CapacityTierStats {
  uint64_t offloads = 0;        // values dropped from DRAM
  uint64_t reads = 0;           // values read back from the store
  uint64_t admitted_reads = 0;  // of which made resident again
};

class CapacityTier final : public ValueTier {
 public:
  // REQUIRES: engine and store outlive this object.
  CapacityTier(Engine& engine, const PmemStore& store);
  ~CapacityTier() override;

  // Becomes every Db's value tier (detached by the destructor).
  void attach();
  // 0: no bound. `next_seq` is the seq the next logged record will carry:
  // states logged before the tier tracked them must be replayed first.
  void set_max_dram_bytes(uint64_t bytes, uint64_t next_seq);
  uint64_t max_dram_bytes() const { return max_dram_bytes_; }
  bool bounded() const { return max_dram_bytes_ != 0; }

  // A state of `key` (any db) was logged in record `seq`.
  void note_key(std::string_view key, uint64_t seq);
  // A FLUSHDB, FLUSHALL or SWAPDB was logged in record `seq`.
  void note_db_op(uint64_t seq) { last_db_op_seq_ = std::max(last_db_op_seq_, seq); }

  // The keyspace's DRAM, all databases.
  uint64_t dram_bytes() const;
  uint64_t offloaded_keys() const;
  bool over_bound() const { return bounded() && dram_bytes() > max_dram_bytes_; }

  enum class EvictResult {
    kWithinBound,  // nothing (more) to do
    kNeedsReplay,  // over the bound, but what could go is not replayed yet
    kBudgetSpent,  // over the bound after `max_offloads`: call again
  };
  // Offloads up to `max_offloads` values, each the coldest of the next
  // `samples` candidates a sweeping hand meets (an approximated LRU / LFU,
  // as Redis's sampling).
  EvictResult evict(size_t max_offloads, int samples);

  // ValueTier: the store item at `handle`.
  std::string_view read(uint64_t handle, uint32_t value_len) override;
  // ValueTier: a value read by a command comes back to DRAM when the key
  // was accessed less than kReadAgainWithinS seconds before (on Redis's
  // one-second LRU clock: a second read within about a second), or when
  // the keyspace is under the bound; a value read once is served from the
  // store and stays there.
  bool admit_on_read(uint32_t value_len, uint32_t idle_s) override;
  static constexpr uint32_t kReadAgainWithinS = 2;

  const Status& error() const { return error_; }
  const CapacityTierStats& stats() const { return stats_; }

 private:
  struct Candidate {
    int db = -1;
    Entry* entry = nullptr;
    uint64_t coldness = 0;
  };
  bool replayed(std::string_view key, uint64_t applied_seq) const;
  uint64_t coldness(const Entry& e, uint32_t now_lru) const;
  // A database at random, weighted by its entries that still have a value;
  // -1 if there are none.
  int choose_db();
  // The coldest evictable of the next `samples` candidates of a database's
  // hand.
  Candidate pick(int samples, uint64_t applied_seq, uint32_t now_lru);
  bool offload(const Candidate& victim, uint64_t permutation);

  Engine& engine_;
  const PmemStore& store_;
  bool attached_ = false;
  uint64_t max_dram_bytes_ = 0;
  // Highest seq logged per key-hash bucket (allocated while bounded).
  std::vector<uint64_t> logged_seq_;
  uint64_t last_db_op_seq_ = 0;
  // States logged before tracking began: all must be applied first.
  uint64_t tracked_from_seq_ = 0;
  std::vector<uint64_t> weights_;  // per db: entries that could go
  std::vector<Entry*> sample_;     // one pick's candidates
  std::vector<size_t> hands_;
  Status error_;
  CapacityTierStats stats_;
};

}  // namespace amber::nvm
