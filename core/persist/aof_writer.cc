// The AOF write path (see aof_writer.h): encoding into a buffer, one write
// per event-loop iteration, and the fsync policy. Once any append or sync
// failed the writer stops touching the file, because after a failed fsync
// the kernel may already have dropped dirty pages it reported as written:
// a later "successful" fsync would be a lie. Recovery is the owner's job.
//
// everysec's sync runs as an executor job on a second handle, so a slow
// disk stalls the background thread, not the event loop; the engine thread
// learns the outcome by polling the shared BackgroundSync (under its
// mutex) at the next flush or cron.
#include "core/persist/aof_writer.h"

#include "core/assert.h"
#include "core/persist/aof_format.h"

namespace amber {

void AofWriter::propagate(const std::vector<PropagatedOp>& unit) {
  append_aof_unit(&buffer_, unit, &selected_db_);
}

void AofWriter::attach(std::unique_ptr<WritableFile> file, uint64_t size_bytes,
                       std::unique_ptr<WritableFile> sync_handle) {
  file_ = std::move(file);
  size_bytes_ = synced_bytes_ = size_bytes;
  selected_db_ = -1;
  postponed_since_ms_ = -1;
  error_ = Status();
  // A job still running on the previous file keeps its own state alive.
  bg_.reset();
  if (sync_handle != nullptr) {
    bg_ = std::make_shared<BackgroundSync>();
    bg_->handle = std::move(sync_handle);
    bg_->synced = size_bytes;
  }
}

Status AofWriter::fail(Status s) {
  if (error_.ok()) error_ = s;
  return s;
}

bool AofWriter::sync_pending() {
  if (bg_ == nullptr) return false;
  std::lock_guard<std::mutex> lock(bg_->mu);
  return bg_->pending;
}

Status AofWriter::collect_background() {
  if (bg_ == nullptr) return {};
  Status failed;
  uint64_t synced = 0;
  {
    std::lock_guard<std::mutex> lock(bg_->mu);
    failed = bg_->error;
    synced = bg_->synced;
  }
  if (synced > synced_bytes_) synced_bytes_ = synced;
  if (!failed.ok()) return fail(std::move(failed));
  return {};
}

Status AofWriter::sync_now(int64_t now_ms) {
  Status s = file_->sync();
#ifdef AMBER_PLANTED_BUGS
  if (bugs_ != nullptr && bugs_->trust_failed_fsync) s = Status();
#endif
  if (!s.ok()) return fail(std::move(s));
  synced_bytes_ = size_bytes_;
  last_sync_s_ = now_ms / 1000;
  return {};
}

void AofWriter::start_background_sync(int64_t now_ms) {
  const uint64_t target = size_bytes_;  // every byte up to here is in the OS
  {
    std::lock_guard<std::mutex> lock(bg_->mu);
    bg_->pending = true;
  }
  last_sync_s_ = now_ms / 1000;
  executor_->submit([bg = bg_, target] {
    Status s = bg->handle->sync();
    std::lock_guard<std::mutex> lock(bg->mu);
    if (s.ok() && target > bg->synced) bg->synced = target;
    if (!s.ok() && bg->error.ok()) bg->error = s;
    bg->pending = false;
  });
}

// Redis's flushAppendOnlyFile rule: while a background sync is pending,
// keep buffering for up to kMaxPostponeMs rather than block the loop
// behind the disk; past that, write anyway and count a delayed fsync.
bool AofWriter::must_postpone(int64_t now_ms) {
  if (policy_ != AofFsync::kEverysec || !sync_pending()) {
    postponed_since_ms_ = -1;
    return false;
  }
  if (postponed_since_ms_ < 0) {
    postponed_since_ms_ = now_ms;
    return true;
  }
  if (now_ms - postponed_since_ms_ < kMaxPostponeMs) return true;
  ++delayed_fsyncs_;
  return false;
}

Status AofWriter::write_buffer() {
  Status s = file_->append(buffer_);
  if (s.ok()) s = file_->flush();
  if (!s.ok()) return fail(std::move(s));
  size_bytes_ += buffer_.size();
  postponed_since_ms_ = -1;
  // Keep the allocation for the common small batch; shed a big one.
  if (buffer_.capacity() > 4 * 1024 * 1024) {
    std::string().swap(buffer_);
  } else {
    buffer_.clear();
  }
  return {};
}

Status AofWriter::maybe_sync(int64_t now_ms) {
  if (synced_bytes_ == size_bytes_) return {};
  if (policy_ == AofFsync::kAlways) {
#ifdef AMBER_PLANTED_BUGS
    if (bugs_ != nullptr && bugs_->skip_fsync_before_ack) return {};
#endif
    return sync_now(now_ms);
  }
  if (policy_ != AofFsync::kEverysec || now_ms / 1000 <= last_sync_s_) return {};
  if (bg_ == nullptr || executor_ == nullptr) return sync_now(now_ms);
  // A sync still running covers this second; the next one catches up.
  if (!sync_pending()) {
    start_background_sync(now_ms);
  } else {
    last_sync_s_ = now_ms / 1000;
  }
  return {};
}

Status AofWriter::flush(int64_t now_ms) {
  AMBER_ASSERT(file_ != nullptr);
  if (!error_.ok()) return error_;
  AMBER_RETURN_IF_ERROR(collect_background());
#ifdef AMBER_PLANTED_BUGS
  if (bugs_ != nullptr && bugs_->ack_before_group_commit && policy_ == AofFsync::kAlways) {
    // The previous batch is synced now; this one only at the next flush.
    if (synced_bytes_ != size_bytes_) AMBER_RETURN_IF_ERROR(sync_now(now_ms));
    return buffer_.empty() ? Status() : write_buffer();
  }
#endif
  if (!buffer_.empty()) {
    if (must_postpone(now_ms)) return {};
    AMBER_RETURN_IF_ERROR(write_buffer());
  }
  return maybe_sync(now_ms);
}

Status AofWriter::cron(int64_t now_ms) {
  if (file_ == nullptr || !error_.ok()) return error_;
  return flush(now_ms);
}

Status AofWriter::flush_and_sync(int64_t now_ms) {
  AMBER_ASSERT(file_ != nullptr);
  if (!error_.ok()) return error_;
  AMBER_RETURN_IF_ERROR(collect_background());
  if (!buffer_.empty()) AMBER_RETURN_IF_ERROR(write_buffer());
  if (synced_bytes_ != size_bytes_) return sync_now(now_ms);
  return {};
}

}  // namespace amber
