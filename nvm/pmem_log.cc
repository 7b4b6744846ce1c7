// PmemLog: the NVM write-ahead log (layout in docs/NVM_FORMAT.md).
//
// Fault model: the region may lose any store that was not flushed and
// drained, per cache line or per 8-byte word; aligned 8-byte stores are
// atomic. The log therefore never trusts a byte past the durable tail, and
// the tail is only stored after the records before it were drained. Each
// record also carries a checksum seeded with its logical offset and the log's
// generation, checked when the log is opened and again when a record is read:
// a record left over from an earlier lap or an earlier log never passes.
// Records never wrap around the end of the data area: a record that does not
// fit before the end is preceded by a pad record (or, with < 16 bytes left,
// by an implicit skip) and starts at the next lap.
#include "nvm/pmem_log.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "core/assert.h"
#ifdef AMBER_PLANTED_BUGS
#include "core/planted_bugs.h"
#endif

namespace amber::nvm {

namespace {

constexpr uint64_t kMagic = 0x474f4c564e424d41;  // "AMBNVLOG" little-endian
constexpr uint32_t kVersion = 1;
constexpr uint32_t kKindRecord = 1;
constexpr uint32_t kKindPad = 2;
constexpr size_t kHeaderChecksumOffset = 40;
// append() maps the data area in ahead of itself by this much at a time.
constexpr uint64_t kPrefaultChunkBytes = 256 * 1024;
// LSNs count every byte ever appended and never wrap. 2^62 bytes is over
// ten thousand years of appends at 10 GB/s, so a tail past it is damage,
// and append() stops there too, so that what it writes still opens (found
// by the fuzzer: a head and tail of 2^64 - 16 opened, and the next record
// wrapped the tail to 8; then a tail of 2^62 took a record past it).
constexpr uint64_t kMaxLsn = uint64_t{1} << 62;

uint64_t align8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

uint64_t header_checksum(const char* base) { return XXH3_64bits(base, kHeaderChecksumOffset); }

// Every replayed record is checked: the message is only built on failure.
Status bad_record(uint64_t lsn, const std::string& what) {
  return Status::corruption("nvm log: record at lsn " + std::to_string(lsn) + ": " + what);
}

}  // namespace

uint64_t PmemLog::checksum(uint64_t lsn, uint64_t first_word, const char* payload,
                           size_t len) const {
  uint64_t seed = lsn ^ (generation_ * 0x9e3779b97f4a7c15ULL);
  return XXH3_64bits_withSeed(payload, len, seed) ^ XXH3_64bits_withSeed(&first_word, 8, ~seed);
}

Status PmemLog::format(Region* region, uint64_t generation, std::unique_ptr<PmemLog>* log) {
  if (region->size_bytes() < 4096) {
    return Status::invalid_argument("nvm log region of " + std::to_string(region->size_bytes()) +
                                    " bytes is smaller than 4096");
  }
  char* base = region->base();
  uint64_t capacity = capacity_for_region(region->size_bytes());
  // Unpublish any earlier log first, then write the new header and publish
  // it with the magic, so a crash in between leaves no log, never a mix.
  region->store_u64(0, 0);
  region->persist(base, 8);
  char header[kHeaderChecksumOffset + 8] = {};
  std::memcpy(header + 0, &kMagic, 8);
  std::memcpy(header + 8, &kVersion, 4);
  std::memcpy(header + 16, &generation, 8);
  uint64_t data_offset = kDataOffset;
  std::memcpy(header + 24, &data_offset, 8);
  std::memcpy(header + 32, &capacity, 8);
  uint64_t sum = header_checksum(header);
  std::memcpy(header + kHeaderChecksumOffset, &sum, 8);
  std::memcpy(base + 8, header + 8, sizeof header - 8);
  region->store_u64(kHeadOffset, 0);
  region->store_u64(kTailOffset, 0);
  region->persist(base, kDataOffset);
  region->store_u64(0, kMagic);
  region->persist(base, 8);
  log->reset(new PmemLog(region, generation, capacity, 0, 0));
  return Status();
}

Status PmemLog::copy_to(Region* target, std::unique_ptr<PmemLog>* copy) const {
  if (target->size_bytes() < region_->size_bytes()) {
    return Status::invalid_argument("nvm log copy: the target region is smaller");
  }
  std::unique_ptr<PmemLog> out;
  AMBER_RETURN_IF_ERROR(format(target, generation_, &out));
  // From offset 0 the records take at most the bytes they took here, and
  // the capacity is no smaller: none wraps, so every append fits.
  for (uint64_t lsn = head_; lsn < tail_;) {
    std::string_view payload;
    read(lsn, &payload, &lsn);
    bool appended = out->append(payload);
    AMBER_ASSERT(appended);
  }
  out->persist();
  *copy = std::move(out);
  return Status();
}

Status PmemLog::open(Region* region, std::unique_ptr<PmemLog>* log) {
  if (region->size_bytes() < 4096) return Status::corruption("nvm log region too small");
  char* base = region->base();
  if (region->load_u64(0) != kMagic) return Status::not_found("nvm log region is not formatted");
  uint32_t version;
  std::memcpy(&version, base + 8, 4);
  if (header_checksum(base) != region->load_u64(kHeaderChecksumOffset)) {
    return Status::corruption("nvm log header checksum mismatch");
  }
  if (version != kVersion) {
    return Status::not_supported("nvm log version " + std::to_string(version));
  }
  uint64_t generation = region->load_u64(16);
  uint64_t capacity = region->load_u64(32);
  if (region->load_u64(24) != kDataOffset || capacity % 8 != 0 || capacity < 1024 ||
      capacity > region->size_bytes() - kDataOffset) {
    return Status::corruption("nvm log header: bad data area");
  }
  uint64_t head = region->load_u64(kHeadOffset);
  uint64_t tail = region->load_u64(kTailOffset);
  if (head % 8 != 0 || tail % 8 != 0 || head > tail || tail - head > capacity || tail > kMaxLsn) {
    return Status::corruption("nvm log: bad head " + std::to_string(head) + " / tail " +
                              std::to_string(tail));
  }
  std::unique_ptr<PmemLog> recovered(new PmemLog(region, generation, capacity, head, tail));
  // append() publishes the tail only after the record that follows a pad or
  // skip, so a durable log never ends in one; an image that does is damaged
  // (and read() could not hand out a record there).
  bool last_is_record = true;
  for (uint64_t lsn = head; lsn < tail;) {
    AMBER_RETURN_IF_ERROR(recovered->validate_record(lsn, &lsn, &last_is_record));
  }
  if (!last_is_record) {
    return Status::corruption("nvm log: ends in a pad or skip at tail " + std::to_string(tail));
  }
  *log = std::move(recovered);
  return Status();
}

// Checks the record (or pad, or implicit skip) at `lsn` against the end of
// the appended records (at open(), the durable tail); sets *next_lsn past it.
Status PmemLog::frame(uint64_t lsn, uint64_t* next_lsn, bool* is_record) const {
  uint64_t room = capacity_ - lsn % capacity_;
  if (is_record != nullptr) *is_record = false;
  if (room < kRecordHeaderBytes) {
    *next_lsn = lsn + room;
    return lsn + room <= appended_ ? Status() : Status::corruption("nvm log: skip past the tail");
  }
  uint64_t first_word;
  std::memcpy(&first_word, at(lsn), 8);
  uint32_t len = static_cast<uint32_t>(first_word);
  uint32_t kind = static_cast<uint32_t>(first_word >> 32);
  if (kind != kKindRecord && kind != kKindPad) return bad_record(lsn, "bad kind");
  uint64_t total = kind == kKindPad ? room : align8(kRecordHeaderBytes + len);
  if (total > room || lsn + total > appended_ || (kind == kKindPad && len != room - 16)) {
    return bad_record(lsn, "length " + std::to_string(len) + " past the tail");
  }
  *next_lsn = lsn + total;
  if (is_record != nullptr) *is_record = kind == kKindRecord;
  return Status();
}

Status PmemLog::validate_record(uint64_t lsn, uint64_t* next_lsn, bool* is_record) const {
  AMBER_RETURN_IF_ERROR(frame(lsn, next_lsn, is_record));
  if (capacity_ - lsn % capacity_ < kRecordHeaderBytes) return Status();  // an implicit skip
  const char* p = at(lsn);
  uint64_t first_word;
  uint64_t stored;
  std::memcpy(&first_word, p, 8);
  std::memcpy(&stored, p + 8, 8);
  const bool pad = static_cast<uint32_t>(first_word >> 32) == kKindPad;
  const uint64_t payload_len = pad ? 0 : static_cast<uint32_t>(first_word);
  if (stored != checksum(lsn, first_word, p + kRecordHeaderBytes, payload_len)) {
    return bad_record(lsn, "checksum mismatch");
  }
  return Status();
}

uint64_t PmemLog::placement(uint64_t lsn, uint64_t total) const {
  uint64_t room = capacity_ - lsn % capacity_;
  return total <= room ? lsn : lsn + room;
}

bool PmemLog::append(std::string_view payload) {
  AMBER_ASSERT(payload.size() <= max_payload_bytes());
  uint64_t total = align8(kRecordHeaderBytes + payload.size());
  uint64_t start = placement(appended_, total);
  if (start + total - head_ > capacity_ || start + total > kMaxLsn) return false;
  if (start != appended_) {
    uint64_t room = start - appended_;
    if (room >= kRecordHeaderBytes) {
      uint64_t first_word = (uint64_t{kKindPad} << 32) | (room - kRecordHeaderBytes);
      uint64_t sum = checksum(appended_, first_word, nullptr, 0);
      std::memcpy(at(appended_), &first_word, 8);
      std::memcpy(at(appended_) + 8, &sum, 8);
    }
  }
  char* p = at(start);
  uint64_t first_word = (uint64_t{kKindRecord} << 32) | payload.size();
  uint64_t sum = checksum(start, first_word, payload.data(), payload.size());
  std::memcpy(p, &first_word, 8);
  std::memcpy(p + 8, &sum, 8);
  if (!payload.empty()) std::memcpy(p + kRecordHeaderBytes, payload.data(), payload.size());
  appended_ = start + total;
  prefault_ahead();
  return true;
}

void PmemLog::prefault_ahead() {
  // Once a whole lap ahead of where this process started, every page of
  // the data area has been written (and mapped in) at least once.
  if (prefaulted_ >= prefault_end_ || appended_ + kPrefaultChunkBytes <= prefaulted_) return;
  const uint64_t from = std::max(prefaulted_, appended_);
  const uint64_t to = std::min(from + 2 * kPrefaultChunkBytes, prefault_end_);
  for (uint64_t lsn = from; lsn < to;) {
    const uint64_t n = std::min(capacity_ - lsn % capacity_, to - lsn);
    region_->prefault(at(lsn), n);
    lsn += n;
  }
  prefaulted_ = to;
}

// Flushes the lines of the logical range [from, to), in at most two pieces
// (the range may cross the end of the data area).
void PmemLog::flush_range(uint64_t from, uint64_t to) {
  while (from < to) {
    uint64_t room = capacity_ - from % capacity_;
    uint64_t n = std::min(room, to - from);
    region_->flush(at(from), n);
    from += n;
  }
}

void PmemLog::persist() {
  if (appended_ == tail_) return;
  bool skip_records = false;
#ifdef AMBER_PLANTED_BUGS
  skip_records = bugs_ != nullptr && bugs_->skip_nvm_persist;
#else
  (void)bugs_;
#endif
  if (!skip_records) {
    flush_range(tail_, appended_);
    region_->drain();
  }
  tail_ = appended_;
  region_->store_u64(kTailOffset, tail_);
  region_->persist(region_->base() + kTailOffset, 8);
}

void PmemLog::advance_head(uint64_t lsn) {
  AMBER_ASSERT(lsn >= head_ && lsn <= tail_ && lsn % 8 == 0);
  if (lsn == head_) return;
  head_ = lsn;
  region_->store_u64(kHeadOffset, head_);
  region_->persist(region_->base() + kHeadOffset, 8);
}

void PmemLog::read(uint64_t lsn, std::string_view* payload, uint64_t* next_lsn) const {
  AMBER_ASSERT(lsn >= head_ && lsn < appended_);
  for (;;) {
    uint64_t next = 0;
    // Framing only: open() verified the checksum of every record it found,
    // and append() wrote the rest (the replay reads each record up to twice,
    // so a checksum here would cost more than the fold's store writes).
    Status status = frame(lsn, &next);
    AMBER_ASSERT(status.ok());
    uint64_t room = capacity_ - lsn % capacity_;
    uint64_t first_word =
        room >= kRecordHeaderBytes ? region_->load_u64(at(lsn) - region_->base()) : 0;
    if (room >= kRecordHeaderBytes && (first_word >> 32) == kKindRecord) {
      *payload = std::string_view(at(lsn) + kRecordHeaderBytes, static_cast<uint32_t>(first_word));
      *next_lsn = next;
      return;
    }
    lsn = next;  // a pad or skip: the record starts at the next lap
    AMBER_ASSERT(lsn < appended_);
  }
}

}  // namespace amber::nvm
