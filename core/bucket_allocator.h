// BucketAllocator: the allocator behind Dict's bucket arrays. A large
// keyspace's table is tens of MiB read at random, one bucket per lookup;
// with 4 KiB pages nearly every lookup also misses the TLB and walks the
// page table (the largest cost left in loading millions of keys). Arrays of
// 2 MiB or more are therefore placed on 2 MiB boundaries and marked
// MADV_HUGEPAGE before they are first written, so that the kernel backs them
// with transparent huge pages where it can (THP `madvise` or `always`).
// Where it cannot, they are ordinary pages; nothing depends on it.
#pragma once

#include <cstddef>
#include <new>

namespace amber {

void* allocate_buckets(size_t bytes);
void free_buckets(void* p) noexcept;

template <typename T>
struct BucketAllocator {
  using value_type = T;

  BucketAllocator() = default;
  template <typename U>
  BucketAllocator(const BucketAllocator<U>&) noexcept {}

  T* allocate(size_t n) { return static_cast<T*>(allocate_buckets(n * sizeof(T))); }
  void deallocate(T* p, size_t) noexcept { free_buckets(p); }

  template <typename U>
  bool operator==(const BucketAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace amber
