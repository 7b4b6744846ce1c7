// SupersededOps (contract in superseded_ops.h): a ring of bits, one per
// unapplied ordinal in the window.
#include "nvm/superseded_ops.h"

#include <algorithm>
#include <bit>

#include "core/assert.h"

namespace amber::nvm {
namespace {

constexpr uint64_t kMinRingBits = 4096;
constexpr uint64_t kMaxRingBits = uint64_t{1} << 23;  // 1 MiB of bits

}  // namespace

SupersededOps::SupersededOps(size_t window_ops)
    : ring_bits_(std::clamp<uint64_t>(std::bit_ceil(window_ops), kMinRingBits, kMaxRingBits)) {
  ring_.assign(ring_bits_ / 64, 0);
}

void SupersededOps::mark(uint64_t ordinal) {
  if (ordinal < applied_ || ordinal - applied_ >= ring_bits_) return;
  const uint64_t bit = ordinal & (ring_bits_ - 1);
  ring_[bit / 64] |= uint64_t{1} << (bit % 64);
}

bool SupersededOps::superseded(uint64_t ordinal) const {
  AMBER_ASSERT(ordinal >= applied_);
  if (ordinal - applied_ >= ring_bits_) return false;
  const uint64_t bit = ordinal & (ring_bits_ - 1);
  return (ring_[bit / 64] >> (bit % 64)) & 1;
}

void SupersededOps::set_applied(uint64_t ordinal) {
  AMBER_ASSERT(ordinal >= applied_);
  if (ordinal - applied_ >= ring_bits_) {
    std::fill(ring_.begin(), ring_.end(), 0);
  } else {
    for (uint64_t o = applied_; o < ordinal; ++o) {
      const uint64_t bit = o & (ring_bits_ - 1);
      ring_[bit / 64] &= ~(uint64_t{1} << (bit % 64));
    }
  }
  applied_ = ordinal;
}

}  // namespace amber::nvm
