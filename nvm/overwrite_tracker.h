// OverwriteTracker: the host's side of superseding (nvm/superseded_ops.h).
// The host numbers the key ops it logs the way the Replayer counts them (by
// ordinal, from the log's head), and keeps with each key a *tag*: the
// database and ordinal of the last op logged on it (in NVM mode, the word
// before its DRAM entry: core/entry.h). Logging an op on a tagged key
// overwrites the op the tag names, which the tracker marks superseded once
// the new op's record is durable.
//
// It starts at the log's head, as the Replayer does: recovery tracks the
// unfolded tail's ops as it applies them to DRAM.
//
//   build a record:  structural_op() / key_op(db, &tag) / untracked_key_op()
//   append it:       record_appended()   (or record_dropped())
//   persist the log: hand_over(replayer) the marks of every appended record
//
// Why it is safe: a tag changes only when its key is logged, and a DRAM
// entry holds one key for its life (a rename or move makes a new entry), so
// a tag names an earlier op on the same database and key; one before the
// last FLUSHDB, FLUSHALL or SWAPDB logged is never marked; and marks wait
// for the persist that makes the overwriting record durable. The Replayer
// ignores a mark on an op already applied. Why it is cheap: the host looks
// the key up to log it anyway, so the tag is one word beside what it reads;
// the earlier design kept a 16 MiB table of planned keys, a cache miss per
// SET.
// Threads: the host's.
#pragma once

#include <cstdint>
#include <vector>

namespace amber::nvm {

class Replayer;

class OverwriteTracker {
 public:
  // A tag no op wrote.
  static constexpr uint64_t kNoTag = 0;

  // A FLUSHDB, FLUSHALL or SWAPDB in the record being built: no op before
  // it is marked by an op after it.
  void structural_op();
  // A key op on database `db` in the record being built. `*tag` is the
  // key's tag (kNoTag if none), and becomes this op's.
  void key_op(uint32_t db, uint64_t* tag);
  // A key op on a key that keeps no tag (a remove).
  void untracked_key_op() { ++record_ops_; }
  // The record built so far is in the log.
  void record_appended();
  // The record built so far will never be: the ordinals its ops took are
  // given to later ops, so tags written meanwhile could name the wrong op;
  // marking stops for the rest of the process (this only happens when
  // NVM mode fails).
  void record_dropped();
  // Every appended record is durable: their marks go to the replayer.
  void hand_over(Replayer& replayer);

  // The ordinal the next key op logged gets.
  uint64_t next_ordinal() const { return logged_ops_ + record_ops_; }

 private:
  uint64_t logged_ops_ = 0;  // key ops in appended records
  uint64_t record_ops_ = 0;  // key ops in the record being built
  uint64_t barrier_ = 0;     // ops before it are never marked
  bool enabled_ = true;
  std::vector<uint64_t> record_marks_;   // by the record being built
  std::vector<uint64_t> durable_marks_;  // by appended records
};

}  // namespace amber::nvm
