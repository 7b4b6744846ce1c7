// Redis's snapshot life cycle (rdb.c saveCommand/bgsaveCommand, serverCron's
// save points, prepareForShutdown, debug.c RELOAD) over amber's fork-less
// Snapshot. A BGSAVE walks the keyspace in ~1 ms slices from before_sleep;
// the file is written and fsynced on a background executor. Changes since
// the last save (`dirty`) drop by what was counted when the BGSAVE started,
// so writes made during it still count, as with Redis's fork.
#include "server/rdb_persistence.h"

#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "core/args.h"
#include "core/assert.h"
#include "core/errors.h"
#include "core/io/posix_file_system.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "core/persist/snapshot.h"
#include "server/aof_persistence.h"
#include "server/background_executor.h"
#include "server/config.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr int64_t kBgsaveRetryDelayS = 5;  // CONFIG_BGSAVE_RETRY_DELAY
constexpr int64_t kStepBudgetUs = 1000;
constexpr size_t kBucketsPerStep = 64;

constexpr std::string_view kMisconf =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB "
    "error.";

}  // namespace

RdbPersistence::RdbPersistence(Server& server)
    : server_(server),
      owned_fs_(std::make_unique<PosixFileSystem>()),
      fs_(owned_fs_.get()),
      executor_(std::make_unique<BackgroundExecutor>()) {
  last_save_s_ = server_.now_s();
  register_commands();
}

RdbPersistence::~RdbPersistence() {
  if (snapshot_ != nullptr) snapshot_->abort();
  snapshot_.reset();
  executor_->drain();
}

std::vector<std::pair<int64_t, int64_t>> RdbPersistence::save_points() const {
  std::vector<std::pair<int64_t, int64_t>> points;
  std::istringstream in(server_.config().get_string("save"));
  int64_t seconds, changes;
  while (in >> seconds >> changes) points.emplace_back(seconds, changes);
  return points;
}

std::string RdbPersistence::next_temp_name() {
  return "temp-" + std::to_string(getpid()) + "-" + std::to_string(++temp_counter_) + ".rdb";
}

static SnapshotOptions snapshot_options(Server& server, std::string temp_name) {
  Config& config = server.config();
  SnapshotOptions options;
  options.rdb.compression = config.get_bool("rdbcompression");
  options.rdb.checksum = config.get_bool("rdbchecksum");
  options.rdb.ctime_s = server.now_s();
  options.dir = config.get_string("dir");
  options.temp_name = std::move(temp_name);
  options.final_name = config.get_string("dbfilename");
  return options;
}

// SAVE blocks the loop, so nothing changes while it writes: it needs no
// copy-on-write and leaves a running AOF rewrite's snapshot alone (Redis
// 7.0's saveCommand refuses only during a BGSAVE; rdbSave ignores the AOF
// rewrite child).
Status RdbPersistence::save_now() {
  SnapshotOptions options = snapshot_options(server_, "");
  std::vector<Db*> dbs = engine_dbs(server_.engine());
  Status status = save_rdb_file(*fs_, options.dir, options.final_name, dbs, options.rdb);
  if (!status.ok()) {
    server_.logger().log(LogLevel::kWarning, "Write error saving DB on disk: " + status.message());
    return status;
  }
  server_.logger().log(LogLevel::kNotice, "DB saved on disk");
  server_.engine().stats().dirty = 0;
  last_save_s_ = server_.now_s();
  last_bgsave_ok_ = true;
  return {};
}

Status RdbPersistence::start_bgsave() {
  AMBER_ASSERT(snapshot_ == nullptr);
  last_bgsave_try_s_ = server_.now_s();
  dirty_before_bgsave_ = server_.engine().stats().dirty;
  ++saves_;
  snapshot_ = std::make_unique<Snapshot>(engine_dbs(server_.engine()), *fs_, *executor_,
                                         snapshot_options(server_, next_temp_name()));
  Status status = snapshot_->start();
  if (!status.ok()) {
    server_.logger().log(LogLevel::kWarning, "Can't save in background: " + status.message());
    snapshot_.reset();
    last_bgsave_ok_ = false;
    return status;
  }
  bgsave_start_ms_ = server_.engine().clock().now_ms();
  server_.logger().log(LogLevel::kNotice, "Background saving started (fork-less snapshot)");
  return {};
}

void RdbPersistence::finish_bgsave(bool ok, const Status& error) {
  last_cow_bytes_ = snapshot_->cow_peak_bytes();
  snapshot_.reset();
  int64_t now_ms = server_.engine().clock().now_ms();
  last_bgsave_time_s_ = (now_ms - bgsave_start_ms_) / 1000;
  bgsave_start_ms_ = -1;
  last_bgsave_ok_ = ok;
  if (ok) {
    uint64_t& dirty = server_.engine().stats().dirty;
    dirty = dirty >= dirty_before_bgsave_ ? dirty - dirty_before_bgsave_ : 0;
    last_save_s_ = now_ms / 1000;
    server_.logger().log(LogLevel::kNotice, "Background saving terminated with success");
  } else {
    server_.logger().log(LogLevel::kWarning, "Background saving error: " + error.message());
  }
}

bool RdbPersistence::busy() const { return snapshot_ != nullptr; }

void RdbPersistence::before_sleep() {
  if (snapshot_ == nullptr) return;
  Clock& clock = server_.engine().clock();
  const int64_t deadline_us = clock.now_us() + kStepBudgetUs;
  Snapshot::State state = snapshot_->state();
  while (state == Snapshot::State::kRunning && clock.now_us() < deadline_us) {
    uint64_t before = snapshot_->bytes_written() + snapshot_->keys_saved();
    state = snapshot_->step(kBucketsPerStep);
    if (snapshot_->bytes_written() + snapshot_->keys_saved() == before) break;  // waiting for I/O
  }
  if (state == Snapshot::State::kDone) finish_bgsave(true, {});
  if (state == Snapshot::State::kFailed) finish_bgsave(false, snapshot_->error());
}

void RdbPersistence::cron() {
  before_sleep();  // also polls completion
  if (snapshot_ != nullptr) return;
  bool rewriting = aof_rewrite_in_progress && aof_rewrite_in_progress();
  if (rewriting) return;
  const int64_t now_s = server_.now_s();
  const bool may_retry = last_bgsave_ok_ || now_s - last_bgsave_try_s_ > kBgsaveRetryDelayS;
  if (bgsave_scheduled_ && may_retry) {
    bgsave_scheduled_ = false;
    (void)start_bgsave();
    return;
  }
  const uint64_t dirty = server_.engine().stats().dirty;
  for (const auto& [seconds, changes] : save_points()) {
    if (dirty >= static_cast<uint64_t>(changes) && now_s - last_save_s_ > seconds && may_retry) {
      server_.logger().log(LogLevel::kNotice, std::to_string(changes) + " changes in " +
                                                  std::to_string(seconds) + " seconds. Saving...");
      (void)start_bgsave();
      return;
    }
  }
}

bool RdbPersistence::deny_writes(const CommandSpec& spec, std::string* error) const {
  if (last_bgsave_ok_) return false;
  if (!(spec.flags & kCmdWrite) && spec.name != "ping") return false;
  if (!server_.config().get_bool("stop-writes-on-bgsave-error")) return false;
  if (save_points().empty()) return false;
  *error = kMisconf;
  return true;
}

std::string RdbPersistence::info_fields() const {
  int64_t current = -1;
  if (bgsave_start_ms_ >= 0)
    current = (server_.engine().clock().now_ms() - bgsave_start_ms_) / 1000;
  // current_*: the running BGSAVE's or AOF rewrite's snapshot (Redis: the
  // active child's); its copy-on-write side buffers stand for a fork's COW.
  const Snapshot* active = snapshot_ ? snapshot_.get() : server_.aof().rewrite_snapshot();
  uint64_t processed = active ? active->keys_saved() : 0;
  uint64_t total = active ? active->keys_total() : 0;
  uint64_t cow = active ? active->cow_bytes() : 0;
  uint64_t cow_peak = active ? active->cow_peak_bytes() : 0;
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      "loading:%d\r\nasync_loading:0\r\ncurrent_cow_peak:%llu\r\ncurrent_cow_size:%llu\r\n"
      "current_cow_size_age:0\r\ncurrent_fork_perc:%.2f\r\ncurrent_save_keys_processed:%llu\r\n"
      "current_save_keys_total:%llu\r\nrdb_changes_since_last_save:%llu\r\n"
      "rdb_bgsave_in_progress:%d\r\nrdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
      "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\nrdb_saves:%llu\r\n"
      "rdb_last_cow_size:%llu\r\nrdb_last_load_keys_expired:%llu\r\n"
      "rdb_last_load_keys_loaded:%llu\r\n",
      loading_.active || server_.loading() ? 1 : 0, static_cast<unsigned long long>(cow_peak),
      static_cast<unsigned long long>(cow),
      total ? 100.0 * static_cast<double>(processed) / static_cast<double>(total) : 0.0,
      static_cast<unsigned long long>(processed), static_cast<unsigned long long>(total),
      static_cast<unsigned long long>(server_.engine().stats().dirty), snapshot_ ? 1 : 0,
      static_cast<long long>(last_save_s_), last_bgsave_ok_ ? "ok" : "err",
      static_cast<long long>(last_bgsave_time_s_), static_cast<long long>(current),
      static_cast<unsigned long long>(saves_), static_cast<unsigned long long>(last_cow_bytes_),
      static_cast<unsigned long long>(last_load_keys_expired_),
      static_cast<unsigned long long>(last_load_keys_loaded_));
  return buf;
}

std::string RdbPersistence::loading_info_fields() const {
  return loading_info_lines(loading_, server_.now_s());
}

}  // namespace amber
