// PmemRegion: a Region on PMDK's libpmem, the production backend. The file is
// mapped with pmem_map_file; when libpmem reports the mapping as persistent
// memory (real PMEM under fsdax / ext4-DAX, or any file with
// PMEM_IS_PMEM_FORCE=1 in the environment) flush/drain are cache-line flushes
// and a fence (pmem_flush/pmem_drain); otherwise every flush is a
// pmem_msync of the touched pages, which is the ordinary page-cache path.
//
// Durability: after persist() returns and health() is ok, the range survives
// a power failure (given the platform honours its pmem/msync contract).
#pragma once

#include <memory>
#include <string>

#include "nvm/region.h"

namespace amber::nvm {

class PmemRegion final : public Region {
 public:
  // Maps `path`, creating it with `size_bytes` if it does not exist. An
  // existing file is mapped at its own size; `size_bytes` must then be 0 or
  // equal to it.
  static Status open(const std::string& path, size_t size_bytes,
                     std::unique_ptr<PmemRegion>* region);
  ~PmemRegion() override;

  char* base() override { return base_; }
  size_t size_bytes() const override { return size_bytes_; }
  bool is_pmem() const override { return is_pmem_; }
  void flush(const void* ptr, size_t len) override;
  void drain() override;
  void persist(const void* ptr, size_t len) override;
  void prefault(const void* ptr, size_t len) override;
  Status health() const override { return health_; }

 private:
  PmemRegion(char* base, size_t size_bytes, bool is_pmem, std::string path)
      : base_(base), size_bytes_(size_bytes), is_pmem_(is_pmem), path_(std::move(path)) {}
  void msync_range(const void* ptr, size_t len);

  char* base_;
  size_t size_bytes_;
  bool is_pmem_;
  std::string path_;
  Status health_;
};

}  // namespace amber::nvm
