// The AOF write path (see aof_writer.h): encoding into a buffer, one write
// per event-loop iteration, and the fsync policy. Once any append or sync
// failed the writer stops touching the file, because after a failed fsync
// the kernel may already have dropped dirty pages it reported as written:
// a later "successful" fsync would be a lie. Recovery is the owner's job.
#include "core/persist/aof_writer.h"

#include "core/assert.h"
#include "core/persist/aof_format.h"

namespace amber {

void AofWriter::propagate(const std::vector<PropagatedOp>& unit) {
  append_aof_unit(&buffer_, unit, &selected_db_);
}

void AofWriter::attach(std::unique_ptr<WritableFile> file, uint64_t size_bytes) {
  file_ = std::move(file);
  size_bytes_ = synced_bytes_ = size_bytes;
  selected_db_ = -1;
  error_ = Status();
}

Status AofWriter::fail(Status s) {
  if (error_.ok()) error_ = s;
  return s;
}

Status AofWriter::sync(int64_t now_ms) {
  Status s = file_->sync();
  if (!s.ok()) return fail(std::move(s));
  synced_bytes_ = size_bytes_;
  last_sync_ms_ = now_ms;
  return {};
}

Status AofWriter::flush(int64_t now_ms) {
  AMBER_ASSERT(file_ != nullptr);
  if (!error_.ok()) return error_;
  if (!buffer_.empty()) {
    Status s = file_->append(buffer_);
    if (s.ok()) s = file_->flush();
    if (!s.ok()) return fail(std::move(s));
    size_bytes_ += buffer_.size();
    // Keep the allocation for the common small batch; shed a big one.
    if (buffer_.capacity() > 4 * 1024 * 1024) {
      std::string().swap(buffer_);
    } else {
      buffer_.clear();
    }
  }
  if (policy_ == AofFsync::kAlways && synced_bytes_ != size_bytes_) return sync(now_ms);
  if (policy_ == AofFsync::kEverysec) return cron(now_ms);
  return {};
}

Status AofWriter::cron(int64_t now_ms) {
  if (file_ == nullptr || !error_.ok()) return error_;
  if (policy_ != AofFsync::kNo && synced_bytes_ != size_bytes_ && now_ms - last_sync_ms_ >= 1000) {
    return sync(now_ms);
  }
  return {};
}

Status AofWriter::flush_and_sync(int64_t now_ms) {
  AMBER_RETURN_IF_ERROR(flush(now_ms));
  if (synced_bytes_ != size_bytes_) return sync(now_ms);
  return {};
}

}  // namespace amber
