// Replayer: log -> store folding (contract in replayer.h). One step plans
// the durable records not planned yet (a summary of each), reads records
// from the log head, applies each as a store unit without its superseded
// ops, makes the last unit durable with one drain (store->sync()) and only
// then publishes the new log head: the head never passes a record the
// store could lose.
#include "nvm/replayer.h"

#include <algorithm>
#include <bit>

#include "core/assert.h"

namespace amber::nvm {
namespace {

size_t key_op_count(const std::vector<LogOp>& ops) {
  return static_cast<size_t>(std::count_if(ops.begin(), ops.end(), is_key_op));
}

// About the most upserts and removes the log can hold at once (small
// records), so that the marks cover the whole unreplayed log.
size_t window_ops_for(const PmemLog& log) { return log.capacity_bytes() / 64; }

// Summaries for about as many records (24 bytes each, at most 12 MiB).
size_t summary_count_for(const PmemLog& log) {
  return std::clamp<size_t>(std::bit_ceil(log.capacity_bytes() / 128), 1024, size_t{1} << 19);
}

}  // namespace

Replayer::Replayer(PmemLog* log, PmemStore* store)
    : log_(log),
      store_(store),
      superseded_(window_ops_for(*log)),
      plan_lsn_(log->head_lsn()),
      summaries_(summary_count_for(*log)) {}

void Replayer::plan_ahead(uint64_t end) {
  size_t planned_ops = 0;
  while (plan_lsn_ < end && planned_ops < kPlanOpsPerCall &&
         records_planned_ - records_applied_ < summaries_.size()) {
    std::string_view payload;
    uint64_t next_lsn;
    log_->read(plan_lsn_, &payload, &next_lsn);
    uint64_t seq = 0;
    // A record that does not decode plans no ops; applying it fails.
    const bool decoded = decode_log_record(payload, &seq, &plan_ops_).ok();
    if (!decoded) plan_ops_.clear();
    const size_t key_ops = key_op_count(plan_ops_);
    planned_ops += std::max<size_t>(1, plan_ops_.size());
    summary_of(records_planned_++) = {next_lsn,
                                      seq,
                                      static_cast<uint32_t>(key_ops),
                                      key_ops < plan_ops_.size(),
                                      has_link(plan_ops_),
                                      decoded};
    plan_lsn_ = next_lsn;
  }
}

Status Replayer::apply(const Decoded& record) {
  if (record.unread) {
    superseded_ops_ += record.key_ops;
    store_->skip_unit(record.seq);
    return Status();
  }
  store_->begin_unit(record.seq);
  uint64_t ordinal = record.first_ordinal;
  // A record of many units: the items of the ops kItemDistance ahead (their
  // slots were prefetched when it was decoded).
  const std::vector<LogOp>& ops = record.ops;
  size_t ahead = kItemDistance;
  uint64_t ahead_ordinal = ordinal;
  if (ops.size() > kItemDistance) {
    ahead_ordinal +=
        static_cast<uint64_t>(std::count_if(ops.begin(), ops.begin() + kItemDistance, is_key_op));
  }
  for (const LogOp& op : ops) {
    if (ahead < ops.size()) {
      const LogOp& later = ops[ahead++];
      if (is_key_op(later) && !superseded_.superseded(ahead_ordinal++)) {
        store_->prefetch_item(later.db, later.key);
      }
    }
    // A superseded link is applied all the same: its item is allocated, and
    // only publishing it (for the later op to replace) gives its block back.
    if (is_key_op(op) && superseded_.superseded(ordinal++) && op.kind != LogOpKind::kLink) {
      ++superseded_ops_;
      continue;
    }
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
      case LogOpKind::kLink:
        status = store_->link(op.db, op.key, op.item_offset);
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

bool Replayer::all_superseded(const Summary& summary, uint64_t first_ordinal) const {
  if (!summary.decoded || summary.structural || summary.links) return false;
  for (uint64_t o = first_ordinal; o < first_ordinal + summary.key_ops; ++o) {
    if (!superseded_.superseded(o)) return false;
  }
  return true;
}

void Replayer::decode_ahead(uint64_t lsn, const Summary& summary, uint64_t ordinal, Decoded* out) {
  out->first_ordinal = ordinal;
  out->key_ops = summary.key_ops;
  if (all_superseded(summary, ordinal)) {
    // Nothing of it reaches the store: its seq and length are enough.
    out->next_lsn = summary.next_lsn;
    out->seq = summary.seq;
    out->status = Status();
    out->ops.clear();
    out->unread = true;
    return;
  }
  out->unread = false;
  std::string_view payload;
  log_->read(lsn, &payload, &out->next_lsn);
  out->status = decode_log_record(payload, &out->seq, &out->ops);
  if (!out->status.ok()) out->ops.clear();  // as plan_ahead() counted it
  AMBER_ASSERT(out->next_lsn == summary.next_lsn && out->ops.size() >= summary.key_ops);
  prefetch(*out, /*items=*/false);
}

void Replayer::prefetch(const Decoded& record, bool items) const {
  uint64_t ordinal = record.first_ordinal;
  for (const LogOp& op : record.ops) {
    if (!is_key_op(op) || superseded_.superseded(ordinal++)) continue;
    if (items) {
      store_->prefetch_item(op.db, op.key);
    } else {
      store_->prefetch_slot(op.db, op.key);
    }
  }
}

Status Replayer::pin_unlinked_items() {
  if (unlinked_items_pinned_) return Status();
  std::vector<LogOp> ops;
  Status status;
  log_->for_each_durable_record([&](std::string_view payload, uint64_t /*next_lsn*/) {
    uint64_t seq;
    // A record that does not decode is reported when it is applied.
    if (!status.ok() || !decode_log_record(payload, &seq, &ops).ok() ||
        seq <= store_->applied_seq()) {
      return;
    }
    for (const LogOp& op : ops) {
      if (op.kind != LogOpKind::kLink) continue;
      StoreItemView item;
      status = store_->pin_unlinked(op.key, op.item_offset, &item);
      if (!status.ok()) return;
    }
  });
  AMBER_RETURN_IF_ERROR(status);
  unlinked_items_pinned_ = true;
  return Status();
}

Status Replayer::step(size_t max_ops, size_t* applied_records) {
  if (applied_records != nullptr) *applied_records = 0;
  AMBER_RETURN_IF_ERROR(pin_unlinked_items());
  const uint64_t tail = log_->tail_lsn();
  // Only durable records are planned (see plan()).
  AMBER_ASSERT(plan_lsn_ <= tail);
  plan_ahead(tail);
  uint64_t lsn = log_->head_lsn();  // the next record to apply
  uint64_t read_lsn = lsn;          // the next record to decode
  uint64_t read_ordinal = superseded_.applied();
  uint64_t read_record = records_applied_;
  size_t first = 0;    // window_[first] is the record at lsn
  size_t decoded = 0;  // records in the window
  size_t consumed = 0;
  size_t consumed_ops = 0;  // of the consumed records, by budget_ops()
  size_t window_ops = 0;    // of the records in the window, likewise
  Status status;
  while (consumed_ops < max_ops) {
    while (decoded < kLookahead && window_ops < kLookaheadOps &&
           consumed_ops + window_ops < max_ops && read_lsn < tail) {
      if (read_lsn == plan_lsn_) plan_ahead(tail);
      if (read_lsn == plan_lsn_) break;  // the summaries are full: apply first
      Decoded& slot = window_[(first + decoded) % kLookahead];
      decode_ahead(read_lsn, summary_of(read_record++), read_ordinal, &slot);
      read_lsn = slot.next_lsn;
      read_ordinal += slot.key_ops;
      window_ops += budget_ops(slot);
      ++decoded;
    }
    if (decoded == 0) break;
    if (decoded > kItemDistance) prefetch(window_[(first + kItemDistance) % kLookahead], true);
    const Decoded& record = window_[first];
    // A record with a link starts a step of its own: every unit before it
    // durable first (PmemStore::link).
    if (consumed > 0 && summary_of(records_applied_).links) break;
    status = record.status;
    if (status.ok() && record.seq > store_->applied_seq()) status = apply(record);
    if (!status.ok()) break;
    superseded_.set_applied(record.first_ordinal + record.key_ops);
    ++records_applied_;
    lsn = record.next_lsn;
    first = (first + 1) % kLookahead;
    --decoded;
    ++consumed;
    consumed_ops += budget_ops(record);
    window_ops -= budget_ops(record);
    // ... and ends it: its unit durable and the head past it before a later
    // unit can free the item it published (PmemStore::link), which recovery
    // would otherwise read from a record still in the log.
    if (summary_of(records_applied_ - 1).links) break;
  }
  if (applied_records != nullptr) *applied_records = consumed;
  if (lsn != log_->head_lsn()) {
    store_->sync();
    log_->advance_head(lsn);
  }
  return status;
}

}  // namespace amber::nvm
