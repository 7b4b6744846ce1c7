// AOF rewrite without fork (see aof_rewrite.h): AofManager's rewrite steps
// and the RESP encoder for bases without an RDB preamble. The manifest is
// the single commit point; until the swap, the files it names already hold
// every write (the old ones up to the switch, the new incr file after it).
// Turning the AOF on at runtime (start_enable) keeps every new file out of
// the manifest until the base is durable; see aof_rewrite.h.
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
  job->snapshot = make_base_snapshot(job->base_name, ctime_s, executor);
  s = job->snapshot->start();
  if (!s.ok()) return s;  // the manifest names the new incr file: consistent
  rewrite_ = std::move(job);
  return {};
}

std::unique_ptr<Snapshot> AofManager::make_base_snapshot(const std::string& base_name,
                                                         int64_t ctime_s, Executor& executor) {
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
  options.temp_name = "temp-rewriteaof-" + std::to_string(++rewrite_attempts_) + "-" + base_name;
  options.final_name = base_name;
  return std::make_unique<Snapshot>(engine_dbs(engine_), fs_, executor, options);
}

std::string AofManager::temp_incr_path() const {
  return join_path(aof_dir(), "temp-" + settings_.filename + ".incr");
}

Status AofManager::start_enable(int64_t ctime_s, Executor& executor) {
  AMBER_ASSERT(!active_ && !enabling_ && rewrite_ == nullptr);
  AMBER_RETURN_IF_ERROR(fs_.create_dir_if_missing(aof_dir()));
  AMBER_RETURN_IF_ERROR(fs_.sync_dir(settings_.dir));
  // Continue the numbering of files already there: they become history at
  // the swap. An unreadable manifest is replaced as a whole.
  manifest_ = AofManifest{};
  const std::string manifest_path = join_path(aof_dir(), aof_manifest_name(settings_.filename));
  std::string text;
  if (fs_.file_exists(manifest_path) && read_whole_file(fs_, manifest_path, &text).ok()) {
    AofManifest old;
    if (parse_aof_manifest(text, &old).ok()) manifest_ = old;
  }
  enabling_ = true;
  Status s = start_fresh(ctime_s, executor);
  if (s.ok()) base_size_ = incr_done_size_ = 0;
  return s;
}

Status AofManager::start_recovery(int64_t ctime_s, Executor& executor) {
  AMBER_ASSERT(active_ && !writer_.healthy() && !recovering_);
  abort_rewrite();  // a BGREWRITEAOF that met the failure: start over
  if (!tail_cut_) {
    AMBER_RETURN_IF_ERROR(cut_unsynced_tail());
    tail_cut_ = true;  // the writer now leaves that file: never cut it again
  }
  recovery_error_ = writer_.last_error();
  recovering_ = true;
  return start_fresh(ctime_s, executor);
}

// start_enable and start_recovery: appends go to a truncated temp incr file
// (a failed earlier attempt's bytes must not precede ours) while a Snapshot
// writes the next base. On error the attempt is cancelled.
Status AofManager::start_fresh(int64_t ctime_s, Executor& executor) {
  // Units propagated while the writer was failed are in memory, hence in
  // the base: in the temp incr file too they would be applied twice.
  writer_.discard_buffer();
  std::unique_ptr<WritableFile> fresh;
  Status s = fs_.new_writable_file(temp_incr_path(), &fresh);
  if (s.ok()) s = fresh->close();
  if (s.ok()) s = attach_incr(temp_incr_path());
  if (s.ok()) {
    engine_.set_propagation_sink(&writer_);
    auto job = std::make_unique<RewriteJob>();
    job->base_name =
        aof_base_name(settings_.filename, manifest_.base_seq + 1, settings_.rdb_preamble);
    job->fresh = true;
    job->snapshot = make_base_snapshot(job->base_name, ctime_s, executor);
    rewrite_ = std::move(job);
    s = rewrite_->snapshot->start();
  }
  if (!s.ok()) cancel_fresh(s);
  return s;
}

// The fresh rewrite is done: the base is durable under its name. The temp
// incr file holds every write since the snapshot's point in time; it is
// synced, and its new name made durable, before a manifest names it.
Status AofManager::finish_fresh() {
  AMBER_RETURN_IF_ERROR(writer_.flush_and_sync(engine_.clock().now_ms()));
  AofManifest previous = manifest_;
  manifest_.next_base(settings_.filename, settings_.rdb_preamble);
  const AofFileInfo incr = manifest_.add_incr(settings_.filename);
  for (AofFileInfo f : manifest_.incr) {
    if (f.seq == incr.seq) continue;
    f.type = AofFileInfo::Type::kHistory;
    manifest_.history.push_back(f);
  }
  manifest_.incr = {incr};
  const std::string incr_path = join_path(aof_dir(), incr.name);
  Status s = fs_.rename_file(temp_incr_path(), incr_path);
  if (s.ok()) s = fs_.sync_dir(aof_dir());
  if (s.ok()) s = persist_manifest();
  if (!s.ok()) {
    manifest_ = previous;
    (void)fs_.remove_file(incr_path);
    return s;
  }
  const bool recovered = recovering_;
  enabling_ = recovering_ = tail_cut_ = false;
  active_ = true;
  base_size_ = rewrite_->snapshot->file_size();
  // The writer's handle still points at the renamed file; reopen it by its
  // name. If that fails, the AOF is on but failed (MISCONF, recovery).
  s = open_last_incr();
  if (!s.ok()) writer_.poison(s);
  delete_history();
  if (log_) log_("Background AOF rewrite finished successfully");
  if (log_ && recovered) log_("AOF write error looks solved, Redis can write again.");
  return {};
}

// A fresh rewrite failed or was stopped: the files the manifest names are
// untouched. Enabling: the AOF stays off (no sink). Recovery: the writer
// stays failed with `error`; the temp incr file's bytes are not needed (the
// next attempt's base holds the dataset).
void AofManager::cancel_fresh(const Status& error) {
  AMBER_ASSERT(enabling_ || recovering_);
  if (rewrite_ != nullptr) {
    rewrite_->snapshot->abort();
    rewrite_.reset();
  }
  writer_.discard_buffer();
  if (enabling_) {
    engine_.set_propagation_sink(nullptr);
    writer_.attach(nullptr, 0);
  } else {
    writer_.poison(error.ok() ? recovery_error_ : error);
  }
  (void)fs_.remove_file(temp_incr_path());
  enabling_ = recovering_ = false;
}

Status AofManager::enable(int64_t ctime_s) {
  InlineExecutor inline_executor;
  AMBER_RETURN_IF_ERROR(start_enable(ctime_s, inline_executor));
  return run_to_end();
}

Status AofManager::run_to_end() {
  Status error;
  RewriteState state = RewriteState::kRunning;
  while (state == RewriteState::kRunning) state = step_rewrite(1024, &error);
  return error;
}

const Snapshot* AofManager::rewrite_snapshot() const {
  return rewrite_ == nullptr ? nullptr : rewrite_->snapshot.get();
}

AofManager::RewriteState AofManager::step_rewrite(size_t max_buckets, Status* error) {
  if (rewrite_ == nullptr) return RewriteState::kIdle;
  Status s;
  if (rewrite_->fresh && !writer_.healthy()) {
    // The temp incr file has a hole: this rewrite can never be committed.
    s = writer_.last_error();
  } else {
    Snapshot::State state = rewrite_->snapshot->step(max_buckets);
    if (state == Snapshot::State::kRunning || state == Snapshot::State::kFinishing) {
      return RewriteState::kRunning;
    }
    last_rewrite_cow_bytes_ = rewrite_->snapshot->cow_peak_bytes();
    if (state == Snapshot::State::kFailed) s = rewrite_->snapshot->error();
    if (s.ok()) s = rewrite_->fresh ? finish_fresh() : swap_manifest();
  }
  if (rewrite_->fresh && !s.ok()) cancel_fresh(s);
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
  if (enabling_ || recovering_) {
    cancel_fresh({});
    return;
  }
  if (rewrite_ == nullptr) return;
  rewrite_->snapshot->abort();
  rewrite_.reset();
}

Status AofManager::rewrite(int64_t ctime_s) {
  abort_rewrite();
  InlineExecutor inline_executor;
  // After a disk error (recovery, BGREWRITEAOF while failing) the rewrite
  // must not name a new file before the base is durable: a fresh one.
  Status error = active_ && !writer_.healthy() ? start_recovery(ctime_s, inline_executor)
                                               : start_rewrite(ctime_s, inline_executor);
  return error.ok() ? run_to_end() : error;
}

}  // namespace amber
