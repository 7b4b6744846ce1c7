// Fuzz target for PmemStore recovery (nvm/pmem_store.h) from an arbitrary
// region image. Checks: open() reports a bad superblock as a Status with a
// message; on an opened store, lookups, a full scan and the rebuild walk
// either succeed or report Corruption — never crash, hang or read outside
// the region — and so does pinning items that a damaged log's links name
// (recovery's first step); a rebuild that succeeds never hands out more
// bytes than the heap holds.
#include <cstring>
#include <string>
#include <utility>
#include <vector>

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
  // Where a damaged log's links could point: the items the scan meets and
  // offsets taken from the input.
  std::vector<std::pair<std::string, uint64_t>> links;
  do {
    status = store->scan(
        cursor, 1024,
        [&](const nvm::StoreItemView& item) {
          if (++visited <= 2) links.emplace_back(std::string(item.key), item.offset);
        },
        &cursor);
  } while (status.ok() && cursor != 0);
  FUZZ_CHECK(status.ok() || status.is_corruption(), "scan: %s", status.to_string().c_str());
  for (size_t i = 0; i + 8 <= size && i < 32; i += 8) {
    uint64_t offset;
    std::memcpy(&offset, data + size - 8 - i, 8);
    links.emplace_back("k0", offset % (2 * region->size_bytes()));
  }
  for (const auto& [key, offset] : links) {
    nvm::StoreItemView item;
    status = store->pin_unlinked(key, offset, &item);
    FUZZ_CHECK(status.ok() || status.is_corruption(), "pin: %s", status.to_string().c_str());
    if (status.ok()) FUZZ_CHECK(item.key == key, "pinned an item of another key");
  }
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
