// Snapshot: a fork-less, point-in-time RDB snapshot of the engine's
// databases, taken in bounded steps while the engine keeps serving writes.
//
//   engine thread                                   executor (background)
//   ─────────────                                   ─────────────────────
//   start(): flip every Db's parity, record sizes,
//            open temp file, header ──────────────> append(chunk)
//   step():  SCAN a few buckets of the current db,
//            serialise entries whose mark != parity
//            and mark them ───── 64 KiB chunks ───> append(chunk)
//   Db mutation of a not-yet-saved entry
//     └> before_change(): serialise the old state
//        (current db: into the stream; later db:
//         into that db's side buffer, emitted
//         right after its SELECTDB)
//   finish: EOF + CRC ────────────────────────────> sync, close, rename,
//                                                   sync dir -> done
//
// The result is exactly the keyspace at start(): every entry present then
// is serialised once, either by the walker (untouched since start) or by the
// copy-on-write hook (its old state, before the first change). Entries
// created later carry the new parity and are skipped. RESIZEDB counts are
// the sizes at start; the number of keys written is asserted against them.
//
// Memory: the side buffers hold only entries changed during the snapshot in
// databases the walker has not reached (plus, on FLUSHDB/SWAPDB of such a
// db, its unsaved entries, whose memory the flush frees); bytes handed to the
// executor but not yet written are capped (max_in_flight_bytes): step()
// pauses until the executor catches up.
//
// Fault model: any append/sync/rename/sync_dir failure fails the snapshot
// (never retried); the temp file is removed and `dir/final_name` is left as it
// was. A crash at any point leaves either the old or the new complete file
// under final_name (the rename happens only after the temp file is durable).
//
// Threads: every method runs on the engine thread. Jobs on the executor
// touch only the shared I/O state (the file, the fs, an error and counters),
// under its mutex. The FileSystem must allow calls from the executor's
// thread while the engine thread uses it for other files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/db.h"
#include "core/io/executor.h"
#include "core/io/file_system.h"
#include "core/persist/rdb_writer.h"
#include "core/status.h"

namespace amber {

// What a snapshot writes, in RdbWriter's call order (header; per non-empty
// db begin_db then its entries; finish). The default is the RDB file; an
// AOF base without preamble uses RESP commands (aof_rewrite.h). Bytes go to
// the sink the factory was given. Engine thread only.
class SnapshotEncoder {
 public:
  SnapshotEncoder() = default;
  SnapshotEncoder(const SnapshotEncoder&) = delete;
  SnapshotEncoder& operator=(const SnapshotEncoder&) = delete;
  virtual ~SnapshotEncoder() = default;
  virtual Status write_header() = 0;
  virtual Status begin_db(int db_index, uint64_t keys, uint64_t keys_with_expire) = 0;
  virtual Status write_entry(const Entry& entry) = 0;
  // Appends to `out` the bytes write_entry would produce (copy-on-write
  // side buffers), later handed to write_serialized_keys.
  virtual void serialize_entry(std::string* out, const Entry& entry) = 0;
  virtual Status write_serialized_keys(std::string_view records, uint64_t keys) = 0;
  virtual Status finish() = 0;
  virtual uint64_t bytes_written() const = 0;
};
using SnapshotEncoderFactory = std::function<std::unique_ptr<SnapshotEncoder>(RdbSink& sink)>;

struct SnapshotOptions {
  RdbWriteOptions rdb;
  SnapshotEncoderFactory encoder;  // null: RDB written per `rdb`
  std::string dir;                 // where the files live
  std::string temp_name;           // written first (Redis: temp-<pid>.rdb)
  std::string final_name;          // renamed to at the end (dbfilename)
  uint64_t max_in_flight_bytes = 16 * 1024 * 1024;
};

class Snapshot final : public SnapshotObserver {
 public:
  enum class State { kRunning, kFinishing, kDone, kFailed };

  // `dbs[i]` is database i. They must outlive the snapshot (or abort() it
  // first). Only one snapshot may observe a Db at a time.
  Snapshot(std::vector<Db*> dbs, FileSystem& fs, Executor& executor, SnapshotOptions options);
  ~Snapshot() override;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Takes the point in time: from here on the dbs report changes to us.
  // Opens the temp file and writes the header. On error the snapshot is
  // failed (and detached from the dbs).
  Status start();
  // Walks at most `max_buckets` dict buckets (a few ms of work at most).
  // Returns the state after the step; kRunning may also mean "paused until
  // the executor drains".
  State step(size_t max_buckets);
  // Runs every remaining step (SAVE). With an InlineExecutor this returns
  // kDone or kFailed.
  State run_to_end();
  // The state, refreshed from the executor's progress.
  State state();
  // The error of a failed snapshot.
  Status error();
  // Stops: detaches from the dbs and removes the temp file (in a job).
  // No-op when already done or failed.
  void abort();

  // SnapshotObserver.
  void before_change(Db& db, const Entry& e) override;

  uint64_t keys_total() const { return keys_total_; }
  uint64_t keys_saved() const { return keys_saved_; }
  uint64_t cow_bytes() const { return cow_bytes_; }
  uint64_t cow_peak_bytes() const { return cow_peak_bytes_; }
  uint64_t bytes_written() const { return writer_ == nullptr ? 0 : writer_->bytes_written(); }
  // Bytes of the finished file (valid once kDone).
  uint64_t file_size() const { return file_size_; }

 private:
  struct IoState;
  class ExecutorSink;

  int index_of(const Db& db) const;
  bool begin_current_db();
  void finish_walk();
  void fail(const Status& status);
  void detach();
  bool waiting_for_io() const;

  std::vector<Db*> dbs_;
  FileSystem& fs_;
  Executor& executor_;
  SnapshotOptions options_;
  std::shared_ptr<IoState> io_;
  std::unique_ptr<ExecutorSink> sink_;
  std::unique_ptr<SnapshotEncoder> writer_;
  State state_ = State::kRunning;
  bool attached_ = false;
  Status error_;

  // Walk position.
  size_t current_db_ = 0;
  bool in_db_ = false;  // SELECTDB of current_db_ written
  uint64_t cursor_ = 0;

  // Per db: sizes at start and the copy-on-write side buffer.
  std::vector<uint64_t> start_keys_;
  std::vector<uint64_t> start_expires_;
  std::vector<std::string> side_;
  std::vector<uint64_t> side_keys_;
  EntryScratch scratch_;  // offloaded entries' values (Db::readable)

  uint64_t file_size_ = 0;
  uint64_t keys_total_ = 0;
  uint64_t keys_saved_ = 0;
  uint64_t cow_bytes_ = 0;
  uint64_t cow_peak_bytes_ = 0;
};

}  // namespace amber
