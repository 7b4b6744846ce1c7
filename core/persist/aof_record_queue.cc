// Look-ahead parsing with key prefetch for the AOF loader; see
// aof_record_queue.h for why.
#include "core/persist/aof_record_queue.h"

#include "core/engine.h"
#include "core/session.h"

namespace amber {

const AofRecordQueue::Record* AofRecordQueue::next() {
  if (handed_out_) {
    head_ = (head_ + 1) % kLookahead;
    --count_;
    handed_out_ = false;
  }
  fill();
  if (count_ == 0) return nullptr;
  handed_out_ = true;
  return &ring_[head_];
}

void AofRecordQueue::fill() {
  while (!stopped_ && count_ < kLookahead && parse_pos_ < data_.size()) {
    Record& r = ring_[(head_ + count_) % kLookahead];
    r.offset = parse_pos_;
    r.consumed = 0;
    r.kind = parse_aof_record(data_.substr(parse_pos_), &r.argv, &r.consumed, &r.error);
    ++count_;
    if (r.kind == AofParse::kTruncated || r.kind == AofParse::kBad) {
      stopped_ = true;
      return;
    }
    parse_pos_ += r.consumed;
    if (r.kind == AofParse::kCommand && r.argv.size() >= 2) {
      Db& db = engine_.db(session_.db);
      db.prefetch(db.key_hash(r.argv[1]));
    }
  }
}

}  // namespace amber
