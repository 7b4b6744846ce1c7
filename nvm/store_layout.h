// The byte layout of PmemStore's region (docs/NVM_FORMAT.md is the full
// description). Internal to nvm/: only pmem_store*.cc include it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace amber::nvm::store_layout {

// Superblock (line 0), written once by format().
inline constexpr size_t kMagicOffset = 0;
inline constexpr uint64_t kMagic = 0x525453564e424d41;  // "AMBNVSTR" little-endian
inline constexpr size_t kVersionOffset = 8;
inline constexpr uint32_t kVersion = 1;
inline constexpr size_t kGenerationOffset = 16;
inline constexpr size_t kIndexOffsetOffset = 24;
inline constexpr size_t kSlotCountOffset = 32;
inline constexpr size_t kHeapBeginOffset = 40;
inline constexpr size_t kHeapEndOffset = 48;
inline constexpr size_t kSuperChecksumOffset = 56;  // xxh3 of bytes [0, 56)

// Root words (line 1), each updated with one 8-byte store.
inline constexpr size_t kAppliedSeqOffset = 64;
inline constexpr size_t kPermStateOffset = 72;  // (stamp of last swap << 1) | active slot
inline constexpr size_t kPermOffset = 80;       // two permutation words: 80, 88
inline constexpr size_t kAllMarkOffset = 96;
inline constexpr size_t kHwmOffset = 104;
inline constexpr size_t kBaseSeqOffset = 112;   // unit whose first swap saved kBasePermOffset
inline constexpr size_t kBasePermOffset = 120;  // the permutation that unit started from

// Flush marks of the 16 physical databases (lines 2-3).
inline constexpr size_t kMarksOffset = 128;
inline constexpr size_t kIndexOffset = 256;

inline constexpr uint64_t kIdentityPermutation = 0xfedcba9876543210;

// Index slots: 0 empty, 1 tombstone, else (tag << 48) | item offset.
inline constexpr uint64_t kEmptySlot = 0;
inline constexpr uint64_t kTombstone = 1;
inline constexpr uint64_t kOffsetMask = (uint64_t{1} << 48) - 1;

// Item header: word 0 = block_bytes (u32) | phys_db << 32 (u8) | kind << 40
// (u8); word 1 birth stamp; word 2 expire_ms; word 3 key_len (u32) |
// value_len << 32 (u32); word 4 checksum; then key and value bytes.
inline constexpr size_t kItemHeaderBytes = 40;
inline constexpr uint32_t kItemKind = 1;

}  // namespace amber::nvm::store_layout
