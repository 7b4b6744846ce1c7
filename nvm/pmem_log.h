// PmemLog: an append-only, circular record log on a Region — the write-ahead
// log of NVM mode. The server appends one record per executed write unit and
// calls persist() once per event-loop batch (group commit); a reply may leave
// once persist() returned. The Replayer reads records from the head, folds
// them into the PmemStore and then frees them with advance_head().
//
//   head                      tail               appended
//    |  durable, replayable    |  written, not yet |
//    v   records               v  persisted        v
//   [....rec....rec....rec.....|....rec....rec.....|      free      ]
//
// head and tail are logical byte offsets (monotonic; the physical position is
// offset % capacity), each published with one aligned 8-byte store.
// Persist order in persist(): the records' lines are flushed and drained
// first, then the tail is stored and persisted; advance_head() stores and
// persists the head. So after any crash [head, tail) holds exactly the
// records whose persist() returned (plus possibly a later batch whose tail
// store reached the media) and never a torn one. Byte layout:
// docs/NVM_FORMAT.md.
//
// Bounded: a full log makes append() return false; the caller runs replay
// steps first (back-pressure) — a record is never dropped.
// Threads: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "core/status.h"
#include "nvm/region.h"

namespace amber {
struct PlantedBugs;
}

namespace amber::nvm {

class PmemLog {
 public:
  // Offsets of the header fields (docs/NVM_FORMAT.md).
  static constexpr size_t kHeadOffset = 64;
  static constexpr size_t kTailOffset = 128;
  static constexpr size_t kDataOffset = 192;
  static constexpr size_t kRecordHeaderBytes = 16;

  // Writes an empty log over the whole region and persists it.
  // InvalidArgument if the region is smaller than 4096 bytes.
  static Status format(Region* region, uint64_t generation, std::unique_ptr<PmemLog>* log);
  // Recovers the log from the region: validates the header and every record
  // in [head, tail). NotFound if the region holds no formatted log (a crash
  // during format() leaves none); Corruption if the bytes are not a log
  // amber wrote. Reads only inside the region, whatever its bytes.
  static Status open(Region* region, std::unique_ptr<PmemLog>* log);

  // The record bytes format() gives a region of `region_bytes` (>= 4096).
  static uint64_t capacity_for_region(size_t region_bytes) {
    return (region_bytes - kDataOffset) & ~uint64_t{7};
  }
  // A record may take half the capacity: it then always fits once the log
  // is empty, wherever the tail stands.
  static size_t max_payload_for_capacity(uint64_t capacity) {
    return capacity / 2 - kRecordHeaderBytes;
  }

  PmemLog(const PmemLog&) = delete;
  PmemLog& operator=(const PmemLog&) = delete;

  // Test builds: switches that plant durability bugs (core/planted_bugs.h).
  void set_planted_bugs(const PlantedBugs* bugs) { bugs_ = bugs; }

  // Formats `target` (a region at least as large) as this log's copy: the
  // same generation and the durable records [head, tail), now starting at
  // offset 0, persisted. How the log grows (nvm/region_file.h): nothing
  // outside the log refers to its offsets, the store counts records by
  // their sequence numbers.
  Status copy_to(Region* target, std::unique_ptr<PmemLog>* copy) const;

  // Largest payload append() takes.
  size_t max_payload_bytes() const { return max_payload_for_capacity(capacity_); }
  // Writes a record after the last appended one; it becomes durable (and
  // replayable) with the next persist(). False, and nothing written, when the
  // log has no room: free space with replay + advance_head() and retry (or,
  // never in practice, when the record would pass LSN 2^62: see open()).
  // REQUIRES: payload.size() <= max_payload_bytes().
  bool append(std::string_view payload);
  // Makes every appended record durable: one drain for the batch, then the
  // tail. Afterwards tail_lsn() == appended_lsn(). Check region health()
  // before acknowledging (msync can fail).
  void persist();
  // Frees the records before `lsn`. REQUIRES: lsn is head_lsn(), tail_lsn()
  // or a next_lsn that read() returned. Durable when it returns.
  void advance_head(uint64_t lsn);

  // Reads the record at `lsn` (head_lsn() <= lsn < appended_lsn(), on a
  // record boundary; durable only below tail_lsn()): *payload points into
  // the region and stays valid until the record is freed; *next_lsn is
  // where the next record starts.
  void read(uint64_t lsn, std::string_view* payload, uint64_t* next_lsn) const;
  // Calls visit(payload, next_lsn) for each durable record, head to tail.
  template <typename Visit>
  void for_each_durable_record(Visit visit) const {
    for (uint64_t lsn = head_; lsn < tail_;) {
      std::string_view payload;
      read(lsn, &payload, &lsn);
      visit(payload, lsn);
    }
  }

  uint64_t head_lsn() const { return head_; }
  uint64_t tail_lsn() const { return tail_; }
  uint64_t appended_lsn() const { return appended_; }
  uint64_t capacity_bytes() const { return capacity_; }
  // Bytes between head and the last appended record, padding included.
  uint64_t used_bytes() const { return appended_ - head_; }
  uint64_t generation() const { return generation_; }
  Region* region() const { return region_; }

 private:
  PmemLog(Region* region, uint64_t generation, uint64_t capacity, uint64_t head, uint64_t tail)
      : region_(region),
        generation_(generation),
        capacity_(capacity),
        head_(head),
        tail_(tail),
        appended_(tail),
        prefaulted_(tail),
        prefault_end_(tail + capacity) {}
  char* at(uint64_t lsn) const { return region_->base() + kDataOffset + lsn % capacity_; }
  uint64_t checksum(uint64_t lsn, uint64_t first_word, const char* payload, size_t len) const;
  // Where a record of `total` bytes at `lsn` would start (after a skip to
  // the next lap when it does not fit before the end).
  uint64_t placement(uint64_t lsn, uint64_t total) const;
  void flush_range(uint64_t from, uint64_t to);
  // Keeps the pages a little ahead of appended_ mapped in (Region::prefault),
  // for the first lap of this process over the data area.
  void prefault_ahead();
  // Checks the framing of the record at `lsn` (kind, length within the
  // appended bytes) and sets where the next one starts. `*is_record` (if
  // not null): false for a pad or an implicit skip.
  Status frame(uint64_t lsn, uint64_t* next_lsn, bool* is_record = nullptr) const;
  // frame() and the checksum: what open() accepts.
  Status validate_record(uint64_t lsn, uint64_t* next_lsn, bool* is_record = nullptr) const;

  Region* region_;
  uint64_t generation_;
  uint64_t capacity_;
  uint64_t head_;
  uint64_t tail_;
  uint64_t appended_;
  uint64_t prefaulted_;    // lsn up to which the data area was prefaulted
  uint64_t prefault_end_;  // a lap past the tail found at open: all pages touched
  const PlantedBugs* bugs_ = nullptr;
};

}  // namespace amber::nvm
