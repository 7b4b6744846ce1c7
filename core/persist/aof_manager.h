// AofManager: the multi-part AOF of one server — its directory
// `<dir>/<appenddirname>/`, the manifest (manifest.h), the base and
// incremental files, the writer (aof_writer.h), and rewriting.
//
// Life cycle (redis-server 7.0's):
//   start():   create the directory if missing; load the manifest's files
//              into the engine; if there is neither base nor incr file,
//              write a base from the (empty or loaded) dataset; open the
//              last incr file for appending (creating one if none); persist
//              the manifest; delete history files.
//   start_rewrite() / step_rewrite(): BGREWRITEAOF without fork — a new
//              incr file takes every write from the switch on while a
//              Snapshot writes the dataset as of the switch into the next
//              base in bounded steps; then the manifest swap (old base and
//              incr files become history) and history deletion. See
//              aof_rewrite.h. rewrite() runs all of it in one call.
//
// Crash safety: files are written to a temp name, synced, renamed, and the
// directory synced (write_file_atomically); the manifest is the single
// commit point, so a crash at any moment leaves either the old file set or
// the new one. Stale temp files are harmless and overwritten next time.
//
// A failed write or sync poisons the writer (healthy() false): the host
// refuses writes (MISCONF) and recovers from cron with start_recovery() (in
// steps) or try_recover() (in one call): the same fresh rewrite as
// start_enable's, from memory into new files that no manifest names before
// the base is durable; on success writes are accepted again.
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/io/executor.h"
#include "core/io/file_system.h"
#include "core/persist/aof_loader.h"
#include "core/persist/aof_writer.h"
#include "core/persist/manifest.h"
#include "core/status.h"

namespace amber {

class Engine;
class Snapshot;

struct AofSettings {
  std::string dir = ".";
  std::string dirname = "appendonlydir";
  std::string filename = "appendonly.aof";
  AofFsync fsync = AofFsync::kEverysec;
  bool rdb_preamble = true;      // aof-use-rdb-preamble
  bool load_truncated = true;    // aof-load-truncated
  bool rdb_compression = true;   // rdbcompression
  bool rdb_checksum = true;      // rdbchecksum
  bool disable_auto_gc = false;  // aof-disable-auto-gc
  // Test builds only (core/planted_bugs.h): bugs to plant; null: none.
  const PlantedBugs* planted_bugs = nullptr;
};

class AofManager {
 public:
  // `fsync_executor` (may be null: inline) runs everysec's sync jobs.
  AofManager(FileSystem& fs, Engine& engine, AofSettings settings,
             std::function<void(const std::string&)> log, Executor* fsync_executor = nullptr);
  ~AofManager();
  AofManager(const AofManager&) = delete;
  AofManager& operator=(const AofManager&) = delete;

  // Startup with appendonly yes: load, then open for appending. Installs
  // the writer as the engine's propagation sink. `ctime_s` is for the base.
  Status start(int64_t ctime_s, AofLoadResult* loaded);
  // CONFIG SET appendonly yes at runtime, without stalling the caller
  // (Redis's startAppendOnly): installs the writer as the propagation sink,
  // appending to "temp-<appendfilename>.incr", and starts a Snapshot of the
  // dataset into the next base, its file I/O on `executor`. step_rewrite()
  // advances it; on kDone the temp incr file (synced) is renamed to the next
  // incr name, the manifest (new base, that incr; older files history) is
  // persisted, and active() turns true. On failure — of the base, of an
  // append to the temp incr file, of the swap — the sink is uninstalled,
  // the temp files removed and the files on disk are as before: the caller
  // starts again. REQUIRES: !active() && !rewrite_in_progress().
  Status start_enable(int64_t ctime_s, Executor& executor);
  // True between start_enable() and the end of its rewrite.
  bool enabling() const { return enabling_; }
  // After a failed write or sync (!healthy(), active()): the same fresh
  // rewrite in steps — cut the open incr file to its synced size once, then
  // appends (expiries: writes stay refused) go to the temp incr file while
  // the base is written; the commit names the new base and incr only.
  // healthy() stays false until the commit; on failure the writer stays
  // failed and the manifest's files are untouched. Stops a running rewrite.
  Status start_recovery(int64_t ctime_s, Executor& executor);
  bool recovering() const { return recovering_; }
  // start_enable() run to its end in this call.
  Status enable(int64_t ctime_s);
  // Stops appending (CONFIG SET appendonly no / shutdown): writes and syncs
  // what is buffered, uninstalls the sink.
  Status stop();

  // BGREWRITEAOF (aof_rewrite.cc): switches appends to a new incr file and
  // starts the base snapshot, its file I/O on `executor`. Fails if another
  // snapshot (BGSAVE) observes the dbs. REQUIRES: !rewrite_in_progress().
  Status start_rewrite(int64_t ctime_s, Executor& executor);
  enum class RewriteState { kIdle, kRunning, kDone, kFailed };
  // Walks up to `max_buckets`; when the base is durable swaps the manifest.
  // kFailed sets `error`; the manifest then still names every needed file.
  RewriteState step_rewrite(size_t max_buckets, Status* error);
  // Stops a running rewrite (its temp file is removed).
  void abort_rewrite();
  bool rewrite_in_progress() const { return rewrite_ != nullptr; }
  // The running rewrite's snapshot (INFO current_cow_*, current_save_keys_*);
  // null when none runs.
  const Snapshot* rewrite_snapshot() const;
  // Peak bytes of copy-on-write side buffers of the last finished rewrite
  // (INFO aof_last_cow_size: what amber holds instead of a fork's COW pages).
  uint64_t last_rewrite_cow_bytes() const { return last_rewrite_cow_bytes_; }
  // The whole rewrite in this call (recovery, CONFIG SET appendonly yes).
  Status rewrite(int64_t ctime_s);

  // before_sleep: see AofWriter::flush.
  Status flush();
  // cron: everysec sync.
  Status cron();
  // After a failure: one recovery attempt (start_recovery run to its end
  // in this call). True once healthy.
  bool try_recover(int64_t ctime_s);

  bool active() const { return active_; }
  // Handed to the loader by start() (AofLoadOptions::progress).
  std::function<void()> load_progress;
  // False after a failed append or sync (of the AOF, or while enabling, of
  // the temp incr file), until a recovery commits.
  bool healthy() const { return writer_.healthy() && !recovering_; }
  const Status& last_error() const { return recovering_ ? recovery_error_ : writer_.last_error(); }
  AofWriter& writer() { return writer_; }
  AofSettings& settings() { return settings_; }
  const AofManifest& manifest() const { return manifest_; }
  std::string aof_dir() const { return join_path(settings_.dir, settings_.dirname); }
  uint64_t base_size() const { return base_size_; }
  // Base plus every incr file (INFO aof_current_size).
  uint64_t current_size() const { return incr_done_size_ + writer_.current_size(); }

 private:
  Status write_base(const AofFileInfo& base, int64_t ctime_s, uint64_t* size_bytes);
  Status open_last_incr();
  Status attach_incr(const std::string& path);
  std::string temp_incr_path() const;
  std::unique_ptr<Snapshot> make_base_snapshot(const std::string& base_name, int64_t ctime_s,
                                               Executor& executor);
  Status start_fresh(int64_t ctime_s, Executor& executor);
  Status finish_fresh();
  void cancel_fresh(const Status& error);
  Status run_to_end();
  void recount_sizes();
  Status persist_manifest();
  void delete_history();
  Status swap_manifest();
  Status cut_unsynced_tail();
  Status sync_truncated_file();

  struct RewriteJob {
    std::unique_ptr<Snapshot> snapshot;
    std::string base_name;
    int64_t first_new_incr_seq = 0;  // incr files from here on stay
    bool fresh = false;              // enable/recovery: appends go to the temp incr file
  };

  FileSystem& fs_;
  Engine& engine_;
  AofSettings settings_;
  std::function<void(const std::string&)> log_;
  AofManifest manifest_;
  Executor* fsync_executor_;
  AofWriter writer_;
  std::unique_ptr<RewriteJob> rewrite_;
  bool active_ = false;
  bool enabling_ = false;
  bool recovering_ = false;
  bool tail_cut_ = false;  // the failed incr file was cut (cut_unsynced_tail)
  Status recovery_error_;  // the failure a running recovery repairs
  uint64_t last_rewrite_cow_bytes_ = 0;
  uint64_t base_size_ = 0;
  uint64_t incr_done_size_ = 0;    // base + incr files before the open one
  uint64_t rewrite_attempts_ = 0;  // names each attempt's temp file
};

// The dataset as a RESP base file (aof-use-rdb-preamble no): per non-empty
// db a SELECT, then SET key value and PEXPIREAT key ms per key.
Status write_resp_base(Engine& engine, WritableFile& file);

}  // namespace amber
