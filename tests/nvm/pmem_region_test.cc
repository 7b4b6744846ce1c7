// PmemRegion on libpmem: the pmem path (PMEM_IS_PMEM_FORCE=1 on /dev/shm)
// and the msync path (a regular file). libpmem reads PMEM_IS_PMEM_FORCE
// once per process, so each case runs in a forked child (EXPECT_EXIT) with
// its own environment; the parent never touches libpmem.
#include "nvm/pmem_region.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

namespace amber::nvm {
namespace {

// Maps a new file, persists a pattern, remaps it and checks the pattern and
// is_pmem; exits 0 on success, else prints and exits 1.
[[noreturn]] void map_write_remap(const std::string& path, const char* force, bool want_pmem) {
  if (force != nullptr) {
    setenv("PMEM_IS_PMEM_FORCE", force, 1);
  } else {
    unsetenv("PMEM_IS_PMEM_FORCE");
  }
  std::filesystem::remove(path);
  int code = 0;
  {
    std::unique_ptr<PmemRegion> region;
    Status status = PmemRegion::open(path, 1 << 20, &region);
    if (!status.ok()) {
      std::fprintf(stderr, "open: %s\n", status.to_string().c_str());
      std::_Exit(1);
    }
    if (region->is_pmem() != want_pmem) {
      std::fprintf(stderr, "is_pmem=%d\n", region->is_pmem());
      code = 1;
    }
    std::memcpy(region->base() + 4096, "persisted", 9);
    region->persist(region->base() + 4096, 9);
    region->store_u64(8192, 42);
    region->flush(region->base() + 8192, 8);
    region->drain();
    if (!region->health().ok()) code = 1;
  }
  {
    std::unique_ptr<PmemRegion> region;
    Status status = PmemRegion::open(path, 0, &region);
    if (!status.ok() || region->size_bytes() != (1 << 20) ||
        std::memcmp(region->base() + 4096, "persisted", 9) != 0 || region->load_u64(8192) != 42) {
      std::fprintf(stderr, "reopen: %s\n", status.to_string().c_str());
      code = 1;
    }
  }
  std::filesystem::remove(path);
  std::_Exit(code);
}

std::string unique_path(const char* dir) {
  return std::string(dir) + "/amber-pmem-test-" + std::to_string(getpid());
}

TEST(PmemRegion, ForcedPmemOnDevShmUsesTheFlushPath) {
  EXPECT_EXIT(map_write_remap(unique_path("/dev/shm"), "1", true), testing::ExitedWithCode(0), "");
}

TEST(PmemRegion, RegularFileUsesTheMsyncPath) {
  EXPECT_EXIT(map_write_remap(unique_path("/tmp"), nullptr, false), testing::ExitedWithCode(0), "");
}

TEST(PmemRegion, ForceZeroOnDevShmUsesTheMsyncPath) {
  EXPECT_EXIT(map_write_remap(unique_path("/dev/shm"), "0", false), testing::ExitedWithCode(0), "");
}

TEST(PmemRegion, ExistingFileOfAnotherSizeIsRefused) {
  std::string path = unique_path("/tmp") + "-size";
  EXPECT_EXIT(
      {
        std::unique_ptr<PmemRegion> region;
        if (!PmemRegion::open(path, 1 << 20, &region).ok()) std::_Exit(2);
        region.reset();
        Status status = PmemRegion::open(path, 2 << 20, &region);
        std::filesystem::remove(path);
        std::_Exit(!status.ok() && status.message().find(path) != std::string::npos ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace amber::nvm
