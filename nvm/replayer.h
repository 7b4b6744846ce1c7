// Replayer: folds the durable records of a PmemLog into a PmemStore in
// bounded steps, then frees their log space. The host calls step() from its
// event loop (and, when append() reports a full log, until there is room:
// back-pressure, never a dropped record).
//
//   PmemLog [head ........ tail)  --step()-->  PmemStore (applied_seq)
//
// Crash safety: a record is applied as one store unit (begin_unit(seq) ...
// end_unit); records with seq <= the store's applied_seq are skipped, and
// the log head advances only past records whose unit is durably applied.
// A crash anywhere re-applies at most the unit it interrupted, whose ops are
// idempotent. Records must carry increasing sequence numbers; after a
// restart, once caught_up(), the next record's seq is store->applied_seq()+1.
// Folding a record costs a few cache misses in the store (the key's index
// slot, the item it points to); a step decodes records a few ahead of the
// one it applies and prefetches them, so that those misses overlap.
// An upsert or remove that the host marked superseded (supersede(); a later
// durable record overwrites it) is skipped, so a key rewritten while its
// records wait costs the store one write. Recovery replays the overwriting
// record after any crash, as it is after the skipped one in the same log.
// Before it applies them, a step plans the durable records ahead of them
// (a few thousand at a time, up to the tail): a summary of each record
// (where the next starts, its seq, its op counts), so that a record whose
// every op is superseded is applied without reading it back from the log.
// Threads: one thread at a time (the host's).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "core/zeroed_buckets.h"
#include "nvm/log_record.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_store.h"
#include "nvm/superseded_ops.h"

namespace amber::nvm {

class Replayer {
 public:
  // REQUIRES: log and store outlive the Replayer, which is the only one to
  // advance the log's head.
  Replayer(PmemLog* log, PmemStore* store);

  // Keeps allocated the store items that the links of unapplied records
  // name (PmemStore::pin_unlinked): nothing else reaches them after a
  // restart. step() does it first, unless told it was done.
  Status pin_unlinked_items();
  // The caller pinned them itself (recovery, in its own walk of the log).
  void note_unlinked_items_pinned() { unlinked_items_pinned_ = true; }
  // Applies durable records, whole, until their key ops reach `max_ops` (a
  // record without any counts one; at least one record), makes them
  // durable in the store and frees them from the log. *applied_records (if
  // not null) counts the records consumed (skipped duplicates included). On
  // an error (a corrupt record, a full store) nothing past the last good
  // unit is freed.
  Status step(size_t max_ops, size_t* applied_records = nullptr);
  // Plans the records appended up to `lsn` while they are still in the
  // cache (the host calls it just before persisting a batch), whole
  // records until they hold kPlanOpsPerCall ops: after a restart the plan
  // starts at the log's head, and planning a whole unfolded tail at once
  // held the first write up for tens of milliseconds. A step plans the
  // rest as it reaches them.
  // REQUIRES: they are durable (PmemLog::persist()) before the next step().
  void plan(uint64_t lsn) { plan_ahead(lsn); }
  // Skips the key op numbered `ordinal` (key ops count from the head this
  // Replayer started at, in log order) when its turn comes. REQUIRES: a
  // later op in a durable record overwrites it, under the rules of
  // nvm/superseded_ops.h (nvm/overwrite_tracker.h keeps them).
  void supersede(uint64_t ordinal) { superseded_.mark(ordinal); }
  static constexpr size_t kPlanOpsPerCall = 4096;
  // Records before it are planned.
  uint64_t planned_lsn() const { return plan_lsn_; }
  // Durable log bytes not yet folded into the store.
  uint64_t lag_bytes() const { return log_->tail_lsn() - log_->head_lsn(); }
  bool caught_up() const { return log_->head_lsn() == log_->tail_lsn(); }
  // Upserts and removes skipped because a later durable record overwrote
  // their key.
  uint64_t superseded_ops() const { return superseded_ops_; }

 private:
  // A planned record, as the plan saw it.
  struct Summary {
    uint64_t next_lsn;
    uint64_t seq;
    uint32_t key_ops;  // upserts and removes
    bool structural;   // has a FLUSHDB, FLUSHALL or SWAPDB
    bool links;        // has a link, which is applied even when superseded
    bool decoded;      // false: corrupt (applying it reports why)
  };
  // A record read from the log ahead of being applied.
  struct Decoded {
    uint64_t next_lsn = 0;
    uint64_t seq = 0;
    Status status;  // of decoding
    std::vector<LogOp> ops;
    uint64_t first_ordinal = 0;  // of its first upsert or remove
    size_t key_ops = 0;          // its upserts and removes
    // Every op of it is superseded: it was not read (`ops` is empty).
    bool unread = false;
  };
  // Records decoded ahead of the one being applied, while they hold fewer
  // than kLookaheadOps ops; the items of the one kItemDistance ahead (in a
  // record of many ops, of the op that far ahead) are prefetched once its
  // slots had time to arrive.
  static constexpr size_t kLookahead = 16;
  static constexpr size_t kLookaheadOps = 128;
  static constexpr size_t kItemDistance = 6;
  // What a record counts against a step's budget.
  static size_t budget_ops(const Decoded& record) { return std::max<size_t>(1, record.key_ops); }
  // Plans the records from plan_lsn_ up to `end` while the summaries have
  // room, up to kPlanOpsPerCall ops (at least one record).
  void plan_ahead(uint64_t end);
  Status apply(const Decoded& record);
  // Decodes the record at `lsn` (summarised by `summary`), whose first key
  // op has ordinal `ordinal`, into `out` and prefetches its keys' slots;
  // a record whose every op is superseded is not read.
  void decode_ahead(uint64_t lsn, const Summary& summary, uint64_t ordinal, Decoded* out);
  bool all_superseded(const Summary& summary, uint64_t first_ordinal) const;
  Summary& summary_of(uint64_t record) { return summaries_[record & (summaries_.size() - 1)]; }
  // Prefetches the index slots (or, once those arrived, the items) of the
  // keys `record` writes and no later record overwrites.
  void prefetch(const Decoded& record, bool items) const;

  PmemLog* log_;
  PmemStore* store_;
  std::array<Decoded, kLookahead> window_;  // a ring; its vectors are reused
  SupersededOps superseded_;
  uint64_t plan_lsn_;            // records before it are planned
  std::vector<LogOp> plan_ops_;  // the record being planned
  // A ring of the planned records' summaries, by record number. Up to
  // 12 MiB: zeroed lazily by the kernel, so that a restart does not write
  // it all before serving.
  ZeroedBuckets<Summary> summaries_;
  uint64_t records_planned_ = 0;
  uint64_t records_applied_ = 0;  // the head's record number
  uint64_t superseded_ops_ = 0;
  bool unlinked_items_pinned_ = false;
};

}  // namespace amber::nvm
