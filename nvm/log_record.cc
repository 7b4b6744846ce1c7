// Encoding and decoding of the NVM log record (format in log_record.h).
// Fixed-width little-endian fields: the decoder validates every length
// against the bytes left before it reads, so a damaged record is reported,
// never followed out of bounds.
#include "nvm/log_record.h"

#include <algorithm>
#include <cstring>

#include "core/assert.h"

namespace amber::nvm {

namespace {

constexpr uint32_t kMaxDb = 16;

template <typename T>
void put(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

// A cursor over the record's bytes that refuses to read past the end.
class Input {
 public:
  explicit Input(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T* value) {
    if (bytes_.size() < sizeof(T)) return false;
    std::memcpy(value, bytes_.data(), sizeof(T));
    bytes_.remove_prefix(sizeof(T));
    return true;
  }
  bool get_bytes(uint64_t n, std::string_view* out) {
    if (bytes_.size() < n) return false;
    *out = bytes_.substr(0, n);
    bytes_.remove_prefix(n);
    return true;
  }
  bool get_db(uint32_t* db) {
    uint8_t v;
    if (!get(&v) || v >= kMaxDb) return false;
    *db = v;
    return true;
  }
  bool empty() const { return bytes_.empty(); }

 private:
  std::string_view bytes_;
};

bool decode_op(Input* in, LogOp* op) {
  uint8_t kind;
  if (!in->get(&kind)) return false;
  op->kind = static_cast<LogOpKind>(kind);
  uint32_t key_len = 0;
  uint32_t value_len = 0;
  switch (op->kind) {
    case LogOpKind::kUpsert:
      return in->get_db(&op->db) && in->get(&op->expire_ms) && in->get(&key_len) &&
             in->get(&value_len) && in->get_bytes(key_len, &op->key) &&
             in->get_bytes(value_len, &op->value);
    case LogOpKind::kRemove:
      return in->get_db(&op->db) && in->get(&key_len) && in->get_bytes(key_len, &op->key);
    case LogOpKind::kFlushDb:
      return in->get_db(&op->db);
    case LogOpKind::kFlushAll:
      return true;
    case LogOpKind::kSwapDb:
      return in->get_db(&op->db) && in->get_db(&op->other_db);
    case LogOpKind::kLink:
      return in->get_db(&op->db) && in->get(&key_len) && in->get_bytes(key_len, &op->key) &&
             in->get(&op->item_offset);
  }
  return false;
}

}  // namespace

void LogRecordBuilder::begin(uint64_t seq) {
  buffer_.clear();
  put(&buffer_, seq);
  put(&buffer_, uint32_t{0});
  op_count_ = 0;
}

void LogRecordBuilder::put_op(LogOpKind kind) {
  AMBER_ASSERT(buffer_.size() >= 12);
  ++op_count_;
  std::memcpy(buffer_.data() + 8, &op_count_, 4);
  put(&buffer_, static_cast<uint8_t>(kind));
}

void LogRecordBuilder::upsert(uint32_t db, std::string_view key, std::string_view value,
                              int64_t expire_ms) {
  AMBER_ASSERT(db < kMaxDb && key.size() <= UINT32_MAX && value.size() <= UINT32_MAX);
  put_op(LogOpKind::kUpsert);
  // The fixed part in one append: every logged write passes here.
  char head[1 + 8 + 4 + 4];
  const uint8_t db_byte = static_cast<uint8_t>(db);
  const uint32_t key_len = static_cast<uint32_t>(key.size());
  const uint32_t value_len = static_cast<uint32_t>(value.size());
  std::memcpy(head, &db_byte, 1);
  std::memcpy(head + 1, &expire_ms, 8);
  std::memcpy(head + 9, &key_len, 4);
  std::memcpy(head + 13, &value_len, 4);
  buffer_.reserve(buffer_.size() + sizeof(head) + key.size() + value.size());
  buffer_.append(head, sizeof(head));
  buffer_.append(key);
  buffer_.append(value);
}

void LogRecordBuilder::remove(uint32_t db, std::string_view key) {
  AMBER_ASSERT(db < kMaxDb && key.size() <= UINT32_MAX);
  put_op(LogOpKind::kRemove);
  put(&buffer_, static_cast<uint8_t>(db));
  put(&buffer_, static_cast<uint32_t>(key.size()));
  buffer_.append(key);
}

void LogRecordBuilder::link(uint32_t db, std::string_view key, uint64_t item_offset) {
  AMBER_ASSERT(db < kMaxDb && key.size() <= UINT32_MAX);
  put_op(LogOpKind::kLink);
  put(&buffer_, static_cast<uint8_t>(db));
  put(&buffer_, static_cast<uint32_t>(key.size()));
  buffer_.append(key);
  put(&buffer_, item_offset);
}

void LogRecordBuilder::flush_db(uint32_t db) {
  AMBER_ASSERT(db < kMaxDb);
  put_op(LogOpKind::kFlushDb);
  put(&buffer_, static_cast<uint8_t>(db));
}

void LogRecordBuilder::flush_all() { put_op(LogOpKind::kFlushAll); }

void LogRecordBuilder::swap_db(uint32_t a, uint32_t b) {
  AMBER_ASSERT(a < kMaxDb && b < kMaxDb);
  put_op(LogOpKind::kSwapDb);
  put(&buffer_, static_cast<uint8_t>(a));
  put(&buffer_, static_cast<uint8_t>(b));
}

std::string_view LogRecordBuilder::bytes() { return buffer_; }

bool has_link(const std::vector<LogOp>& ops) {
  return std::any_of(ops.begin(), ops.end(),
                     [](const LogOp& op) { return op.kind == LogOpKind::kLink; });
}

Status decode_log_record(std::string_view bytes, uint64_t* seq, std::vector<LogOp>* ops) {
  Input in(bytes);
  uint32_t count;
  if (!in.get(seq) || !in.get(&count)) return Status::corruption("nvm log record: short header");
  ops->clear();
  // Each op takes at least one byte: a count beyond the bytes is a lie.
  if (count > bytes.size()) return Status::corruption("nvm log record: bad op count");
  for (uint32_t i = 0; i < count; ++i) {
    LogOp op;
    if (!decode_op(&in, &op)) {
      return Status::corruption("nvm log record " + std::to_string(*seq) + ": bad op " +
                                std::to_string(i));
    }
    ops->push_back(op);
  }
  if (!in.empty()) return Status::corruption("nvm log record: trailing bytes");
  return Status();
}

}  // namespace amber::nvm
