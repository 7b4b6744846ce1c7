// AofPersistence: the server's side of the append-only file. It reads the
// AOF parameters from Config (appendonly, appendfsync, appenddirname,
// appendfilename, aof-use-rdb-preamble, aof-load-truncated,
// auto-aof-rewrite-*, aof-disable-auto-gc), drives an AofManager from the
// event loop, and answers for it to clients:
//
//   main ─> start()            load the AOF (refuse to start on error)
//   loop ─> before_sleep()     write (+ fsync) before any reply is sent;
//                              start a requested rewrite, advance a running
//                              one by ~1 ms of work
//        ─> cron()             everysec fsync, scheduled/automatic
//                              rewrites, recovery after a disk error
//   gate ─> deny_writes()      -MISCONF while the AOF cannot be written
//   BGREWRITEAOF, CONFIG SET appendonly/appendfsync, INFO persistence.
//
// CONFIG SET appendonly yes is Redis's startAppendOnly: the reply comes at
// once and the AOF waits for a rewrite (AOF_WAIT_REWRITE: INFO aof_enabled:1,
// aof_rewrite_in_progress:1, or aof_rewrite_scheduled:1 while a BGSAVE
// runs). The rewrite is stepped like BGREWRITEAOF's; writes meanwhile go to
// a temp incr file that becomes the first incr file when the base is done
// (AofManager::start_enable). A failed attempt is scheduled again.
//
// With appendfsync always a failed write or fsync is fatal (the process
// exits, as redis-server does): replies already produced for the batch must
// never be sent. Otherwise writes are refused until a rewrite into fresh
// files succeeds; cron starts one a second, stepped in the background like
// BGREWRITEAOF's, so reads go on being served meanwhile. everysec's fsyncs run on a background
// thread of their own (Redis's bio AOF fsync thread); a rewrite's file writes on another, so a
// rewrite never delays an fsync. A rewrite always starts between commands (before_sleep/cron),
// never inside one: a unit propagated after the switch must not hold writes the new base already
// has (BGREWRITEAOF in MULTI). Only one background snapshot-like job runs at a time: BGREWRITEAOF
// during a BGSAVE is scheduled. SAVE during a rewrite runs without disturbing it
// (redis-server 7.0's rdbSave does not look at the AOF child).
// Thread: the event loop's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/assert.h"
#include "core/command.h"
#include "core/io/posix_file_system.h"
#include "core/persist/aof_manager.h"
#include "server/background_executor.h"
#include "server/debug_command.h"

namespace amber {

class Server;
class Config;

class AofPersistence {
 public:
  explicit AofPersistence(Server& server);
  ~AofPersistence();

  // At startup, before serving: with appendonly yes loads the AOF (or
  // creates it). False with a message if the server must not start.
  bool start(std::string* error);
  void before_sleep();
  void cron();
  // Clean shutdown: flush and fsync.
  void shutdown();

  // The AOF takes writes and is what a restart loads (Redis's AOF_ON).
  bool enabled() const { return manager_ != nullptr && manager_->active(); }
  // appendonly yes but the first rewrite has not finished (AOF_WAIT_REWRITE).
  bool waiting_for_rewrite() const { return wait_rewrite_; }
  bool rewrite_in_progress() const {
    return manager_ != nullptr && manager_->rewrite_in_progress();
  }
  // True while the loop must keep turning (a rewrite to advance).
  bool busy() const { return rewrite_in_progress() || rewrite_requested_; }
  // The running rewrite's snapshot (INFO current_cow_*); null if none.
  const Snapshot* rewrite_snapshot() const {
    return manager_ == nullptr ? nullptr : manager_->rewrite_snapshot();
  }
  // The MISCONF text for a write (or PING) while the AOF is failing.
  bool deny_writes(const CommandSpec& spec, std::string* error) const;
  // INFO persistence's aof_* fields.
  std::string info_fields() const;
  // DEBUG LOADAOF.
  std::vector<DebugSubcommand> debug_subcommands();

  // Replaces the POSIX file system (tests inject failures). REQUIRES: the
  // AOF was never started (no AofManager yet); `fs` outlives this.
  void set_file_system(FileSystem& fs) {
    AMBER_ASSERT(manager_ == nullptr);
    fs_ = &fs;
  }

 private:
  AofSettings read_settings() const;
  void log(const std::string& line) const;
  AofManager& manager();
  void start_rewrite();
  void step_rewrite();
  void finish_rewrite(bool ok, const Status& error);
  bool bgsave_running() const;
  void check_auto_rewrite();
  void bgrewriteaof(CommandContext& ctx);
  bool set_appendonly(std::string* error);
  bool turn_on(std::string* error);
  void turn_off();
  bool rewrite_limited();
  void start_recovery();
  // A rewrite into a temp incr file runs (turning the AOF on, recovery).
  bool fresh_rewrite_running() const {
    return manager_ != nullptr && (manager_->enabling() || manager_->recovering());
  }
  void register_commands();
  void debug_loadaof(CommandContext& ctx);

  Server& server_;
  PosixFileSystem posix_fs_;
  FileSystem* fs_ = &posix_fs_;
  // Declared before manager_: its jobs must be able to run while it goes.
  std::unique_ptr<BackgroundExecutor> fsync_executor_;
  std::unique_ptr<BackgroundExecutor> rewrite_executor_;
  std::unique_ptr<AofManager> manager_;
  bool rewrite_scheduled_ = false;  // waits for a BGSAVE to end
  bool rewrite_requested_ = false;  // BGREWRITEAOF replied "started"
  int64_t rewrite_start_ms_ = -1;
  uint64_t delayed_fsyncs_logged_ = 0;
  bool last_rewrite_ok_ = true;
  uint64_t rewrites_ = 0;
  uint64_t rewrite_failures_ = 0;
  int64_t last_rewrite_time_s_ = -1;
  uint64_t rewrite_base_size_ = 0;  // aof size after the last rewrite / load
  int64_t last_recovery_try_ms_ = 0;
  bool wait_rewrite_ = false;           // appendonly yes, waiting for the first rewrite
  bool recovery_only_ = false;          // the running rewrite is cron's recovery
  int64_t next_limited_rewrite_s_ = 0;  // aofRewriteLimited's retry time
  int64_t limited_delay_min_ = 0;
};

}  // namespace amber
