// PmemStore::copy_to: how a store grows. Its index and heap are laid out
// once, at format, so a larger store is a new one holding the same
// contents; nvm/region_file.cc writes it to a new file and renames that over
// the old one, so a crash leaves either store whole.
//
// The copy must be the same store as far as recovery can tell, including
// after a crash inside a unit: that unit's upserts and removes (idempotent)
// and its first SWAPDB (recognised by its stamp) may already be in the
// original, and the log applies the unit again. So the root words and flush
// marks are copied verbatim and every live item keeps its physical database
// and birth stamp; dead items and tombstones are left behind, which no
// lookup can tell from their absence.
#include <cerrno>

#include "core/assert.h"
#include "nvm/pmem_store.h"
#include "nvm/store_layout.h"

namespace amber::nvm {

using namespace store_layout;

Status PmemStore::copy_to(Region* target, std::unique_ptr<PmemStore>* copy) const {
  AMBER_ASSERT(!in_unit_);
  std::unique_ptr<PmemStore> out;
  AMBER_RETURN_IF_ERROR(format(target, generation_, {}, &out));
  // Nothing below needs a persist of its own: the file is not the store
  // until the whole copy is durable (see nvm/region_file.h).
  for (size_t offset : {kPermStateOffset, kPermOffset, kPermOffset + 8, kAllMarkOffset,
                        kBaseSeqOffset, kBasePermOffset}) {
    target->store_u64(offset, region_->load_u64(offset));
  }
  for (uint32_t db = 0; db < kMaxDatabases; ++db) {
    target->store_u64(kMarksOffset + db * 8, region_->load_u64(kMarksOffset + db * 8));
  }
  target->store_u64(kAppliedSeqOffset, applied_seq());
  out->applied_seq_ = applied_seq();
  for (uint64_t index = 0; index < slot_count_; ++index) {
    uint64_t value = region_->load_u64(slot_offset(index));
    if (value == kEmptySlot || value == kTombstone) continue;
    StoreItemView item;
    uint32_t phys_db;
    uint64_t birth;
    AMBER_RETURN_IF_ERROR(item_at(value, &item, &phys_db, &birth));
    if (!is_live(phys_db, birth)) continue;
    AMBER_RETURN_IF_ERROR(out->place_copied_item(phys_db, birth, item));
  }
  target->persist(target->base(), out->heap_begin_ + out->allocator_.extent_bytes());
  *copy = std::move(out);
  return Status();
}

Status PmemStore::place_copied_item(uint32_t phys_db, uint64_t birth, const StoreItemView& item) {
  uint32_t block =
      StoreAllocator::block_bytes_for(kItemHeaderBytes + item.key.size() + item.value.size());
  uint64_t offset;
  if (block == 0 || !allocator_.allocate(block, &offset)) {
    return Status::io_error("nvm store copy: no room for an item of " +
                                std::to_string(item.key.size() + item.value.size()) + " bytes",
                            ENOSPC);
  }
  Probe found;
  AMBER_RETURN_IF_ERROR(probe(phys_db, item.key, &found));
  if (found.found) {
    return Status::corruption("nvm store: key in two index slots of database " +
                              std::to_string(phys_db));
  }
  if (!found.has_free) {
    return Status::io_error("nvm store copy: no free index slot near a key's home", ENOSPC);
  }
  store_item(offset, block, phys_db, birth, item.key, item.value, item.expire_ms);
  region_->store_u64(slot_offset(found.free_index), (found.tag << 48) | offset);
  ++keys_[phys_db];
  return Status();
}

}  // namespace amber::nvm
