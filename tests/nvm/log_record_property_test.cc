// Properties of the log record encoding: any sequence of ops decodes back to
// itself, and a record cut anywhere short is Corruption, never a shorter
// valid record.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "nvm/log_record.h"

namespace amber::nvm {
namespace {

struct OwnedOp {
  uint8_t kind;
  uint32_t db;
  uint32_t other_db;
  std::string key;
  std::string value;
  int64_t expire_ms;
  uint64_t item_offset;
};

std::vector<OwnedOp> arbitrary_ops() {
  auto count = *rc::gen::inRange<size_t>(0, 12);
  std::vector<OwnedOp> ops;
  for (size_t i = 0; i < count; ++i) {
    OwnedOp op;
    op.kind = *rc::gen::inRange<uint8_t>(1, 7);
    op.db = *rc::gen::inRange<uint32_t>(0, 16);
    op.other_db = *rc::gen::inRange<uint32_t>(0, 16);
    op.key = *rc::gen::arbitrary<std::string>();
    op.value = *rc::gen::arbitrary<std::string>();
    op.expire_ms = *rc::gen::arbitrary<int64_t>();
    op.item_offset = *rc::gen::arbitrary<uint64_t>();
    ops.push_back(op);
  }
  return ops;
}

std::string encode(uint64_t seq, const std::vector<OwnedOp>& ops) {
  LogRecordBuilder builder;
  builder.begin(seq);
  for (const OwnedOp& op : ops) {
    switch (static_cast<LogOpKind>(op.kind)) {
      case LogOpKind::kUpsert:
        builder.upsert(op.db, op.key, op.value, op.expire_ms);
        break;
      case LogOpKind::kRemove:
        builder.remove(op.db, op.key);
        break;
      case LogOpKind::kFlushDb:
        builder.flush_db(op.db);
        break;
      case LogOpKind::kFlushAll:
        builder.flush_all();
        break;
      case LogOpKind::kSwapDb:
        builder.swap_db(op.db, op.other_db);
        break;
      case LogOpKind::kLink:
        builder.link(op.db, op.key, op.item_offset);
        break;
    }
  }
  return std::string(builder.bytes());
}

RC_GTEST_PROP(LogRecordProperty, EveryRecordDecodesToItsOps, (uint64_t seq)) {
  std::vector<OwnedOp> ops = arbitrary_ops();
  std::string bytes = encode(seq, ops);
  uint64_t got_seq;
  std::vector<LogOp> got;
  RC_ASSERT(decode_log_record(bytes, &got_seq, &got).ok());
  RC_ASSERT(got_seq == seq);
  RC_ASSERT(got.size() == ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    auto kind = static_cast<LogOpKind>(ops[i].kind);
    RC_ASSERT(got[i].kind == kind);
    if (kind == LogOpKind::kUpsert || kind == LogOpKind::kRemove || kind == LogOpKind::kLink) {
      RC_ASSERT(got[i].db == ops[i].db);
      RC_ASSERT(got[i].key == ops[i].key);
    }
    if (kind == LogOpKind::kUpsert) {
      RC_ASSERT(got[i].value == ops[i].value);
      RC_ASSERT(got[i].expire_ms == ops[i].expire_ms);
    }
    if (kind == LogOpKind::kSwapDb) RC_ASSERT(got[i].other_db == ops[i].other_db);
    if (kind == LogOpKind::kLink) RC_ASSERT(got[i].item_offset == ops[i].item_offset);
  }
}

RC_GTEST_PROP(LogRecordProperty, ATruncatedRecordIsCorruption, (uint64_t seq)) {
  std::string bytes = encode(seq, arbitrary_ops());
  size_t cut = *rc::gen::inRange<size_t>(0, bytes.size());
  uint64_t got_seq;
  std::vector<LogOp> got;
  RC_ASSERT(decode_log_record(bytes.substr(0, cut), &got_seq, &got).is_corruption());
}

}  // namespace
}  // namespace amber::nvm
