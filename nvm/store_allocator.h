// StoreAllocator: the heap allocator of PmemStore. Its state is volatile:
// what is in use is defined by what the store's index reaches, so a crash can
// never leak a block — free space is rebuilt after every open.
//
// Blocks come in size classes (four per power of two, multiples of 16 bytes,
// at least 64) and are taken from a per-class free list, else from the
// never-used top of the heap (the bump pointer), else split from a larger
// free block. Free blocks are not coalesced as they are freed; when nothing
// fits, the store runs a coalescing rebuild (begin_rebuild). The store persists a
// high-water mark (hwm) above which no reachable block lies; it is raised in
// 1 MiB steps, before any block above it can become reachable.
//
// Rebuild is lazy, so that open() is O(1) whatever the heap holds: after an
// open, allocation only uses the heap above the recovered hwm, while the
// store's walker visits the index in bounded steps and marks each reachable
// block below it (mark_live). Blocks below it that are freed meanwhile are
// unmarked. When the walk ends, finish_rebuild() turns every unmarked gap
// below the old hwm into free blocks.
//
// Threads: one thread at a time (the store's).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "nvm/region.h"

namespace amber::nvm {

class StoreAllocator {
 public:
  static constexpr uint32_t kMinBlockBytes = 64;
  static constexpr uint64_t kHwmStepBytes = 1 << 20;

  // The heap is [heap_begin, heap_end) (region offsets, 64-aligned); the
  // persistent hwm word lives at `hwm_offset`. `rebuild`: the heap holds
  // blocks from before (open), else it is empty (format).
  StoreAllocator(Region* region, uint64_t heap_begin, uint64_t heap_end, uint64_t hwm_offset,
                 bool rebuild);

  // The class size for an item of `n` bytes; 0 if too large.
  static uint32_t block_bytes_for(uint64_t n);
  // A block of exactly `block_bytes` (a class size). False when the heap has
  // no room (during a rebuild: no room above the old hwm). Persists the hwm
  // when the block lies above it.
  bool allocate(uint32_t block_bytes, uint64_t* offset);
  // Returns an unreachable block (its index slot no longer points to it,
  // durably).
  void free(uint64_t offset, uint32_t block_bytes);

  bool rebuilding() const { return rebuilding_; }
  // Forgets the free lists and starts a rebuild of the whole heap handed out
  // so far: the store marks every block its index reaches, and
  // finish_rebuild() coalesces the rest into the largest blocks it can
  // (a full heap whose free space is scattered over small classes).
  void begin_rebuild();
  // During a rebuild: the block at `offset` is reachable.
  void mark_live(uint64_t offset, uint32_t block_bytes);
  // During a rebuild: the heap below it is known only by the marks.
  uint64_t rebuild_limit() const { return rebuild_limit_; }
  // Ends the rebuild: every unmarked byte below the old hwm becomes free.
  // `block_bytes_at(offset)` reads the size of a marked block.
  template <typename SizeOf>
  void finish_rebuild(SizeOf block_bytes_at);

  // Bytes of reachable blocks (exact once the rebuild is done).
  uint64_t used_bytes() const { return used_bytes_; }
  uint64_t free_bytes() const { return free_bytes_; }
  // Bytes of the heap ever handed out: used + free once rebuilt (no leak).
  uint64_t extent_bytes() const { return bump_ - heap_begin_; }
  uint64_t capacity_bytes() const { return heap_end_ - heap_begin_; }
  bool is_block_start(uint64_t offset) const {
    return offset >= heap_begin_ && offset < heap_end_ && offset % 16 == 0;
  }

 private:
  size_t bit_of(uint64_t offset) const { return (offset - heap_begin_) / 16; }
  void add_free_gap(uint64_t from, uint64_t to);
  bool split_larger(uint32_t block_bytes, uint64_t* offset);

  Region* region_;
  uint64_t heap_begin_;
  uint64_t heap_end_;
  uint64_t hwm_offset_;
  uint64_t hwm_;   // persisted high-water mark (region offset)
  uint64_t bump_;  // lowest never-allocated offset
  std::map<uint32_t, std::vector<uint64_t>> free_lists_;  // by class size
  uint64_t used_bytes_ = 0;
  uint64_t free_bytes_ = 0;
  bool rebuilding_;
  uint64_t rebuild_limit_;           // blocks below it are only known by the walk
  std::vector<uint64_t> live_bits_;  // one bit per 16 bytes below rebuild_limit_
};

template <typename SizeOf>
void StoreAllocator::finish_rebuild(SizeOf block_bytes_at) {
  uint64_t gap_from = heap_begin_;
  for (size_t word = 0; word < live_bits_.size(); ++word) {
    for (uint64_t bits = live_bits_[word]; bits != 0; bits &= bits - 1) {
      uint64_t offset = heap_begin_ + (word * 64 + __builtin_ctzll(bits)) * 16;
      if (offset < gap_from) continue;  // overlapping items: only in a damaged image
      uint32_t block = block_bytes_at(offset);
      add_free_gap(gap_from, offset);
      used_bytes_ += block;
      gap_from = offset + block;
    }
  }
  add_free_gap(gap_from, rebuild_limit_);
  live_bits_.clear();
  live_bits_.shrink_to_fit();
  rebuilding_ = false;
}

}  // namespace amber::nvm
