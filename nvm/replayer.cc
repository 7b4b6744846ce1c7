// Replayer: log -> store folding (contract in replayer.h). One step reads
// records from the log head, applies each as a store unit, makes the last
// unit durable with one drain (store->sync()) and only then publishes the
// new log head: the head never passes a record the store could lose.
#include "nvm/replayer.h"

namespace amber::nvm {

Status Replayer::apply(uint64_t seq, const std::vector<LogOp>& ops) {
  store_->begin_unit(seq);
  for (const LogOp& op : ops) {
    Status status;
    switch (op.kind) {
      case LogOpKind::kUpsert:
        status = store_->upsert(op.db, op.key, op.value, op.expire_ms);
        break;
      case LogOpKind::kRemove:
        status = store_->remove(op.db, op.key);
        break;
      case LogOpKind::kFlushDb:
        store_->flush_db(op.db);
        break;
      case LogOpKind::kFlushAll:
        store_->flush_all();
        break;
      case LogOpKind::kSwapDb:
        store_->swap_db(op.db, op.other_db);
        break;
    }
    if (!status.ok()) {
      store_->abandon_unit();
      return status;
    }
  }
  store_->end_unit();
  return Status();
}

void Replayer::decode_ahead(uint64_t lsn, Decoded* out) {
  std::string_view payload;
  log_->read(lsn, &payload, &out->next_lsn);
  out->status = decode_log_record(payload, &out->seq, &out->ops);
  prefetch(*out, /*items=*/false);
}

void Replayer::prefetch(const Decoded& record, bool items) const {
  if (!record.status.ok()) return;
  for (const LogOp& op : record.ops) {
    if (op.kind != LogOpKind::kUpsert && op.kind != LogOpKind::kRemove) continue;
    if (items) {
      store_->prefetch_item(op.db, op.key);
    } else {
      store_->prefetch_slot(op.db, op.key);
    }
  }
}

Status Replayer::step(size_t max_records, size_t* applied_records) {
  const uint64_t tail = log_->tail_lsn();
  uint64_t lsn = log_->head_lsn();  // the next record to apply
  uint64_t read_lsn = lsn;          // the next record to decode
  size_t first = 0;                 // window_[first] is the record at lsn
  size_t decoded = 0;               // records in the window
  size_t consumed = 0;
  Status status;
  while (consumed < max_records) {
    while (decoded < kLookahead && consumed + decoded < max_records && read_lsn < tail) {
      Decoded& slot = window_[(first + decoded) % kLookahead];
      decode_ahead(read_lsn, &slot);
      read_lsn = slot.next_lsn;
      ++decoded;
    }
    if (decoded == 0) break;
    if (decoded > kItemDistance) prefetch(window_[(first + kItemDistance) % kLookahead], true);
    const Decoded& record = window_[first];
    status = record.status;
    if (status.ok() && record.seq > store_->applied_seq()) status = apply(record.seq, record.ops);
    if (!status.ok()) break;
    lsn = record.next_lsn;
    first = (first + 1) % kLookahead;
    --decoded;
    ++consumed;
  }
  if (applied_records != nullptr) *applied_records = consumed;
  if (lsn != log_->head_lsn()) {
    store_->sync();
    log_->advance_head(lsn);
  }
  return status;
}

}  // namespace amber::nvm
