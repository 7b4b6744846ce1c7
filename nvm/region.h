// Region: the only way amber touches persistent memory. A Region is a mapped
// byte range [base(), base() + size_bytes()) whose stores become durable only
// through flush + drain (= persist). Backends: PmemRegion (libpmem, the
// production path on real PMEM or a DAX file system) and EmulatedRegion (a
// file-backed emulator that can produce crash images, for tests and laptops).
//
// The failure model every user of a Region must assume:
//   - a store that was not flushed and drained may or may not be durable
//     after a crash, independently per cache line and even per 8-byte word;
//   - only an aligned 8-byte store is failure-atomic: no code may assume a
//     larger store, or two stores to the same line, reach the media together;
//   - a flushed line is durable once a later drain() returned.
//
// Threads: a Region is used from one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/status.h"

namespace amber::nvm {

inline constexpr size_t kCacheLineBytes = 64;

class Region {
 public:
  Region() = default;
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  virtual ~Region() = default;

  virtual char* base() = 0;
  virtual size_t size_bytes() const = 0;
  // True when flush + drain reach persistence without a system call
  // (real PMEM, or PMEM_IS_PMEM_FORCE=1); false on the msync path.
  virtual bool is_pmem() const = 0;

  // Starts writing back the cache lines covering [ptr, ptr + len).
  // REQUIRES: the range lies inside the region.
  virtual void flush(const void* ptr, size_t len) = 0;
  // Waits until every line flushed before it is durable.
  virtual void drain() = 0;
  // flush + drain: [ptr, ptr + len) is durable when it returns (unless
  // health() reports a failure).
  virtual void persist(const void* ptr, size_t len) {
    flush(ptr, len);
    drain();
  }
  // A hint, no effect on contents or durability: maps [ptr, ptr + len) in
  // ahead of the writes that will land there, so that they do not take a
  // page fault each. REQUIRES: the range lies inside the region.
  virtual void prefault(const void* /*ptr*/, size_t /*len*/) {}
  // Ok, or the first failure of a write-back (msync can fail with EIO).
  // Sticky: once failed, nothing written since is known to be durable, and
  // callers must stop acknowledging writes.
  virtual Status health() const = 0;

  // Aligned 8-byte access at `offset`: the unit of failure atomicity.
  uint64_t load_u64(size_t offset) {
    uint64_t v;
    std::memcpy(&v, base() + offset, sizeof v);
    return v;
  }
  void store_u64(size_t offset, uint64_t value) {
    // One aligned 8-byte store (memcpy of 8 aligned bytes compiles to a mov).
    std::memcpy(base() + offset, &value, sizeof value);
  }
  bool contains(size_t offset, size_t len) const {
    return offset <= size_bytes() && len <= size_bytes() - offset;
  }
};

}  // namespace amber::nvm
