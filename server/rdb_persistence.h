// RdbPersistence: RDB snapshots for the server, as Redis 7.0 runs them but
// without fork(): SAVE (synchronous), BGSAVE [SCHEDULE] (an incremental
// core Snapshot stepped from the event loop, its file I/O on a background
// executor), LASTSAVE, the `save <seconds> <changes>` points checked in cron
// (with Redis's 5 s retry delay after a failure), the load of
// dir/dbfilename at startup, the save on SHUTDOWN/SIGTERM and DEBUG RELOAD.
// It answers the MISCONF admission check (stop-writes-on-bgsave-error) and
// INFO persistence's loading/rdb_* fields.
//
// Threads: everything runs on the event-loop thread; only snapshot file
// jobs run on the executor's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/command.h"
#include "core/io/file_system.h"
#include "core/status.h"
#include "server/debug_command.h"
#include "server/rdb_load_report.h"

namespace amber {

class Server;
class Snapshot;
class BackgroundExecutor;

// A look at the keys as a startup load brings them in (the NVM import
// makes them durable and lets them leave DRAM as it goes): `observer` sees
// each record as the loader accepts it, `absorb` runs between records every
// loading-process-events-interval-bytes. An absorb error ends nothing at
// once; the load reports the first one when it is done.
struct RdbLoadTap {
  RdbLoadObserver* observer = nullptr;
  std::function<Status()> absorb;
};

class RdbPersistence {
 public:
  // Registers SAVE, BGSAVE and LASTSAVE on the server's engine.
  explicit RdbPersistence(Server& server);
  ~RdbPersistence();
  RdbPersistence(const RdbPersistence&) = delete;
  RdbPersistence& operator=(const RdbPersistence&) = delete;

  // Loads dir/dbfilename if it exists (not when appendonly is on). False
  // (with a message naming the file and offset) if the file is corrupt.
  bool load_at_startup(std::string* error, RdbLoadTap* tap = nullptr);
  // Advances a running BGSAVE for about a millisecond.
  void before_sleep();
  // Completion of a BGSAVE, save points, scheduled BGSAVE.
  void cron();
  // True while a BGSAVE needs the loop to keep turning.
  bool busy() const;
  // MISCONF: true (and sets `error`) if `spec` must be refused.
  bool deny_writes(const CommandSpec& spec, std::string* error) const;
  // INFO persistence's lines from "loading" to "rdb_last_load_keys_loaded".
  std::string info_fields() const;
  // INFO persistence's loading_* lines, after the AOF's: only while loading.
  std::string loading_info_fields() const;
  bool loading() const { return loading_.active; }
  // Before exiting: stops a BGSAVE, saves if `save` or (save points and
  // not `nosave`). False if the save failed and not `force`.
  bool prepare_shutdown(bool save, bool nosave, bool force);
  // DEBUG RELOAD.
  std::vector<DebugSubcommand> debug_subcommands();

  // Replaces the POSIX file system (tests inject failures). REQUIRES: no
  // BGSAVE in progress; `fs` outlives this.
  void set_file_system(FileSystem& fs) { fs_ = &fs; }
  FileSystem& file_system() { return *fs_; }
  // dir/dbfilename as configured now.
  std::string file_path() const;

  // The AOF side tells whether a rewrite runs (BGSAVE then is scheduled).
  std::function<bool()> aof_rewrite_in_progress;

  // SAVE: the whole snapshot now. Ok or the error.
  Status save_now();
  // BGSAVE: starts the background snapshot.
  Status start_bgsave();
  bool bgsave_in_progress() const { return snapshot_ != nullptr; }
  int64_t last_save_s() const { return last_save_s_; }
  bool last_bgsave_ok() const { return last_bgsave_ok_; }

 private:
  std::vector<std::pair<int64_t, int64_t>> save_points() const;
  std::string next_temp_name();
  void finish_bgsave(bool ok, const Status& error);
  Status load_file(bool merge, RdbLoadTap* tap = nullptr);
  void register_commands();
  void bgsave_command(CommandContext& ctx);

  Server& server_;
  std::unique_ptr<FileSystem> owned_fs_;
  FileSystem* fs_;
  std::unique_ptr<BackgroundExecutor> executor_;
  std::unique_ptr<Snapshot> snapshot_;

  uint64_t temp_counter_ = 0;
  int64_t last_save_s_ = 0;
  bool last_bgsave_ok_ = true;
  bool bgsave_scheduled_ = false;
  int64_t last_bgsave_try_s_ = 0;
  int64_t bgsave_start_ms_ = -1;
  int64_t last_bgsave_time_s_ = -1;
  uint64_t dirty_before_bgsave_ = 0;
  uint64_t saves_ = 0;
  uint64_t last_cow_bytes_ = 0;
  uint64_t last_load_keys_loaded_ = 0;
  uint64_t last_load_keys_expired_ = 0;
  LoadingState loading_;
};

}  // namespace amber
