// AofWriter: turns propagated units into AOF bytes and moves them to the
// current incremental file under the appendfsync policy.
//
//   engine ──propagate(unit)──> buffer_ ──flush() in before_sleep──> file
//                                              └─ always: sync before replies
//                                              └─ everysec: sync job on the
//                                                 executor, once a second
//                                              └─ no: the OS decides
//
// The host calls flush() once per event-loop iteration *before* any reply of
// that iteration is written to a socket (Redis's flushAppendOnlyFile runs
// before handleClientsWithPendingWrites). With `always`, one sync per
// iteration is the group commit: every reply sent afterwards is for a write
// already durable. cron() retries a postponed write and starts everysec's
// sync when no write came along.
//
// everysec (Redis 7.0's rule): the fsync runs as a job on the executor, on a
// second handle of the same file (fdatasync works on the file, not the
// descriptor), so the engine thread keeps appending through its own handle.
// While a sync job is pending a write is postponed (the bytes stay
// buffered) for up to 2 s; after that the buffer is written anyway and
// aof_delayed_fsync counts it. Without an executor the sync runs inline.
//
// Fault model: a failed append or sync may have left any prefix of the
// unsynced bytes on disk, and the page cache may have dropped them. The
// writer never retries and trusts: after the first failure — in the
// foreground or in a background sync job — it is poisoned (healthy()
// false, last_error() says why) and stops writing; the owner (AofManager)
// recovers by rewriting the AOF from memory into new files (attach()).
//
// Threads: every method runs on the engine thread; sync jobs touch only
// their BackgroundSync (the sync handle, under its mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/io/executor.h"
#include "core/io/file_system.h"
#include "core/planted_bugs.h"
#include "core/propagation.h"
#include "core/status.h"

namespace amber {

enum class AofFsync { kAlways, kEverysec, kNo };

class AofWriter final : public PropagationSink {
 public:
  // A sync job pending longer than this makes the next write go ahead
  // anyway (Redis: 2 seconds).
  static constexpr int64_t kMaxPostponeMs = 2000;

  // `executor` (may be null: everysec syncs inline) runs the sync jobs and
  // must outlive the writer's jobs.
  explicit AofWriter(AofFsync policy, Executor* executor = nullptr)
      : policy_(policy), executor_(executor) {}

  void propagate(const std::vector<PropagatedOp>& unit) override;

  void set_policy(AofFsync policy) { policy_ = policy; }
  AofFsync policy() const { return policy_; }
  void set_executor(Executor* executor) { executor_ = executor; }
  // Test builds only (core/planted_bugs.h); null: no planted bug.
  void set_planted_bugs(const PlantedBugs* bugs) { bugs_ = bugs; }

  // Directs writes to `file` (already holding `size_bytes` bytes, all of
  // them durable). `sync_handle`, another handle of the same file, is what
  // background sync jobs use (null: everysec syncs inline). The next op is
  // preceded by a SELECT. Clears a poisoned state: the new file is written
  // from scratch by the caller.
  void attach(std::unique_ptr<WritableFile> file, uint64_t size_bytes,
              std::unique_ptr<WritableFile> sync_handle = nullptr);
  // Marks the writer failed with `s` (the owner's recovery failed): writes
  // are refused until the next attach().
  void poison(Status s) { (void)fail(std::move(s)); }
  // Forgets buffered bytes (the caller captured the dataset another way).
  void discard_buffer() { buffer_.clear(); }

  // Writes the buffer (unless postponed); syncs when the policy asks.
  // REQUIRES: attached. With `always`, a non-ok Status means the
  // iteration's writes are not durable and must never be acknowledged.
  Status flush(int64_t now_ms);
  // Periodic: a postponed write, everysec's sync of unsynced bytes, and the
  // outcome of finished sync jobs.
  Status cron(int64_t now_ms);
  // Writes and syncs everything now, in the foreground (shutdown, rewrite).
  Status flush_and_sync(int64_t now_ms);

  bool attached() const { return file_ != nullptr; }
  bool healthy() const { return error_.ok(); }
  const Status& last_error() const { return error_; }
  size_t buffer_length() const { return buffer_.size(); }
  uint64_t current_size() const { return size_bytes_; }
  uint64_t synced_size() const { return synced_bytes_; }
  // INFO aof_pending_bio_fsync / aof_delayed_fsync.
  bool sync_pending();
  uint64_t delayed_fsyncs() const { return delayed_fsyncs_; }
  bool write_postponed() const { return postponed_since_ms_ >= 0; }

 private:
  // Shared between the writer and its sync jobs.
  struct BackgroundSync {
    std::unique_ptr<WritableFile> handle;  // used by one job at a time
    std::mutex mu;
    bool pending = false;  // a job is queued or running
    uint64_t synced = 0;   // bytes made durable by finished jobs
    Status error;          // the first failure of a job
  };

  Status fail(Status s);
  Status sync_now(int64_t now_ms);
  void start_background_sync(int64_t now_ms);
  Status collect_background();
  bool must_postpone(int64_t now_ms);
  Status write_buffer();
  Status maybe_sync(int64_t now_ms);

  AofFsync policy_;
  Executor* executor_;
  std::string buffer_;
  std::unique_ptr<WritableFile> file_;
  std::shared_ptr<BackgroundSync> bg_;
  int selected_db_ = -1;
  uint64_t size_bytes_ = 0;    // bytes handed to the file
  uint64_t synced_bytes_ = 0;  // bytes known durable
  int64_t last_sync_s_ = 0;    // second of the last (started) everysec sync
  int64_t postponed_since_ms_ = -1;
  uint64_t delayed_fsyncs_ = 0;
  Status error_;
  const PlantedBugs* bugs_ = nullptr;
};

}  // namespace amber
