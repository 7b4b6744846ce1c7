// Entry: one key of a database and its value, in a single allocation.
//
//   +------+-----------+---------+-----------+------+------------------+-----+-------+
//   | next | expire_ms | key_len | value_len | slot | lru|type|encoding | key | value |
//   +------+-----------+---------+-----------+------+------------------+-----+-------+
//      8         8          4          4        4            4          key   value
//
// `next` chains entries in a Dict bucket (the table is intrusive, so a key
// costs one allocation, not Redis's three). A string value's bytes follow the
// key; room past value_len (malloc's slack) lets APPEND and SETRANGE grow in
// place. Later value types keep a pointer to their object in the value bytes.
//
// An *offloaded* entry (the NVM capacity tier, core/value_tier.h) keeps its
// key and metadata in DRAM but not its value: the value bytes hold an
// 8-byte handle to where the value lives, value_len still says how long the
// value is, and value() must not be called (Db::find brings the value back;
// Db::readable gives whole-keyspace readers a full copy).
//
// A *tagged* entry (NVM mode, Db::set_tag_entries) has one more word just
// before its header, which NVM mode uses to remember where in its log the
// key was last written (nvm/nvm_persistence.h); the allocation then starts
// there. Other modes do not pay for it.
//
// Entries are owned by a Db; only Db creates, resizes and frees them, because
// a resize may move an entry and Db must re-link it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace amber {

// Redis's type and encoding numbers (OBJ_STRING, OBJ_ENCODING_*), so that
// OBJECT ENCODING and the RDB codec can use them directly.
enum class ValueType : uint8_t { kString = 0 };
enum class Encoding : uint8_t { kRaw = 0, kInt = 1, kEmbstr = 8 };

inline constexpr int64_t kNoExpire = -1;
// Redis's LRU clock: Entry::lru holds seconds modulo 2^24 (LRU_CLOCK_MAX).
inline constexpr uint32_t kLruClockMax = (1u << 24) - 1;
inline uint32_t lru_clock_at(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 1000) & kLruClockMax;
}
// Seconds from `lru` to `now` on that clock, which wraps about every 194
// days (Redis's estimateObjectIdleTime).
inline uint32_t lru_idle_s(uint32_t now, uint32_t lru) {
  return now >= lru ? now - lru : now + (kLruClockMax - lru);
}

// Redis's OBJ_SHARED_REFCOUNT: what OBJECT REFCOUNT reports for shared integers.
inline constexpr int64_t kSharedRefcount = 2147483647;

struct Entry {
  Entry* next;
  int64_t expire_ms;  // absolute Unix time in ms, or kNoExpire
  uint32_t key_len;
  uint32_t value_len;
  // Index in Db's volatile-key list when expire_ms != kNoExpire.
  uint32_t volatile_slot : 29;
  uint32_t tagged : 1;     // the tag word precedes the header (see above)
  uint32_t offloaded : 1;  // the value lives in the ValueTier (see above)
  // Snapshot copy-on-write: the entry is saved by the running snapshot when
  // this equals the db's parity (see core/persist/snapshot.h). Only Db sets it.
  uint32_t snapshot_mark : 1;
  uint32_t lru : 24;  // Redis's LRU clock (seconds, 24 bits)
  uint32_t type : 3;  // Redis's types 0..6
  // COPY gives the copy its own integer object in Redis, so OBJECT REFCOUNT
  // reports 1 for it even when the value is a shared small integer.
  uint32_t unshared : 1;
  uint32_t encoding : 4;

  char* key_data() { return reinterpret_cast<char*>(this + 1); }
  const char* key_data() const { return reinterpret_cast<const char*>(this + 1); }
  char* value_data() { return key_data() + key_len; }
  const char* value_data() const { return key_data() + key_len; }

  std::string_view key() const { return {key_data(), key_len}; }
  std::string_view value() const { return {value_data(), value_len}; }
  ValueType value_type() const { return static_cast<ValueType>(type); }
  Encoding value_encoding() const { return static_cast<Encoding>(encoding); }
  bool has_expire() const { return expire_ms != kNoExpire; }
  bool is_offloaded() const { return offloaded != 0; }
  bool is_tagged() const { return tagged != 0; }
  // REQUIRES: is_tagged().
  uint64_t& tag() { return reinterpret_cast<uint64_t*>(this)[-1]; }
  uint64_t tag() const { return reinterpret_cast<const uint64_t*>(this)[-1]; }
  // Where the entry's allocation starts.
  void* allocation() { return reinterpret_cast<char*>(this) - prefix_bytes(); }
  const void* allocation() const { return reinterpret_cast<const char*>(this) - prefix_bytes(); }
  size_t prefix_bytes() const { return tagged ? sizeof(uint64_t) : 0; }
  // REQUIRES: is_offloaded().
  uint64_t offload_handle() const {
    uint64_t handle;
    std::memcpy(&handle, value_data(), sizeof(handle));
    return handle;
  }

  // Redis keeps the integers 0..9999 as shared objects: OBJECT REFCOUNT and
  // DEBUG OBJECT report kSharedRefcount for them.
  bool is_shared_integer() const;

  // Bytes the value may grow to without reallocating.
  size_t value_capacity() const;
  // Bytes of memory the entry uses (for MEMORY USAGE and INFO).
  size_t allocated_bytes() const;
};

static_assert(sizeof(Entry) == 32, "Entry header layout is part of the memory budget");

// The encoding Redis would give a freshly stored string value: "int" for a
// canonical 64-bit integer of at most 20 characters, "embstr" up to 44 bytes,
// else "raw" (object.c: tryObjectEncoding, OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
Encoding encoding_for_new_string(std::string_view value);

// True if `s` is the canonical decimal form of an int64 (no sign on zero, no
// leading zeros or spaces), as Redis's string2ll accepts it.
bool parse_canonical_int64(std::string_view s, int64_t* out);

}  // namespace amber
