// PmemStore's index walker and scans. The walker visits the index slots in
// bounded steps (the host calls step() between event-loop batches, as it
// calls the Replayer) for two jobs:
//   - rebuild, after open(): count the live keys and mark every reachable
//     block for the allocator, which then frees the rest (no leak survives a
//     crash, and open() itself reads no item);
//   - reclaim, after a flush: turn the slots of dead items into tombstones
//     and free their blocks.
// A dead item meets the same fate during a rebuild. Tombstones of one step
// are persisted with one drain, before their blocks can be reused.
#include <vector>

#include "core/assert.h"
#include "nvm/pmem_store.h"
#include "nvm/store_layout.h"

namespace amber::nvm {

using namespace store_layout;

void PmemStore::start_walk(WalkKind kind) {
  if (walk_kind_ == WalkKind::kRebuild) {
    reclaim_pending_ = true;  // the rebuild cannot restart: reclaim after it
    return;
  }
  walk_kind_ = kind;
  walk_cursor_ = 0;
  reclaim_pending_ = false;
}

// Visits one slot. *tombstoned: a dead item's slot was cleared (stored, not
// yet persisted) and its block is to be freed after the drain.
Status PmemStore::walk_slot(uint64_t index, bool* tombstoned, uint64_t* freed_offset,
                            uint32_t* freed_block) {
  *tombstoned = false;
  uint64_t value = region_->load_u64(slot_offset(index));
  if (value == kEmptySlot || value == kTombstone) return Status();
  StoreItemView view;
  uint32_t phys;
  uint64_t birth;
  AMBER_RETURN_IF_ERROR(item_at(value, &view, &phys, &birth));
  uint64_t offset = value & kOffsetMask;
  if (offset + view.block_bytes > region_->load_u64(kHwmOffset)) {
    return Status::corruption("nvm store: item at offset " + std::to_string(offset) +
                              " lies above the high-water mark");
  }
  if (!is_live(phys, birth)) {
    region_->store_u64(slot_offset(index), kTombstone);
    region_->flush(region_->base() + slot_offset(index), 8);
    *tombstoned = true;
    *freed_offset = offset;
    *freed_block = view.block_bytes;
    return Status();
  }
  if (walk_kind_ == WalkKind::kRebuild) {
    allocator_.mark_live(offset, view.block_bytes);
    ++keys_[phys];
  }
  return Status();
}

Status PmemStore::step(uint64_t max_slots) {
  if (walk_kind_ == WalkKind::kNone) return Status();
  std::vector<std::pair<uint64_t, uint32_t>> freed;
  uint64_t end = std::min(slot_count_, walk_cursor_ + max_slots);
  Status status;
  while (walk_cursor_ < end) {
    bool tombstoned;
    uint64_t offset = 0;
    uint32_t block = 0;
    status = walk_slot(walk_cursor_, &tombstoned, &offset, &block);
    if (!status.ok()) break;
    if (tombstoned) freed.emplace_back(offset, block);
    ++walk_cursor_;
  }
  if (!freed.empty()) {
    region_->drain();
    for (const auto& [offset, block] : freed) allocator_.free(offset, block);
  }
  if (!status.ok() || walk_cursor_ < slot_count_) return status;
  if (walk_kind_ == WalkKind::kRebuild) {
    allocator_.finish_rebuild(
        [this](uint64_t offset) { return static_cast<uint32_t>(region_->load_u64(offset)); });
  }
  bool again = reclaim_pending_;
  walk_kind_ = WalkKind::kNone;
  if (again) start_walk(WalkKind::kReclaim);
  return Status();
}

// The heap is full but its free space may be scattered over small blocks:
// rebuild the free lists from reachability at once, which merges adjacent
// free blocks. Every referenced item counts, dead ones too (their slots still
// point to them until the walker reclaims them), and so does every item
// written for a link not applied yet.
Status PmemStore::coalesce() {
  AMBER_ASSERT(!allocator_.rebuilding());
  allocator_.begin_rebuild();
  for (const auto& [offset, block] : unlinked_) allocator_.mark_live(offset, block);
  for (uint64_t index = 0; index < slot_count_; ++index) {
    uint64_t value = region_->load_u64(slot_offset(index));
    if (value == kEmptySlot || value == kTombstone) continue;
    StoreItemView view;
    uint32_t phys;
    uint64_t birth;
    // The index was valid a moment ago (every item was checked when written).
    AMBER_RETURN_IF_ERROR(item_at(value, &view, &phys, &birth));
    allocator_.mark_live(value & kOffsetMask, view.block_bytes);
  }
  allocator_.finish_rebuild(
      [this](uint64_t offset) { return static_cast<uint32_t>(region_->load_u64(offset)); });
  return Status();
}

Status PmemStore::scan(uint64_t cursor, uint64_t max_slots,
                       const std::function<void(const StoreItemView&)>& visit,
                       uint64_t* next_cursor) const {
  uint64_t perm = permutation();
  uint32_t logical_of[kMaxDatabases];
  for (uint32_t db = 0; db < kMaxDatabases; ++db) logical_of[physical_db(perm, db)] = db;
  uint64_t end = std::min(slot_count_, cursor + max_slots);
  // Items sit in heap order, not slot order: fetch a few slots ahead.
  constexpr uint64_t kPrefetchSlots = 8;
  const char* base = region_->base();
  for (uint64_t index = cursor; index < end; ++index) {
    if (index + kPrefetchSlots < end) {
      uint64_t ahead = region_->load_u64(slot_offset(index + kPrefetchSlots)) & kOffsetMask;
      if (ahead >= heap_begin_ && ahead < heap_end_) __builtin_prefetch(base + ahead);
    }
    uint64_t value = region_->load_u64(slot_offset(index));
    if (value == kEmptySlot || value == kTombstone) continue;
    StoreItemView view;
    uint32_t phys;
    uint64_t birth;
    AMBER_RETURN_IF_ERROR(item_at(value, &view, &phys, &birth));
    if (!is_live(phys, birth)) continue;
    view.db = logical_of[phys];
    view.phys_db = phys;
    visit(view);
  }
  *next_cursor = end >= slot_count_ ? 0 : end;
  return Status();
}

}  // namespace amber::nvm
