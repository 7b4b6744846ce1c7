// Fuzz target for PmemStore recovery (nvm/pmem_store.h) from an arbitrary
// region image. Checks: open() reports a bad superblock as a Status with a
// message; on an opened store, lookups, a full scan and the rebuild walk
// either succeed or report Corruption — never crash, hang or read outside
// the region — and a rebuild that succeeds never hands out more bytes than
// the heap holds.
#include <string>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "fuzz/nvm_region_image.h"
#include "nvm/emulated_region.h"
#include "nvm/pmem_store.h"

namespace amber::fuzz {

int fuzz_nvm_store(const uint8_t* data, size_t size) {
  auto region = nvm::EmulatedRegion::from_image(nvm_region_image(data, size, 64 << 10, 1 << 20));
  std::unique_ptr<nvm::PmemStore> store;
  Status status = nvm::PmemStore::open(region.get(), &store);
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "an error without a message");
    return 0;
  }
  for (uint32_t db = 0; db < 2; ++db) {
    for (const char* key : {"k0", "k1", "key", ""}) {
      nvm::StoreItemView item;
      bool found;
      status = store->get(db, key, &item, &found);
      FUZZ_CHECK(status.ok() || status.is_corruption(), "get: %s", status.to_string().c_str());
      if (status.ok() && found) FUZZ_CHECK(item.key == key, "get returned another key");
    }
  }
  uint64_t cursor = 0;
  uint64_t visited = 0;
  do {
    status = store->scan(
        cursor, 1024, [&](const nvm::StoreItemView&) { ++visited; }, &cursor);
  } while (status.ok() && cursor != 0);
  FUZZ_CHECK(status.ok() || status.is_corruption(), "scan: %s", status.to_string().c_str());
  while (store->busy()) {
    status = store->step(4096);
    if (!status.ok()) break;
  }
  FUZZ_CHECK(status.ok() || status.is_corruption(), "step: %s", status.to_string().c_str());
  const nvm::StoreAllocator& allocator = store->allocator();
  if (status.ok()) {
    FUZZ_CHECK(allocator.used_bytes() + allocator.free_bytes() <= allocator.extent_bytes() &&
                   allocator.extent_bytes() <= allocator.capacity_bytes(),
               "the rebuilt heap is over-committed: used %llu free %llu extent %llu",
               static_cast<unsigned long long>(allocator.used_bytes()),
               static_cast<unsigned long long>(allocator.free_bytes()),
               static_cast<unsigned long long>(allocator.extent_bytes()));
  }
  return 0;
}

}  // namespace amber::fuzz
