// StoreAllocator: size-classed free lists over a bump-allocated heap, with a
// free space that is derived, never stored (see the header). The only
// persistent word is the high-water mark; raising it is persisted before the
// block it covers can be reached, so after a crash every reachable block lies
// below the recovered hwm and the rebuild sees it.
#include "nvm/store_allocator.h"

#include <algorithm>
#include <bit>

#include "core/assert.h"

namespace amber::nvm {

StoreAllocator::StoreAllocator(Region* region, uint64_t heap_begin, uint64_t heap_end,
                               uint64_t hwm_offset, bool rebuild)
    : region_(region),
      heap_begin_(heap_begin),
      heap_end_(heap_end),
      hwm_offset_(hwm_offset),
      rebuilding_(rebuild) {
  AMBER_ASSERT(heap_begin % 64 == 0 && heap_begin <= heap_end);
  hwm_ = rebuild ? region->load_u64(hwm_offset) : heap_begin;
  AMBER_ASSERT(hwm_ >= heap_begin && hwm_ <= heap_end);
  bump_ = hwm_;
  rebuild_limit_ = hwm_;
  if (rebuild) live_bits_.assign((bit_of(hwm_) + 63) / 64, 0);
}

uint32_t StoreAllocator::block_bytes_for(uint64_t n) {
  if (n <= kMinBlockBytes) return kMinBlockBytes;
  if (n > (uint64_t{1} << 31)) return 0;
  // Four classes per power of two: the step is a quarter of the power of
  // two below n, at least 16.
  uint64_t step = std::max<uint64_t>(16, std::bit_floor(n - 1) / 4);
  return static_cast<uint32_t>((n + step - 1) / step * step);
}

bool StoreAllocator::allocate(uint32_t block_bytes, uint64_t* offset) {
  AMBER_ASSERT(block_bytes >= kMinBlockBytes && block_bytes % 16 == 0);
  auto it = free_lists_.find(block_bytes);
  if (it != free_lists_.end() && !it->second.empty()) {
    *offset = it->second.back();
    it->second.pop_back();
    free_bytes_ -= block_bytes;
    used_bytes_ += block_bytes;
    return true;
  }
  if (heap_end_ - bump_ < block_bytes) return split_larger(block_bytes, offset);
  *offset = bump_;
  bump_ += block_bytes;
  used_bytes_ += block_bytes;
  if (bump_ > hwm_) {
    hwm_ = std::min(
        heap_end_,
        (bump_ - heap_begin_ + kHwmStepBytes - 1) / kHwmStepBytes * kHwmStepBytes + heap_begin_);
    region_->store_u64(hwm_offset_, hwm_);
    region_->persist(region_->base() + hwm_offset_, 8);
  }
  return true;
}

// Takes the smallest larger free block that leaves no remainder or a usable
// one, and returns the remainder to the free lists.
bool StoreAllocator::split_larger(uint32_t block_bytes, uint64_t* offset) {
  for (auto it = free_lists_.upper_bound(block_bytes); it != free_lists_.end(); ++it) {
    if (it->second.empty() || it->first - block_bytes < kMinBlockBytes) continue;
    uint64_t from = it->second.back();
    it->second.pop_back();
    free_bytes_ -= it->first;
    add_free_gap(from + block_bytes, from + it->first);
    *offset = from;
    used_bytes_ += block_bytes;
    return true;
  }
  return false;
}

void StoreAllocator::begin_rebuild() {
  AMBER_ASSERT(!rebuilding_);
  free_lists_.clear();
  free_bytes_ = 0;
  used_bytes_ = 0;
  rebuilding_ = true;
  rebuild_limit_ = bump_;
  live_bits_.assign((bit_of(bump_) + 63) / 64, 0);
}

void StoreAllocator::free(uint64_t offset, uint32_t block_bytes) {
  AMBER_ASSERT(is_block_start(offset) && offset + block_bytes <= bump_);
  if (rebuilding_ && offset < rebuild_limit_) {
    // Not yet counted, or counted by mark_live: either way it becomes part
    // of a gap when the rebuild ends.
    size_t bit = bit_of(offset);
    if (live_bits_[bit / 64] & (uint64_t{1} << (bit % 64))) {
      live_bits_[bit / 64] &= ~(uint64_t{1} << (bit % 64));
    }
    return;
  }
  AMBER_ASSERT(used_bytes_ >= block_bytes);
  used_bytes_ -= block_bytes;
  free_bytes_ += block_bytes;
  free_lists_[block_bytes].push_back(offset);
}

void StoreAllocator::mark_live(uint64_t offset, uint32_t block_bytes) {
  AMBER_ASSERT(rebuilding_);
  if (offset >= rebuild_limit_) return;  // allocated since the open: counted already
  AMBER_ASSERT(offset + block_bytes <= rebuild_limit_);
  size_t bit = bit_of(offset);
  live_bits_[bit / 64] |= uint64_t{1} << (bit % 64);
}

namespace {

// The largest class size <= n. REQUIRES: n >= 64, a multiple of 16.
uint32_t largest_class_at_most(uint64_t n) {
  uint64_t x = std::min<uint64_t>(n, uint64_t{1} << 30);
  while (StoreAllocator::block_bytes_for(x) != x) x -= 16;
  return static_cast<uint32_t>(x);
}

}  // namespace

// Splits [from, to) into free blocks of class sizes. Gaps are unions of
// whole blocks, so they are multiples of 16 and at least 64 bytes; every
// multiple of 16 up to 128 is a class, so such a gap splits without a
// remainder: a piece never leaves less than a minimal block behind. Only a
// damaged image (items that overlap or sit too close) makes a smaller gap;
// it is left unused, which the accounting (used + free < extent) shows.
void StoreAllocator::add_free_gap(uint64_t from, uint64_t to) {
  AMBER_ASSERT(from <= to && (to - from) % 16 == 0);
  while (to - from >= kMinBlockBytes) {
    uint64_t gap = to - from;
    uint32_t block = largest_class_at_most(gap);
    if (gap != block && gap - block < kMinBlockBytes) block = largest_class_at_most(gap - 64);
    free_lists_[block].push_back(from);
    free_bytes_ += block;
    from += block;
  }
}

}  // namespace amber::nvm
