// AOF rewrite without fork (see aof_rewrite.h): AofManager's rewrite steps
// and the RESP encoder for bases without an RDB preamble. The manifest is
// the single commit point; until the swap, the files it names already hold
// every write (the old ones up to the switch, the new incr file after it).
#include "core/persist/aof_rewrite.h"

#include "core/assert.h"
#include "core/engine.h"
#include "core/persist/aof_format.h"
#include "core/persist/aof_manager.h"

namespace amber {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;

class RespSnapshotEncoder final : public SnapshotEncoder {
 public:
  explicit RespSnapshotEncoder(RdbSink& sink) : sink_(sink) {}

  Status write_header() override { return {}; }
  Status begin_db(int db_index, uint64_t, uint64_t) override {
    append_resp_command(&buffer_, {"SELECT", std::to_string(db_index)});
    return maybe_flush();
  }
  Status write_entry(const Entry& entry) override {
    serialize_entry(&buffer_, entry);
    return maybe_flush();
  }
  void serialize_entry(std::string* out, const Entry& entry) override {
    append_resp_command(out, {"SET", entry.key(), entry.value()});
    if (entry.has_expire()) {
      append_resp_command(out, {"PEXPIREAT", entry.key(), std::to_string(entry.expire_ms)});
    }
  }
  Status write_serialized_keys(std::string_view records, uint64_t) override {
    buffer_.append(records);
    return maybe_flush();
  }
  Status finish() override { return flush(); }
  uint64_t bytes_written() const override { return flushed_ + buffer_.size(); }

 private:
  Status maybe_flush() { return buffer_.size() >= kChunkBytes ? flush() : Status(); }
  Status flush() {
    if (!failed_.ok()) return failed_;
    if (buffer_.empty()) return {};
    failed_ = sink_.write(buffer_);
    flushed_ += buffer_.size();
    buffer_.clear();
    return failed_;
  }

  RdbSink& sink_;
  std::string buffer_;
  uint64_t flushed_ = 0;
  Status failed_;
};

}  // namespace

std::unique_ptr<SnapshotEncoder> make_resp_snapshot_encoder(RdbSink& sink) {
  return std::make_unique<RespSnapshotEncoder>(sink);
}

Status AofManager::start_rewrite(int64_t ctime_s, Executor& executor) {
  AMBER_ASSERT(rewrite_ == nullptr);
  const int64_t now_ms = engine_.clock().now_ms();
  // Writes made before the switch belong to the old incr file: if the
  // rewrite fails, the old manifest must still hold them.
  // If they cannot be made durable the switch must not happen: attaching
  // the new file would clear the failure and let their replies leave.
  if (writer_.attached() && writer_.healthy()) {
    AMBER_RETURN_IF_ERROR(writer_.flush_and_sync(now_ms));
  }
  writer_.discard_buffer();
  AMBER_RETURN_IF_ERROR(fs_.create_dir_if_missing(aof_dir()));
  AofManifest previous = manifest_;
  const AofFileInfo incr = manifest_.add_incr(settings_.filename);
  std::unique_ptr<WritableFile> file;
  Status s = fs_.new_writable_file(join_path(aof_dir(), incr.name), &file);
  if (s.ok()) s = file->sync();
  if (s.ok()) s = file->close();
  if (s.ok()) s = persist_manifest();  // also makes the new name durable
  if (!s.ok()) {
    manifest_ = previous;
    return s;
  }
  AMBER_RETURN_IF_ERROR(open_last_incr());

  auto job = std::make_unique<RewriteJob>();
  job->base_name =
      aof_base_name(settings_.filename, manifest_.base_seq + 1, settings_.rdb_preamble);
  job->first_new_incr_seq = incr.seq;
  SnapshotOptions options;
  options.rdb.compression = settings_.rdb_compression;
  options.rdb.checksum = settings_.rdb_checksum;
  options.rdb.aof_base = true;
  options.rdb.ctime_s = ctime_s;
  if (!settings_.rdb_preamble) options.encoder = make_resp_snapshot_encoder;
  options.dir = aof_dir();
  // A name of its own per attempt: an aborted attempt's queued jobs (its
  // buffered bytes flushed on close, its temp file removed) must not land
  // in the file of the attempt that replaced it.
  options.temp_name =
      "temp-rewriteaof-" + std::to_string(++rewrite_attempts_) + "-" + job->base_name;
  options.final_name = job->base_name;
  job->snapshot = std::make_unique<Snapshot>(engine_dbs(engine_), fs_, executor, options);
  s = job->snapshot->start();
  if (!s.ok()) return s;  // the manifest names the new incr file: consistent
  rewrite_ = std::move(job);
  return {};
}

AofManager::RewriteState AofManager::step_rewrite(size_t max_buckets, Status* error) {
  if (rewrite_ == nullptr) return RewriteState::kIdle;
  Snapshot::State state = rewrite_->snapshot->step(max_buckets);
  if (state == Snapshot::State::kRunning || state == Snapshot::State::kFinishing) {
    return RewriteState::kRunning;
  }
  Status s;
  if (state == Snapshot::State::kFailed) s = rewrite_->snapshot->error();
  if (s.ok()) s = swap_manifest();
  rewrite_.reset();
  if (error != nullptr) *error = s;
  return s.ok() ? RewriteState::kDone : RewriteState::kFailed;
}

Status AofManager::swap_manifest() {
  AofManifest previous = manifest_;
  const AofFileInfo base = manifest_.next_base(settings_.filename, settings_.rdb_preamble);
  AMBER_ASSERT(base.name == rewrite_->base_name);
  std::vector<AofFileInfo> kept;
  for (AofFileInfo f : manifest_.incr) {
    if (f.seq >= rewrite_->first_new_incr_seq) {
      kept.push_back(f);
    } else {
      f.type = AofFileInfo::Type::kHistory;
      manifest_.history.push_back(f);
    }
  }
  manifest_.incr = std::move(kept);
  Status s = persist_manifest();
  if (!s.ok()) {
    manifest_ = previous;  // the old manifest still names the old files
    return s;
  }
  base_size_ = rewrite_->snapshot->file_size();
  recount_sizes();
  delete_history();
  if (log_) log_("Background AOF rewrite finished successfully");
  return {};
}

void AofManager::abort_rewrite() {
  if (rewrite_ == nullptr) return;
  rewrite_->snapshot->abort();
  rewrite_.reset();
}

Status AofManager::rewrite(int64_t ctime_s) {
  abort_rewrite();
  // After a disk error (recovery, BGREWRITEAOF while failing): see
  // cut_unsynced_tail; a failure leaves the writer failed (no hole).
  const bool recovering = writer_.attached() && !writer_.healthy();
  if (recovering) AMBER_RETURN_IF_ERROR(cut_unsynced_tail());
  InlineExecutor inline_executor;
  Status error = start_rewrite(ctime_s, inline_executor);
  RewriteState state = error.ok() ? RewriteState::kRunning : RewriteState::kFailed;
  while (state == RewriteState::kRunning) state = step_rewrite(1024, &error);
  if (!error.ok() && recovering) writer_.poison(error);
  return error;
}

}  // namespace amber
