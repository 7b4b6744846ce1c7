// See zeroed_buckets.h for why large bucket arrays come from mmap, with
// huge pages.
#include "core/zeroed_buckets.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace amber {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCacheLine = 64;

}  // namespace

void* allocate_zeroed_buckets(size_t bytes, size_t* mapped_bytes) {
  *mapped_bytes = 0;
  if (bytes < kHugePage) {
    // On a cache line, like the mapped ones (T may be a line-sized slot).
    const size_t rounded = (std::max<size_t>(bytes, 1) + kCacheLine - 1) & ~(kCacheLine - 1);
    void* p = std::aligned_alloc(kCacheLine, rounded);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, rounded);
    return p;
  }
  const size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
  // Map a huge page more than needed, then return the unaligned ends.
  void* raw = mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) & ~uintptr_t{kHugePage - 1};
  if (aligned > start) munmap(raw, aligned - start);
  const size_t tail = start + rounded + kHugePage - (aligned + rounded);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  void* p = reinterpret_cast<void*>(aligned);
  // Advice only: a kernel without THP answers EINVAL and the pages stay small.
  madvise(p, rounded, MADV_HUGEPAGE);
  *mapped_bytes = rounded;
  return p;
}

void free_zeroed_buckets(void* p, size_t mapped_bytes) noexcept {
  if (mapped_bytes == 0) {
    std::free(p);
  } else {
    munmap(p, mapped_bytes);
  }
}

}  // namespace amber
