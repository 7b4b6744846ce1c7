// The record the server logs for one or more executed write units (a
// command, or a MULTI/EXEC transaction), and the Replayer folds into the
// PmemStore. A record holds *physical* operations: for each unit, its
// structural ops first (flush_db, flush_all, swap_db, in order), then the
// final state of every key it touched (upsert with the value's RDB
// encoding, or remove). So folding needs no command evaluation, and
// applying a record twice gives the same state as applying it once. Units
// sharing a record (nvm/nvm_persistence.h) may write a key more than once.
//
// Encoding (all integers little-endian; docs/NVM_FORMAT.md):
//   u64 seq | u32 op_count | op*
//   op = u8 kind, then
//     upsert (1):    u8 db, i64 expire_ms, u32 key_len, u32 value_len, key, value
//     remove (2):    u8 db, u32 key_len, key
//     flush_db (3):  u8 db
//     flush_all (4): nothing
//     swap_db (5):   u8 a, u8 b
//     link (6):      u8 db, u32 key_len, key, u64 item_offset
// db indexes are < 16 (PmemStore::kMaxDatabases).
//
// A link is an upsert whose value is too large to log: the value was
// written into the store first, as an item no index slot reaches yet
// (PmemStore::write_unlinked), and the record names that item instead of
// carrying it. Folding the record publishes the item (PmemStore::link).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace amber::nvm {

enum class LogOpKind : uint8_t {
  kUpsert = 1,
  kRemove = 2,
  kFlushDb = 3,
  kFlushAll = 4,
  kSwapDb = 5,
  kLink = 6
};

// Encoded sizes, for bounds: the record prefix (seq, op_count), an upsert's
// and a remove's fixed bytes, and the largest structural op.
inline constexpr size_t kRecordPrefixBytes = 12;
inline constexpr size_t kUpsertOverheadBytes = 1 + 1 + 8 + 4 + 4;
inline constexpr size_t kRemoveOverheadBytes = 1 + 1 + 4;
inline constexpr size_t kLinkOverheadBytes = 1 + 1 + 4 + 8;
inline constexpr size_t kStructuralOpBytes = 3;
// A record holding one upsert (a lone SET).
inline constexpr size_t single_upsert_record_bytes(size_t key_bytes, size_t value_bytes) {
  return kRecordPrefixBytes + kUpsertOverheadBytes + key_bytes + value_bytes;
}

// One decoded op; views point into the record's bytes.
struct LogOp {
  LogOpKind kind = LogOpKind::kFlushAll;
  uint32_t db = 0;        // upsert, remove, flush_db; swap_db: a
  uint32_t other_db = 0;  // swap_db: b
  std::string_view key;
  std::string_view value;
  int64_t expire_ms = -1;
  uint64_t item_offset = 0;  // link: the store item that holds the value
};

// Builds one record's bytes.
class LogRecordBuilder {
 public:
  // Starts a new record (discarding the previous one).
  void begin(uint64_t seq);
  void upsert(uint32_t db, std::string_view key, std::string_view value, int64_t expire_ms);
  void remove(uint32_t db, std::string_view key);
  void link(uint32_t db, std::string_view key, uint64_t item_offset);
  void flush_db(uint32_t db);
  void flush_all();
  void swap_db(uint32_t a, uint32_t b);
  size_t op_count() const { return op_count_; }
  // The encoded record; valid until the next call.
  std::string_view bytes();

 private:
  void put_op(LogOpKind kind);
  std::string buffer_;
  uint32_t op_count_ = 0;
};

// An op that sets one key's state (upsert, remove, link), as opposed to a
// FLUSHDB, FLUSHALL or SWAPDB.
inline bool is_key_op(const LogOp& op) {
  return op.kind == LogOpKind::kUpsert || op.kind == LogOpKind::kRemove ||
         op.kind == LogOpKind::kLink;
}

// Whether `ops` hold a link.
bool has_link(const std::vector<LogOp>& ops);

// Decodes a record; Corruption (naming the op) if the bytes do not follow
// the encoding. Never reads outside `bytes`.
Status decode_log_record(std::string_view bytes, uint64_t* seq, std::vector<LogOp>* ops);

}  // namespace amber::nvm
