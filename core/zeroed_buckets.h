// ZeroedBuckets<T>: the arrays behind Dict's tables and the NVM replay plan,
// allocated zeroed. A large keyspace's table is tens of MiB read at random,
// one bucket per lookup; with 4 KiB pages nearly every lookup also misses
// the TLB and walks the page table (the largest cost left in loading
// millions of keys). Arrays of 2 MiB or more therefore come straight from
// mmap, on 2 MiB boundaries, marked MADV_HUGEPAGE before they are first
// written, so that the kernel backs them with transparent huge pages where
// it can (THP `madvise` or `always`); where it cannot, they are ordinary
// pages and nothing depends on it.
//
// mmap's memory is already zero, and untouched pages cost nothing: sizing a
// table for tens of millions of keys (a restart in NVM mode, an RDB load)
// neither writes nor faults in its hundreds of MiB up front — each page
// faults in, zeroed by the kernel, when a bucket on it is first written.
//
// T must be valid when all its bytes are zero (pointers, plain structs).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace amber {

// `bytes` of zeroed memory on (at least) a 64-byte boundary; *mapped_bytes
// is what free_zeroed_buckets() needs (0 for a small array from the heap).
// Throws std::bad_alloc.
void* allocate_zeroed_buckets(size_t bytes, size_t* mapped_bytes);
void free_zeroed_buckets(void* p, size_t mapped_bytes) noexcept;

template <typename T>
class ZeroedBuckets {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  ZeroedBuckets() = default;
  // `count` elements, every byte zero.
  explicit ZeroedBuckets(size_t count) : size_(count) {
    // In the body: mapped_bytes_'s initializer would run after data_'s.
    data_ = static_cast<T*>(allocate_zeroed_buckets(count * sizeof(T), &mapped_bytes_));
  }
  ~ZeroedBuckets() { free_zeroed_buckets(data_, mapped_bytes_); }
  ZeroedBuckets(ZeroedBuckets&& other) noexcept { swap(other); }
  ZeroedBuckets& operator=(ZeroedBuckets&& other) noexcept {
    ZeroedBuckets(std::move(other)).swap(*this);
    return *this;
  }
  ZeroedBuckets(const ZeroedBuckets&) = delete;
  ZeroedBuckets& operator=(const ZeroedBuckets&) = delete;

  void swap(ZeroedBuckets& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(mapped_bytes_, other.mapped_bytes_);
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_bytes_ = 0;
};

}  // namespace amber
