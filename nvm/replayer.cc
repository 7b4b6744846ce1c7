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

Status Replayer::step(size_t max_records, size_t* applied_records) {
  uint64_t lsn = log_->head_lsn();
  size_t consumed = 0;
  Status status;
  while (consumed < max_records && lsn < log_->tail_lsn()) {
    std::string_view payload;
    uint64_t next;
    log_->read(lsn, &payload, &next);
    uint64_t seq;
    status = decode_log_record(payload, &seq, &ops_);
    if (status.ok() && seq > store_->applied_seq()) status = apply(seq, ops_);
    if (!status.ok()) break;
    lsn = next;
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
