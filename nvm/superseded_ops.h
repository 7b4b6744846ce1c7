// SupersededOps: which key ops (upserts, removes, links) of the log's
// unreplayed records a later *durable* record overwrites, so that the
// Replayer can skip them. A key rewritten five times while its records wait
// in the log then costs the store one out-of-place write, not five: under a
// sustained load that rewrites keys (any skew) most of the replay's store
// traffic goes.
//
// Ops are numbered by *ordinal*: the Replayer counts every key op of the
// log in log order from the head it started at. The host that logs the ops
// knows which earlier op each one overwrites (nvm/overwrite_tracker.h) and
// marks it here; the Replayer asks before it applies an op. A mark must
// follow the rules that keep the skip safe:
//   - the overwriting op is in a durable record: it is in [head, tail) and
//     is replayed after the skipped one, by this process or by recovery
//     after a crash;
//   - it is on the same database and key, with no FLUSHDB, FLUSHALL or
//     SWAPDB between the two (a swap changes which key (db, key) names).
// What this does to the store's contract: after a skip the store may hold,
// for a key, a state older than its applied seq implies, until the record
// that superseded it is applied — always later in the same log (see
// docs/NVM_FORMAT.md).
//
// The bits live in a ring indexed by ordinal, a window of ops from the
// first unapplied one: a mark past the window is dropped (the op is then
// only applied needlessly), and an op past it is never reported superseded.
// Threads: one at a time (the Replayer's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace amber::nvm {

class SupersededOps {
 public:
  // A window of about `window_ops` ops (rounded, and clamped to
  // [4096, 2^23]); sized from the log.
  explicit SupersededOps(size_t window_ops);

  // Marks op `ordinal` superseded (see the rules above); dropped unless
  // applied() <= ordinal < applied() + window().
  void mark(uint64_t ordinal);
  // True if op `ordinal` was marked. REQUIRES: ordinal >= applied().
  bool superseded(uint64_t ordinal) const;
  // Ops before `ordinal` are applied: their bits are cleared for the ops
  // the ring holds next.
  void set_applied(uint64_t ordinal);
  uint64_t applied() const { return applied_; }
  uint64_t window() const { return ring_bits_; }

 private:
  std::vector<uint64_t> ring_;  // a bit per ordinal, mod ring_bits_
  uint64_t ring_bits_ = 0;
  uint64_t applied_ = 0;
};

}  // namespace amber::nvm
