// The AOF in the server (see aof_persistence.h): configuration, the
// before-sleep flush that makes `appendfsync always` a group commit (the
// server writes replies only after this returns), the fork-less rewrite
// stepped from the loop, cron duties, the MISCONF admission rule,
// BGREWRITEAOF and the INFO fields.
#include "server/aof_persistence.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/engine.h"
#include "server/config.h"
#include "server/nvm_persistence_host.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr int64_t kStepBudgetUs = 1000;
constexpr size_t kBucketsPerStep = 64;
// aofRewriteLimited: after this many failed rewrites in a row, retries wait
// 1, 2, 4 ... up to 60 minutes.
constexpr uint64_t kRewriteLimitThreshold = 3;
constexpr int64_t kRewriteLimitMaxMinutes = 60;

AofFsync parse_fsync(const std::string& value) {
  if (value == "always") return AofFsync::kAlways;
  if (value == "no") return AofFsync::kNo;
  return AofFsync::kEverysec;
}

}  // namespace

AofPersistence::AofPersistence(Server& server)
    : server_(server),
      fsync_executor_(std::make_unique<BackgroundExecutor>()),
      rewrite_executor_(std::make_unique<BackgroundExecutor>()) {
  Config& config = server_.config();
  config.on_change("appendonly", [this](std::string* error) { return set_appendonly(error); });
  config.on_change("appendfsync", [this](std::string*) {
    if (manager_) {
      manager_->writer().set_policy(parse_fsync(server_.config().get_string("appendfsync")));
    }
    return true;
  });
  for (std::string_view name : {"aof-use-rdb-preamble", "aof-load-truncated", "rdbcompression",
                                "rdbchecksum", "aof-disable-auto-gc", "dir"}) {
    config.on_change(name, [this](std::string*) {
      if (manager_) {
        AofSettings fresh = read_settings();
        AofSettings& s = manager_->settings();
        s.rdb_preamble = fresh.rdb_preamble;
        s.load_truncated = fresh.load_truncated;
        s.rdb_compression = fresh.rdb_compression;
        s.rdb_checksum = fresh.rdb_checksum;
        s.disable_auto_gc = fresh.disable_auto_gc;
      }
      return true;
    });
  }
  register_commands();
}

AofPersistence::~AofPersistence() {
  manager_.reset();  // aborts a rewrite; its last jobs still run
  rewrite_executor_->drain();
  fsync_executor_->drain();
}

AofManager& AofPersistence::manager() {
  if (manager_ == nullptr) {
    manager_ = std::make_unique<AofManager>(
        *fs_, server_.engine(), read_settings(), [this](const std::string& line) { log(line); },
        fsync_executor_.get());
  }
  return *manager_;
}

AofSettings AofPersistence::read_settings() const {
  const Config& config = server_.config();
  AofSettings s;
  s.dir = config.get_string("dir");
  s.dirname = config.get_string("appenddirname");
  s.filename = config.get_string("appendfilename");
  s.fsync = parse_fsync(config.get_string("appendfsync"));
  s.rdb_preamble = config.get_bool("aof-use-rdb-preamble");
  s.load_truncated = config.get_bool("aof-load-truncated");
  s.rdb_compression = config.get_bool("rdbcompression");
  s.rdb_checksum = config.get_bool("rdbchecksum");
  s.disable_auto_gc = config.get_bool("aof-disable-auto-gc");
  return s;
}

void AofPersistence::log(const std::string& line) const {
  server_.logger().log(LogLevel::kNotice, line);
}

bool AofPersistence::start(std::string* error) {
  Engine& engine = server_.engine();
  engine.options().lazyfree_lazy_expire = server_.config().get_bool("lazyfree-lazy-expire");
  engine.options().lazyfree_lazy_user_del = server_.config().get_bool("lazyfree-lazy-user-del");
  if (!server_.config().get_bool("appendonly")) return true;
  AofLoadResult loaded;
  manager().load_progress = [this] { server_.serve_while_loading(); };
  auto start = std::chrono::steady_clock::now();
  Status s = manager().start(server_.now_s(), &loaded);
  if (!s.ok()) {
    *error = s.message();
    server_.logger().log(LogLevel::kWarning, *error);
    manager_.reset();
    return false;
  }
  if (loaded.total_size > 0) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    char line[80];
    std::snprintf(line, sizeof(line), "DB loaded from append only file: %.3f seconds",
                  took.count());
    log(line);
  }
  rewrite_base_size_ = manager_->current_size();
  return true;
}

void AofPersistence::before_sleep() {
  if (rewrite_requested_) start_rewrite();
  if (rewrite_in_progress()) step_rewrite();
  if (fresh_rewrite_running()) {
    // The AOF is not on yet, or refuses writes until the recovery commits:
    // no reply depends on these bytes. A failure ends the attempt at its
    // next step; it is tried again.
    (void)manager_->flush();
    return;
  }
  if (!enabled()) return;
  AofWriter& writer = manager_->writer();
  // Under `always` every earlier failure exited, so a failed writer here
  // failed in this iteration (a rewrite's switch, cron's write) with the
  // batch's writes in it (found by amber-sim): same as a failed flush.
  if (!manager_->healthy() && writer.policy() != AofFsync::kAlways) return;
  Status s = manager_->healthy() ? manager_->flush() : manager_->last_error();
  if (writer.delayed_fsyncs() != delayed_fsyncs_logged_) {
    delayed_fsyncs_logged_ = writer.delayed_fsyncs();
    log("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
        "without waiting for fsync to complete, this may slow down Redis.");
  }
  if (s.ok()) return;
  if (writer.policy() == AofFsync::kAlways) {
    // The batch's replies must not leave: they would acknowledge writes the
    // disk may not hold.
    server_.logger().log(LogLevel::kWarning,
                         "Can't recover from AOF write error when the AOF fsync policy is "
                         "'always'. Exiting...");
    std::_Exit(1);
  }
  server_.logger().log(LogLevel::kWarning, "Error writing to the AOF file: " + s.message());
}

void AofPersistence::cron() {
  if (rewrite_scheduled_ && !rewrite_in_progress() && !bgsave_running() && !rewrite_limited()) {
    start_rewrite();
  }
  if (fresh_rewrite_running()) {
    (void)manager_->cron();  // everysec's sync of the temp incr file
    return;
  }
  if (manager_ == nullptr || !enabled()) return;
  if (!manager_->healthy()) {
    int64_t now_ms = server_.engine().clock().now_ms();
    // Redis retries a failed AOF write about once a second.
    if (now_ms - last_recovery_try_ms_ >= 1000) {
      last_recovery_try_ms_ = now_ms;
      start_recovery();
    }
    return;
  }
  Status s = manager_->cron();
  if (!s.ok()) {
    server_.logger().log(LogLevel::kWarning, "Error syncing the AOF file: " + s.message());
    return;
  }
  check_auto_rewrite();
}

void AofPersistence::check_auto_rewrite() {
  if (rewrite_in_progress() || rewrite_requested_ || rewrite_scheduled_ || bgsave_running()) return;
  int64_t perc = server_.config().get_int("auto-aof-rewrite-percentage");
  uint64_t min_size = static_cast<uint64_t>(server_.config().get_int("auto-aof-rewrite-min-size"));
  uint64_t size = manager_->current_size();
  if (perc <= 0 || size <= min_size) return;
  uint64_t base = rewrite_base_size_ == 0 ? 1 : rewrite_base_size_;
  int64_t growth = static_cast<int64_t>(size * 100 / base) - 100;
  if (growth >= perc && !rewrite_limited()) {
    log("Starting automatic rewriting of AOF on " + std::to_string(growth) + "% growth");
    start_rewrite();
  }
}

bool AofPersistence::bgsave_running() const { return server_.rdb().bgsave_in_progress(); }

// Redis's aofRewriteLimited: a disk that keeps failing must not get a new
// rewrite (and, while the AOF is on, a new incr file) every cron tick.
bool AofPersistence::rewrite_limited() {
  if (rewrite_failures_ < kRewriteLimitThreshold) {
    limited_delay_min_ = next_limited_rewrite_s_ = 0;
    return false;
  }
  const int64_t now_s = server_.now_s();
  if (next_limited_rewrite_s_ != 0) {
    if (now_s < next_limited_rewrite_s_) return true;
    next_limited_rewrite_s_ = 0;
    return false;
  }
  limited_delay_min_ =
      std::min(limited_delay_min_ == 0 ? 1 : limited_delay_min_ * 2, kRewriteLimitMaxMinutes);
  next_limited_rewrite_s_ = now_s + limited_delay_min_ * 60;
  server_.logger().log(LogLevel::kWarning,
                       "Background AOF rewrite has repeatedly failed and triggered the limit, "
                       "will retry in " +
                           std::to_string(limited_delay_min_) + " minutes");
  return true;
}

// Called between commands only (see the header).
void AofPersistence::start_rewrite() {
  rewrite_requested_ = rewrite_scheduled_ = false;
  AofManager& m = manager();
  if (m.rewrite_in_progress()) return;
  ++rewrites_;
  rewrite_start_ms_ = server_.engine().clock().now_ms();
  Status s;
  if (wait_rewrite_) {
    s = m.start_enable(server_.now_s(), *rewrite_executor_);
    if (!s.ok()) {
      finish_rewrite(false, s);
      return;
    }
    log("Background append only file rewriting started (fork-less)");
    return;
  }
  // After a disk error the rewrite is the recovery (writes stay refused
  // until it commits).
  if (m.active() && !m.healthy()) {
    s = m.start_recovery(server_.now_s(), *rewrite_executor_);
  } else {
    s = m.start_rewrite(server_.now_s(), *rewrite_executor_);
  }
  if (!s.ok()) {
    finish_rewrite(false, s);
    return;
  }
  log("Background append only file rewriting started (fork-less)");
}

void AofPersistence::step_rewrite() {
  Clock& clock = server_.engine().clock();
  const int64_t deadline_us = clock.now_us() + kStepBudgetUs;
  Status error;
  AofManager::RewriteState state;
  do {
    state = manager_->step_rewrite(kBucketsPerStep, &error);
  } while (state == AofManager::RewriteState::kRunning && clock.now_us() < deadline_us);
  if (state == AofManager::RewriteState::kRunning) return;
  if (recovery_only_) {
    recovery_only_ = false;
    if (state == AofManager::RewriteState::kDone) rewrite_base_size_ = manager_->current_size();
    return;  // a failure is tried again by cron
  }
  finish_rewrite(state == AofManager::RewriteState::kDone, error);
}

// cron's recovery after a failed write or sync: a fresh rewrite stepped
// like BGREWRITEAOF's (AofManager::start_recovery). A BGREWRITEAOF that met
// the failure is replaced by it and counts as that rewrite.
void AofPersistence::start_recovery() {
  const bool counted = rewrite_in_progress();
  Status s = manager_->start_recovery(server_.now_s(), *rewrite_executor_);
  recovery_only_ = s.ok() && !counted;
  if (!s.ok() && counted) finish_rewrite(false, s);
}

void AofPersistence::finish_rewrite(bool ok, const Status& error) {
  last_rewrite_time_s_ = (server_.engine().clock().now_ms() - rewrite_start_ms_) / 1000;
  rewrite_start_ms_ = -1;
  last_rewrite_ok_ = ok;
  if (ok) {
    rewrite_failures_ = 0;
    rewrite_base_size_ = manager_->current_size();
    log("Background AOF rewrite terminated with success");
    wait_rewrite_ = false;
  } else {
    ++rewrite_failures_;
    server_.logger().log(LogLevel::kWarning, "Background AOF rewrite failed: " + error.message());
    // Redis schedules a new rewrite while waiting for one to turn the AOF on.
    if (wait_rewrite_) rewrite_scheduled_ = true;
  }
}

void AofPersistence::shutdown() {
  if (wait_rewrite_) {
    // Only a forced shutdown gets here (Server::may_exit_before_initial_aof):
    // the next start loads the RDB, as if appendonly had stayed no.
    turn_off();
    return;
  }
  if (!enabled()) return;
  Status s = manager_->stop();
  if (!s.ok()) {
    server_.logger().log(LogLevel::kWarning, "Error flushing the AOF at shutdown: " + s.message());
  }
}

bool AofPersistence::set_appendonly(std::string* error) {
  bool want = server_.config().get_bool("appendonly");
  if (want == (enabled() || wait_rewrite_)) return true;
  if (!want) {
    turn_off();
    return true;
  }
  if (server_.nvm().enabled()) {
    // One propagation sink at a time: the NVM log already holds every write.
    *error = "appendonly cannot be turned on while nvm-enabled is yes";
    return false;
  }
  return turn_on(error);
}

// Redis's startAppendOnly. The rewrite starts in before_sleep of this very
// iteration, after the command (CONFIG SET inside MULTI: after EXEC, whose
// writes the base must hold and the incr file must not).
bool AofPersistence::turn_on(std::string* error) {
  const AofSettings settings = read_settings();
  const std::string dir = join_path(settings.dir, settings.dirname);
  Status s = fs_->create_dir_if_missing(dir);
  if (!s.ok()) {
    server_.logger().log(LogLevel::kWarning,
                         "Can't open or create append-only dir " + dir + ": " + s.message());
    *error = "Unable to turn on AOF. Check server logs.";
    return false;
  }
  wait_rewrite_ = true;
  if (rewrite_in_progress()) {  // a BGREWRITEAOF with the AOF off
    server_.logger().log(LogLevel::kWarning,
                         "AOF was enabled but there is already an AOF rewriting in background. "
                         "Stopping background AOF and starting a rewrite now.");
    manager_->abort_rewrite();
    rewrite_start_ms_ = -1;
  }
  // dir may have changed since an earlier start (CONFIG SET dir).
  if (manager_ != nullptr) manager_->settings() = settings;
  if (bgsave_running()) {
    rewrite_scheduled_ = true;
    server_.logger().log(LogLevel::kWarning,
                         "AOF was enabled but there is already another background operation. An "
                         "AOF background was scheduled to start when possible.");
    return true;
  }
  rewrite_requested_ = true;
  return true;
}

// Redis's stopAppendOnly: buffered writes are written and synced, a running
// rewrite is killed, a scheduled one forgotten.
void AofPersistence::turn_off() {
  if (manager_ != nullptr) {
    Status s = manager_->stop();
    if (!s.ok()) log("Error flushing the AOF: " + s.message());
  }
  wait_rewrite_ = rewrite_scheduled_ = rewrite_requested_ = recovery_only_ = false;
  rewrite_start_ms_ = -1;
}

bool AofPersistence::deny_writes(const CommandSpec& spec, std::string* error) const {
  // Redis: aof_state != AOF_OFF and the last write (here: to the temp incr
  // file too while waiting for the first rewrite) failed.
  if (manager_ == nullptr || manager_->healthy()) return false;
  if (!enabled() && !manager_->enabling()) return false;
  if (!(spec.flags & kCmdWrite) && spec.name != "ping") return false;
  int err = manager_->last_error().sys_errno();
  *error = std::string("MISCONF Errors writing to the AOF file: ") + std::strerror(err ? err : EIO);
  return true;
}

std::string AofPersistence::info_fields() const {
  std::string out;
  auto field = [&out](const char* name, const std::string& value) {
    out.append(name).append(":").append(value).append("\r\n");
  };
  field("aof_enabled", enabled() || wait_rewrite_ ? "1" : "0");
  const int64_t now_ms = server_.engine().clock().now_ms();
  // A requested rewrite starts before this iteration's replies leave.
  field("aof_rewrite_in_progress", rewrite_in_progress() || rewrite_requested_ ? "1" : "0");
  field("aof_rewrite_scheduled", rewrite_scheduled_ ? "1" : "0");
  field("aof_last_rewrite_time_sec", std::to_string(last_rewrite_time_s_));
  field("aof_current_rewrite_time_sec",
        std::to_string(rewrite_start_ms_ >= 0 ? (now_ms - rewrite_start_ms_) / 1000 : -1));
  field("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  field("aof_rewrites", std::to_string(rewrites_));
  field("aof_rewrites_consecutive_failures", std::to_string(rewrite_failures_));
  field("aof_last_write_status", manager_ == nullptr || manager_->healthy() ? "ok" : "err");
  // No fork: the copy-on-write memory is the peak of the last rewrite's side
  // buffers (entries changed before the walk reached them).
  field("aof_last_cow_size",
        std::to_string(manager_ == nullptr ? 0 : manager_->last_rewrite_cow_bytes()));
  field("module_fork_in_progress", "0");  // no modules, no fork
  field("module_fork_last_cow_size", "0");
  // Redis prints these when appendonly is yes (server.aof_enabled).
  if (manager_ != nullptr && (enabled() || wait_rewrite_)) {
    field("aof_current_size", std::to_string(manager_->current_size()));
    field("aof_base_size", std::to_string(manager_->base_size()));
    field("aof_pending_rewrite", rewrite_scheduled_ ? "1" : "0");
    field("aof_buffer_length", std::to_string(manager_->writer().buffer_length()));
    AofWriter& writer = manager_->writer();
    field("aof_pending_bio_fsync", writer.sync_pending() ? "1" : "0");
    field("aof_delayed_fsync", std::to_string(writer.delayed_fsyncs()));
  }
  return out;
}

void AofPersistence::register_commands() {
  CommandSpec spec;
  spec.name = "bgrewriteaof";
  spec.arity = 1;
  spec.flags = kCmdAdmin | kCmdNoScript;
  spec.handler = [this](CommandContext& ctx) { bgrewriteaof(ctx); };
  server_.engine().register_command(std::move(spec));
}

std::vector<DebugSubcommand> AofPersistence::debug_subcommands() {
  DebugSubcommand loadaof;
  loadaof.name = "loadaof";
  loadaof.help = {"LOADAOF", "    Flush the AOF buffers on disk and reload the AOF in memory."};
  loadaof.handler = [this](CommandContext& ctx) { debug_loadaof(ctx); };
  return {std::move(loadaof)};
}

// Redis's DEBUG LOADAOF: write out what is buffered, empty the keyspace and
// load the AOF's files as a restart would. Redis exits when the AOF is off
// (there is nothing to load) and so would leave every client without a
// server; amber answers an error instead. A running rewrite is stopped
// first: the manifest on disk names every file the load needs.
void AofPersistence::debug_loadaof(CommandContext& ctx) {
  if (!enabled()) {
    ctx.reply.error("ERR DEBUG LOADAOF needs appendonly yes (and its first rewrite done)");
    return;
  }
  if (rewrite_in_progress()) {
    manager_->abort_rewrite();
    log("Background append only file rewriting stopped by DEBUG LOADAOF");
  }
  rewrite_scheduled_ = rewrite_requested_ = false;
  rewrite_start_ms_ = -1;
  Status s = manager_->stop();
  if (!s.ok()) {
    ctx.reply.error("ERR Error flushing the AOF: " + s.message());
    return;
  }
  Engine& engine = ctx.engine;
  for (int i = 0; i < engine.db_count(); ++i) engine.empty_db(i);
  manager_.reset();
  AofLoadResult loaded;
  s = manager().start(server_.now_s(), &loaded);
  if (!s.ok()) {
    // As redis-server: the keyspace is gone and the files did not load;
    // they stay on disk as they are for the operator to look at.
    server_.logger().log(LogLevel::kWarning,
                         "DEBUG LOADAOF failed: " + s.message() + ". Exiting...");
    std::_Exit(1);
  }
  engine.stats().dirty = 0;  // the loaded writes are not changes to save
  rewrite_base_size_ = manager_->current_size();
  log("Append Only File loaded by DEBUG LOADAOF");
  ctx.reply.ok();
}

// Redis's bgrewriteaofCommand. "started" is answered at once; the switch
// to the new incr file happens before the next poll, between commands,
// and before this reply is written.
void AofPersistence::bgrewriteaof(CommandContext& ctx) {
  if (rewrite_in_progress() || rewrite_requested_) {
    ctx.reply.error("ERR Background append only file rewriting already in progress");
  } else if (bgsave_running()) {
    rewrite_scheduled_ = true;
    rewrite_failures_ = 0;
    ctx.reply.simple("Background append only file rewriting scheduled");
  } else {
    rewrite_requested_ = true;
    ctx.reply.simple("Background append only file rewriting started");
  }
}

}  // namespace amber
