// PmemRegion: libpmem behind the Region interface. pmem_is_pmem is decided
// once, by pmem_map_file, for the whole mapping (libpmem itself honours
// PMEM_IS_PMEM_FORCE there). On the msync path a failed msync is sticky: the
// kernel may have dropped the dirty pages, so nothing later is trusted.
#include "nvm/pmem_region.h"

#include <libpmem.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/assert.h"

namespace amber::nvm {

Status PmemRegion::open(const std::string& path, size_t size_bytes,
                        std::unique_ptr<PmemRegion>* region) {
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && size_bytes != 0 && static_cast<size_t>(st.st_size) != size_bytes) {
    return Status::invalid_argument("nvm region " + path + " has " + std::to_string(st.st_size) +
                                    " bytes, configured " + std::to_string(size_bytes));
  }
  if (!exists && size_bytes == 0) {
    return Status::invalid_argument("nvm region " + path + " does not exist and has no size");
  }
  size_t mapped_len = 0;
  int is_pmem = 0;
  void* addr = exists ? pmem_map_file(path.c_str(), 0, 0, 0, &mapped_len, &is_pmem)
                      : pmem_map_file(path.c_str(), size_bytes, PMEM_FILE_CREATE | PMEM_FILE_EXCL,
                                      0600, &mapped_len, &is_pmem);
  if (addr == nullptr) {
    int err = errno;
    return Status::io_error("cannot map nvm region " + path + ": " + pmem_errormsg(), err);
  }
  region->reset(new PmemRegion(static_cast<char*>(addr), mapped_len, is_pmem != 0, path));
  return Status();
}

PmemRegion::~PmemRegion() { pmem_unmap(base_, size_bytes_); }

void PmemRegion::msync_range(const void* ptr, size_t len) {
  if (pmem_msync(ptr, len) != 0 && health_.ok()) {
    int err = errno;
    health_ =
        Status::io_error("msync of nvm region " + path_ + " failed: " + std::strerror(err), err);
  }
}

void PmemRegion::flush(const void* ptr, size_t len) {
  AMBER_ASSERT(static_cast<const char*>(ptr) >= base_ &&
               contains(static_cast<const char*>(ptr) - base_, len));
  if (is_pmem_) {
    pmem_flush(ptr, len);
  } else {
    msync_range(ptr, len);
  }
}

void PmemRegion::drain() {
  if (is_pmem_) pmem_drain();
}

void PmemRegion::persist(const void* ptr, size_t len) {
  AMBER_ASSERT(static_cast<const char*>(ptr) >= base_ &&
               contains(static_cast<const char*>(ptr) - base_, len));
  if (is_pmem_) {
    pmem_persist(ptr, len);
  } else {
    msync_range(ptr, len);
  }
}

// MADV_POPULATE_WRITE maps the pages in one call instead of one fault per
// page. Only on the flush path: on the msync path a write fault marks a page
// dirty, and msync would then write back pages nobody changed. A kernel
// without it (before 5.14) says EINVAL; the hint is then simply not taken.
void PmemRegion::prefault(const void* ptr, size_t len) {
  AMBER_ASSERT(static_cast<const char*>(ptr) >= base_ &&
               contains(static_cast<const char*>(ptr) - base_, len));
#ifdef MADV_POPULATE_WRITE
  if (!is_pmem_ || len == 0) return;
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(ptr) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(ptr) + len;
  (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#endif
}

}  // namespace amber::nvm
