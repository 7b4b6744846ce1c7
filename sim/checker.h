// Checker: holds the executed history since the last verified state and,
// after each crash and recovery, verifies the mode's promise (DESIGN.md's
// table): the recovered keyspace must equal the reference model (model.h)
// after some prefix k of the executed writes, with k allowed by the Promise:
//
//   kEveryAcked     k >= the last acknowledged write
//   kAckedBefore2s  k >= every write acknowledged at or before
//                   crash - 2 s (and before an unhealed disk fault - 2 s:
//                   a failed fsync may lose the page cache, and nothing is
//                   promised for writes the failure caught)
//   kAnyPrefix      any k
//   kLastSnapshot   k = the last completed snapshot's point, or the point
//                   of one started after it (its rename may have landed)
//
// Keys are compared as alive at the recovery time (expired keys are absent
// on both sides). A match rebases the model at k; writes after k were lost
// (allowed) and are forgotten. Single-threaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/engine.h"
#include "sim/model.h"
#include "sim/persistence_under_test.h"
#include "sim/workload.h"

namespace amber::sim {

struct HistoryEntry {
  std::vector<Argv> commands;  // one, or the body of a transaction
  int db = 0;                  // the session's db when it ran
  int64_t time_ms = 0;         // when it ran
  int64_t ack_ms = -1;         // when its reply left; -1: never
};

class Checker {
 public:
  explicit Checker(Promise promise) : promise_(promise) {}

  void executed(HistoryEntry entry) { history_.push_back(std::move(entry)); }
  // The replies of every entry executed so far left at `now_ms`.
  void acknowledge_all(int64_t now_ms);
  void snapshot_started() { started_.push_back(base_abs_ + history_.size()); }
  void snapshot_completed();
  // A disk fault at `now_ms` that in-memory data has not yet been rewritten
  // past; healed() when it has.
  void fault(int64_t now_ms) {
    if (unhealed_fault_ms_ < 0) unhealed_fault_ms_ = now_ms;
  }
  void healed() { unhealed_fault_ms_ = -1; }

  // After a recovery: true if `engine` (read at `now_ms`) is allowed for a
  // crash at `crash_ms`; then the model is rebased. Otherwise `report`
  // says what was expected and what differs.
  bool check(Engine& engine, int64_t crash_ms, int64_t now_ms, std::string* report);

  size_t history_size() const { return history_.size(); }
  uint64_t writes_total() const { return base_abs_ + history_.size(); }
  // The history since the last verified state, one line per entry.
  std::string describe_history(int64_t crash_ms, size_t max_lines) const;

 private:
  bool allowed(size_t k, size_t lo) const;
  size_t lower_bound_k(int64_t crash_ms) const;
  Model replay(size_t k, int64_t now_ms) const;

  Promise promise_;
  Model base_;
  uint64_t base_abs_ = 0;  // writes before history_[0]
  std::vector<HistoryEntry> history_;
  uint64_t last_snapshot_abs_ = 0;
  std::vector<uint64_t> started_;
  int64_t unhealed_fault_ms_ = -1;
  size_t acked_ = 0;  // history_[0..acked_) have their ack time
};

// The keys of `engine` alive at `now_ms`, in the model's terms.
KeyspaceImage engine_image(Engine& engine, int64_t now_ms);
// Up to `max_lines` differences between two images, one per line.
std::string diff_images(const KeyspaceImage& want, const KeyspaceImage& got, size_t max_lines);

}  // namespace amber::sim
