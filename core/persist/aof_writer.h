// AofWriter: turns propagated units into AOF bytes and moves them to the
// current incremental file under the appendfsync policy.
//
//   engine ──propagate(unit)──> buffer_ ──flush() in before_sleep──> file
//                                              └─ always: sync before replies
//                                              └─ everysec: sync once a second
//                                              └─ no: the OS decides
//
// The host calls flush() once per event-loop iteration *before* any reply of
// that iteration is written to a socket (Redis's flushAppendOnlyFile runs
// before handleClientsWithPendingWrites). With `always`, one sync per
// iteration is the group commit: every reply sent afterwards is for a write
// already durable. cron() does everysec's sync when no write came along.
//
// Fault model: a failed append or sync may have left any prefix of the
// unsynced bytes on disk, and the page cache may have dropped them. The
// writer never retries and trusts: after the first failure it is poisoned
// (healthy() false, last_error() says why) and stops writing; the owner
// (AofManager) recovers by rewriting the AOF from memory into new files.
//
// Single-threaded (the engine's thread). The everysec sync runs inline in
// cron for now (no background executor yet), so aof_delayed_fsync stays 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/io/file_system.h"
#include "core/propagation.h"
#include "core/status.h"

namespace amber {

enum class AofFsync { kAlways, kEverysec, kNo };

class AofWriter final : public PropagationSink {
 public:
  explicit AofWriter(AofFsync policy) : policy_(policy) {}

  void propagate(const std::vector<PropagatedOp>& unit) override;

  void set_policy(AofFsync policy) { policy_ = policy; }
  AofFsync policy() const { return policy_; }

  // Directs writes to `file` (already holding `size_bytes` bytes, all of
  // them durable). The next op is preceded by a SELECT. Clears a poisoned
  // state: the new file is written from scratch by the caller.
  void attach(std::unique_ptr<WritableFile> file, uint64_t size_bytes);
  // Forgets buffered bytes (the caller captured the dataset another way).
  void discard_buffer() { buffer_.clear(); }

  // Writes the buffer; syncs when the policy asks. REQUIRES: attached.
  // With `always`, a non-ok Status means the iteration's writes are not
  // durable and must never be acknowledged.
  Status flush(int64_t now_ms);
  // Periodic: everysec sync of written-but-unsynced bytes.
  Status cron(int64_t now_ms);
  // Writes and syncs everything now (shutdown, before a rewrite).
  Status flush_and_sync(int64_t now_ms);

  bool attached() const { return file_ != nullptr; }
  bool healthy() const { return error_.ok(); }
  const Status& last_error() const { return error_; }
  size_t buffer_length() const { return buffer_.size(); }
  uint64_t current_size() const { return size_bytes_; }
  uint64_t synced_size() const { return synced_bytes_; }

 private:
  Status fail(Status s);
  Status sync(int64_t now_ms);

  AofFsync policy_;
  std::string buffer_;
  std::unique_ptr<WritableFile> file_;
  int selected_db_ = -1;
  uint64_t size_bytes_ = 0;    // bytes handed to the file
  uint64_t synced_bytes_ = 0;  // bytes known durable
  int64_t last_sync_ms_ = 0;
  Status error_;
};

}  // namespace amber
