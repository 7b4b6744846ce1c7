// ValueTier: where the values of offloaded entries live (NVM mode's capacity
// tier, nvm/capacity_tier.h). To bound the DRAM that values use, the tier
// offloads the value of a cold entry (Db::offload): the entry stays in its
// Db with its key, expire time and value length, and keeps a handle instead
// of the value bytes. Db hides the difference from everything above it:
//
//   Db::find(key) on an offloaded entry ──> read(handle) and the value is
//                                           resident again (a command may
//                                           use or change it)
//   Db::find_for_read(key), for commands  ──> the same if admit_on_read();
//   that only read the entry                  else read(handle) into a
//                                             scratch copy, and the value
//                                             stays in the tier
//   Db::readable(e) for whole-keyspace    ──> read(handle) into a scratch
//   readers (snapshots, AOF rewrite,          copy: nothing becomes resident
//   DEBUG DIGEST)
//
// Bringing a value back is not a modification: nothing is signalled, logged
// or counted as dirty. Single-threaded: the engine's.
#pragma once

#include <cstdint>
#include <string_view>

namespace amber {

class ValueTier {
 public:
  ValueTier() = default;
  ValueTier(const ValueTier&) = delete;
  ValueTier& operator=(const ValueTier&) = delete;
  virtual ~ValueTier() = default;

  // The value behind `handle`: `value_len` bytes, valid until the next call
  // into the tier or the Db. A handle whose value cannot be read (a damaged
  // item) is reported by the tier itself, which then returns an empty view.
  virtual std::string_view read(uint64_t handle, uint32_t value_len) = 0;
  // Whether a read of an offloaded value of `value_len` bytes, last accessed
  // `idle_s` seconds ago, should make it resident again. Declining spares
  // the DRAM a value read once, and the offload of another to make room.
  virtual bool admit_on_read(uint32_t value_len, uint32_t idle_s) = 0;
};

}  // namespace amber
