// SupersededOps (contract in superseded_ops.h). The table maps (db, key) to
// the last planned op on it, in buckets of two one-line slots (a 128-byte
// pair of lines): one probe per op, no deletes (a slot whose op is applied
// is free again), and a full bucket gives up its older op. The superseded
// bits live in a ring indexed by ordinal; has_room() keeps the unapplied
// ordinals from wrapping onto each other.
#include "nvm/superseded_ops.h"

// Inlined: a key is a few bytes, the call would cost more than the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "core/assert.h"

namespace amber::nvm {
namespace {

constexpr size_t kMinSlots = 256;
constexpr size_t kMaxSlots = size_t{1} << 18;  // 16 MiB of table
constexpr uint64_t kMinRingBits = 4096;
constexpr uint64_t kMaxRingBits = uint64_t{1} << 23;  // 1 MiB of bits

}  // namespace

SupersededOps::SupersededOps(size_t window_ops)
    : slots_(std::clamp(std::bit_ceil(window_ops / 4), kMinSlots, kMaxSlots)) {
  const size_t slot_count = slots_.size();
  bucket_mask_ = slot_count / kSlotsPerBucket - 1;
  ring_bits_ = std::clamp<uint64_t>(std::bit_ceil(window_ops), kMinRingBits, kMaxRingBits);
  ring_.assign(ring_bits_ / 64, 0);
}

SupersededOps::~SupersededOps() = default;

void SupersededOps::set_bit(uint64_t ordinal, bool value) {
  const uint64_t bit = ordinal & (ring_bits_ - 1);
  const uint64_t mask = uint64_t{1} << (bit % 64);
  if (value) {
    ring_[bit / 64] |= mask;
  } else {
    ring_[bit / 64] &= ~mask;
  }
}

bool SupersededOps::superseded(uint64_t ordinal) const {
  AMBER_ASSERT(ordinal >= applied_ && ordinal < planned_);
  const uint64_t bit = ordinal & (ring_bits_ - 1);
  return (ring_[bit / 64] >> (bit % 64)) & 1;
}

SupersededOps::InlineKey::InlineKey(std::string_view key) : words{0, 0, 0, 0} {
  std::memcpy(words, key.data(), std::min(key.size(), sizeof(words)));
}

SupersededOps::Slot* SupersededOps::find(uint64_t hash, uint32_t db, std::string_view key,
                                         const InlineKey& inline_key) {
  Slot* bucket = &slots_[(hash & bucket_mask_) * kSlotsPerBucket];
  const size_t inline_len = std::min(key.size(), sizeof(InlineKey::words));
  for (size_t i = 0; i < kSlotsPerBucket; ++i) {
    Slot& slot = bucket[i];
    if (!live(slot) || slot.hash != hash || slot.db != db || slot.key_len != key.size()) continue;
    if (slot.inline_key == inline_key &&
        (key.size() == inline_len || std::memcmp(slot.key + inline_len, key.data() + inline_len,
                                                 key.size() - inline_len) == 0)) {
      return &slot;
    }
  }
  return nullptr;
}

SupersededOps::Slot* SupersededOps::victim(uint64_t hash) {
  Slot* bucket = &slots_[(hash & bucket_mask_) * kSlotsPerBucket];
  Slot* oldest = &bucket[0];
  for (size_t i = 0; i < kSlotsPerBucket; ++i) {
    if (!live(bucket[i])) return &bucket[i];
    if (bucket[i].ordinal < oldest->ordinal) oldest = &bucket[i];
  }
  return oldest;
}

uint64_t SupersededOps::hash(uint32_t db, std::string_view key) {
  return XXH3_64bits_withSeed(key.data(), key.size(), db);
}

void SupersededOps::prefetch(uint64_t hash) const {
  const Slot* bucket = &slots_[(hash & bucket_mask_) * kSlotsPerBucket];
  __builtin_prefetch(bucket, 1);
  __builtin_prefetch(bucket + 1, 1);
}

void SupersededOps::add(std::span<const Op> ops) {
  AMBER_ASSERT(has_room(ops.size()));
  for (size_t i = 0; i < ops.size(); i += kMarkBatch) {
    add_batch(ops.subspan(i, std::min(kMarkBatch, ops.size() - i)));
  }
}

void SupersededOps::add_batch(std::span<const Op> ops) {
  // The bit of an op planned long ago is a cache miss (the ring is read at
  // random): the batch finds all its slots and prefetches those bits first,
  // and marks them after.
  std::array<uint64_t, kMarkBatch> marks;
  size_t mark_count = 0;
  for (const Op& op : ops) {
    const uint64_t ordinal = planned_++;
    set_bit(ordinal, false);
    const InlineKey inline_key(op.key);
    Slot* slot = find(op.hash, op.db, op.key, inline_key);
    if (slot != nullptr) {
      if (slot->ordinal >= barrier_) {
        marks[mark_count++] = slot->ordinal;
        __builtin_prefetch(&ring_[(slot->ordinal & (ring_bits_ - 1)) / 64], 1);
      }
    } else {
      slot = victim(op.hash);
    }
    slot->hash = op.hash;
    slot->ordinal = ordinal;
    slot->key = op.key.data();
    slot->key_len = static_cast<uint32_t>(op.key.size());
    slot->db = op.db;
    slot->inline_key = inline_key;
  }
  for (size_t i = 0; i < mark_count; ++i) set_bit(marks[i], true);
}

void SupersededOps::skip(size_t ops) {
  // Clear the bits the skipped ordinals map to; with more of them than the
  // ring, that is the whole ring (marks of earlier ops are lost: only a
  // missed skip).
  if (ops >= ring_bits_) {
    std::fill(ring_.begin(), ring_.end(), 0);
  } else {
    for (uint64_t o = planned_; o < planned_ + ops; ++o) set_bit(o, false);
  }
  planned_ += ops;
}

}  // namespace amber::nvm
