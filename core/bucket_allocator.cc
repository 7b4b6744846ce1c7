// See bucket_allocator.h for why large bucket arrays ask for huge pages.
#include "core/bucket_allocator.h"

#include <sys/mman.h>

#include <cstdlib>

namespace amber {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

void* allocate_buckets(size_t bytes) {
  void* p = nullptr;
  if (bytes >= kHugePage) {
    size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    p = std::aligned_alloc(kHugePage, rounded);
    // Advice only: a kernel without THP answers EINVAL and the pages stay small.
    if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);
  } else {
    p = std::malloc(bytes == 0 ? 1 : bytes);
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void free_buckets(void* p) noexcept { std::free(p); }

}  // namespace amber
