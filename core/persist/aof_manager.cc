// The multi-part AOF's file management (see aof_manager.h): startup load and
// open, rewrite with the manifest as the commit point, history deletion and
// recovery after a failed write or sync. Every step that replaces a file
// goes through write_file_atomically, so an interrupted rewrite leaves the
// previous manifest — and the files it names — untouched.
#include "core/persist/aof_manager.h"

#include "core/engine.h"
#include "core/persist/aof_format.h"
#include "core/persist/rdb_writer.h"
#include "core/persist/snapshot.h"

namespace amber {

Status write_resp_base(Engine& engine, WritableFile& file) {
  std::string buf;
  Status status;
  for (int i = 0; i < engine.db_count() && status.ok(); ++i) {
    Db& db = engine.db(i);
    if (db.size() == 0) continue;
    append_resp_command(&buf, {"SELECT", std::to_string(i)});
    EntryScratch scratch;
    db.for_each([&](Entry* stored) {
      if (!status.ok()) return;
      const Entry* e = &db.readable(*stored, &scratch);
      append_resp_command(&buf, {"SET", e->key(), e->value()});
      if (e->has_expire()) {
        append_resp_command(&buf, {"PEXPIREAT", e->key(), std::to_string(e->expire_ms)});
      }
      if (buf.size() >= 64 * 1024) {
        status = file.append(buf);
        buf.clear();
      }
    });
  }
  AMBER_RETURN_IF_ERROR(status);
  return file.append(buf);
}

AofManager::AofManager(FileSystem& fs, Engine& engine, AofSettings settings,
                       std::function<void(const std::string&)> log, Executor* fsync_executor)
    : fs_(fs),
      engine_(engine),
      settings_(std::move(settings)),
      log_(std::move(log)),
      fsync_executor_(fsync_executor),
      writer_(settings_.fsync, fsync_executor) {
  writer_.set_planted_bugs(settings_.planted_bugs);
}

AofManager::~AofManager() {
  abort_rewrite();
  if (active_ || enabling_) engine_.set_propagation_sink(nullptr);
}

Status AofManager::start(int64_t ctime_s, AofLoadResult* loaded) {
  const std::string dir = aof_dir();
  const std::string manifest_path = join_path(dir, aof_manifest_name(settings_.filename));
  manifest_ = AofManifest{};
  if (fs_.file_exists(manifest_path)) {
    std::string text;
    AMBER_RETURN_IF_ERROR(read_whole_file(fs_, manifest_path, &text));
    AMBER_RETURN_IF_ERROR(parse_aof_manifest(text, &manifest_));
    AofLoadOptions options{settings_.load_truncated, settings_.rdb_checksum, log_, load_progress};
    AMBER_RETURN_IF_ERROR(load_aof_files(fs_, dir, manifest_, engine_, options, loaded));
    if (loaded != nullptr && loaded->truncated) AMBER_RETURN_IF_ERROR(sync_truncated_file());
  }
  AMBER_RETURN_IF_ERROR(fs_.create_dir_if_missing(dir));
  AMBER_RETURN_IF_ERROR(fs_.sync_dir(settings_.dir));
  if (!manifest_.base && manifest_.incr.empty()) {
    AofFileInfo base = manifest_.next_base(settings_.filename, settings_.rdb_preamble);
    AMBER_RETURN_IF_ERROR(write_base(base, ctime_s, &base_size_));
    if (log_) log_("Creating AOF base file " + base.name + " on server start");
  } else if (manifest_.base) {
    AMBER_RETURN_IF_ERROR(fs_.get_file_size(join_path(dir, manifest_.base->name), &base_size_));
  }
  const bool had_incr = !manifest_.incr.empty();
  if (!had_incr) manifest_.add_incr(settings_.filename);
  AMBER_RETURN_IF_ERROR(open_last_incr());
  AMBER_RETURN_IF_ERROR(persist_manifest());
  if (log_) {
    log_(std::string(had_incr ? "Opening" : "Creating") + " AOF incr file " +
         manifest_.incr.back().name + " on server start");
  }
  delete_history();
  active_ = true;
  engine_.set_propagation_sink(&writer_);
  return {};
}

Status AofManager::stop() {
  if (enabling_) {
    cancel_fresh({});
    return {};
  }
  abort_rewrite();
  engine_.set_propagation_sink(nullptr);
  Status s;
  if (active_ && writer_.attached() && writer_.healthy()) {
    s = writer_.flush_and_sync(engine_.clock().now_ms());
  }
  active_ = tail_cut_ = false;
  writer_.discard_buffer();
  writer_.attach(nullptr, 0);
  return s;
}

Status AofManager::write_base(const AofFileInfo& base, int64_t ctime_s, uint64_t* size_bytes) {
  return write_file_atomically(fs_, aof_dir(), base.name, [&](WritableFile& file) {
    Status s;
    if (settings_.rdb_preamble) {
      RdbWriteOptions options;
      options.compression = settings_.rdb_compression;
      options.checksum = settings_.rdb_checksum;
      options.aof_base = true;
      options.ctime_s = ctime_s;
      FileRdbSink sink(file);
      s = write_rdb(engine_, sink, options);
    } else {
      s = write_resp_base(engine_, file);
    }
    *size_bytes = file.size();
    return s;
  });
}

Status AofManager::open_last_incr() {
  AMBER_RETURN_IF_ERROR(attach_incr(join_path(aof_dir(), manifest_.incr.back().name)));
  recount_sizes();
  return {};
}

Status AofManager::attach_incr(const std::string& path) {
  std::unique_ptr<WritableFile> file;
  AMBER_RETURN_IF_ERROR(fs_.new_appendable_file(path, &file));
  // everysec's background sync gets a handle of its own (aof_writer.h).
  std::unique_ptr<WritableFile> sync_handle;
  if (fsync_executor_ != nullptr) {
    AMBER_RETURN_IF_ERROR(fs_.new_appendable_file(path, &sync_handle));
  }
  uint64_t size = file->size();  // an appendable file starts at its end
  writer_.attach(std::move(file), size, std::move(sync_handle));
  return {};
}

void AofManager::recount_sizes() {
  incr_done_size_ = base_size_;
  for (size_t i = 0; i + 1 < manifest_.incr.size(); ++i) {
    uint64_t size = 0;
    if (fs_.get_file_size(join_path(aof_dir(), manifest_.incr[i].name), &size).ok()) {
      incr_done_size_ += size;
    }
  }
}

Status AofManager::persist_manifest() {
  std::string text = manifest_.to_string();
  return write_file_atomically(
      fs_, aof_dir(), aof_manifest_name(settings_.filename),
      [&](WritableFile& file) { return file.append(text); }, settings_.planted_bugs);
}

void AofManager::delete_history() {
  if (settings_.disable_auto_gc || manifest_.history.empty()) return;
  for (const AofFileInfo& f : manifest_.history) {
    Status s = fs_.remove_file(join_path(aof_dir(), f.name));
    if (log_ && (s.ok() || s.is_not_found())) {
      log_("Removing the history file " + f.name + " in the background");
    }
  }
  manifest_.history.clear();
  // The manifest without history: if this fails, the next swap retries.
  if (!persist_manifest().ok() && log_) log_("Failed to persist the AOF manifest");
}

Status AofManager::flush() {
  if (!active_ && !enabling_) return {};
  return writer_.flush(engine_.clock().now_ms());
}

Status AofManager::cron() {
  if (!active_ && !enabling_) return {};
  return writer_.cron(engine_.clock().now_ms());
}

// The loader cut a torn tail off the last file; the cut must be durable
// before a newer file is named after it (found by amber-sim: a power failure
// could bring the torn tail back behind a file that is no longer the last,
// and startup then refuses).
Status AofManager::sync_truncated_file() {
  const AofFileInfo& last = manifest_.incr.empty() ? *manifest_.base : manifest_.incr.back();
  std::unique_ptr<WritableFile> handle;
  AMBER_RETURN_IF_ERROR(fs_.new_appendable_file(join_path(aof_dir(), last.name), &handle));
  return handle->sync();
}

// Redis's ftruncate after a failed write: cuts the open incr file back to
// the bytes known durable, so that once a rewrite names a newer incr file
// this one has no torn tail (the loader refuses a torn file that is not the
// last). What is cut is in memory and goes into the new base; until the
// rewrite completes the writer stays failed (a new incr file after a cut
// one would leave a hole in the history).
Status AofManager::cut_unsynced_tail() {
  const std::string incr = join_path(aof_dir(), manifest_.incr.back().name);
  std::unique_ptr<WritableFile> handle;
  AMBER_RETURN_IF_ERROR(fs_.truncate_file(incr, writer_.synced_size()));
  AMBER_RETURN_IF_ERROR(fs_.new_appendable_file(incr, &handle));
  return handle->sync();
}

bool AofManager::try_recover(int64_t ctime_s) {
  if (!active_ || healthy()) return true;
  return rewrite(ctime_s).ok();
}

}  // namespace amber
