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
// Threads: one thread at a time (the host's).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/status.h"
#include "nvm/log_record.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_store.h"

namespace amber::nvm {

class Replayer {
 public:
  // REQUIRES: log and store outlive the Replayer.
  Replayer(PmemLog* log, PmemStore* store) : log_(log), store_(store) {}

  // Applies up to `max_records` durable records, makes them durable in the
  // store and frees them from the log. *applied_records (if not null) counts
  // the records consumed (skipped duplicates included). On an error (a
  // corrupt record, a full store) nothing past the last good unit is freed.
  Status step(size_t max_records, size_t* applied_records = nullptr);
  // Durable log bytes not yet folded into the store.
  uint64_t lag_bytes() const { return log_->tail_lsn() - log_->head_lsn(); }
  bool caught_up() const { return log_->head_lsn() == log_->tail_lsn(); }

 private:
  // A record read from the log ahead of being applied.
  struct Decoded {
    uint64_t next_lsn = 0;
    uint64_t seq = 0;
    Status status;  // of decoding
    std::vector<LogOp> ops;
  };
  // Records decoded ahead of the one being applied; the items of the one
  // kItemDistance ahead are prefetched once its slots had time to arrive.
  static constexpr size_t kLookahead = 16;
  static constexpr size_t kItemDistance = 6;

  Status apply(uint64_t seq, const std::vector<LogOp>& ops);
  // Decodes the record at `lsn` into `out` and prefetches its keys' slots.
  void decode_ahead(uint64_t lsn, Decoded* out);
  // Prefetches the index slots (or, once those arrived, the items) of the
  // keys `record` writes.
  void prefetch(const Decoded& record, bool items) const;

  PmemLog* log_;
  PmemStore* store_;
  std::array<Decoded, kLookahead> window_;  // a ring; its vectors are reused
};

}  // namespace amber::nvm
