// OverwriteTracker (contract in overwrite_tracker.h). A tag is
// (db << 48) | (ordinal + 1): zero is no tag, and 2^48 ordinals are years
// of ops at any rate a server reaches.
#include "nvm/overwrite_tracker.h"

#include "core/assert.h"
#include "nvm/replayer.h"

namespace amber::nvm {
namespace {

constexpr int kTagDbShift = 48;
constexpr uint64_t kTagOrdinalMask = (uint64_t{1} << kTagDbShift) - 1;

}  // namespace

void OverwriteTracker::structural_op() { barrier_ = next_ordinal(); }

void OverwriteTracker::key_op(uint32_t db, uint64_t* tag) {
  const uint64_t ordinal = next_ordinal();
  AMBER_ASSERT(ordinal < kTagOrdinalMask);
  if (*tag != kNoTag && (*tag >> kTagDbShift) == db) {
    const uint64_t overwritten = (*tag & kTagOrdinalMask) - 1;
    if (enabled_ && overwritten >= barrier_) record_marks_.push_back(overwritten);
  }
  *tag = (uint64_t{db} << kTagDbShift) | (ordinal + 1);
  ++record_ops_;
}

void OverwriteTracker::record_appended() {
  logged_ops_ += record_ops_;
  record_ops_ = 0;
  durable_marks_.insert(durable_marks_.end(), record_marks_.begin(), record_marks_.end());
  record_marks_.clear();
}

void OverwriteTracker::record_dropped() {
  record_ops_ = 0;
  record_marks_.clear();
  enabled_ = false;
}

void OverwriteTracker::hand_over(Replayer& replayer) {
  for (uint64_t ordinal : durable_marks_) replayer.supersede(ordinal);
  durable_marks_.clear();
}

}  // namespace amber::nvm
