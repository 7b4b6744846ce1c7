// Snapshots only (no AOF) under test: server/rdb_persistence.cc's life
// cycle over SimFs — load dump.rdb at startup, BGSAVE as a fork-less
// Snapshot stepped between batches with its file I/O on the simulator's
// executor, save points checked in cron (with Redis's 5 s retry delay after
// a failure), and MISCONF (stop-writes-on-bgsave-error) after a failed
// BGSAVE. It tells the checker when a snapshot takes its point in time and
// when it completes: the promise is exactly the last completed one.
#include "core/engine.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "core/persist/snapshot.h"
#include "sim/persistence_under_test.h"
#include "sim/sim_executor.h"
#include "sim/sim_fs.h"

namespace amber::sim {
namespace {

constexpr int64_t kBgsaveRetryDelayS = 5;  // CONFIG_BGSAVE_RETRY_DELAY
constexpr size_t kBucketsPerStep = 4;

class SnapshotUnderTest final : public PersistenceUnderTest {
 public:
  SnapshotUnderTest(const PersistenceSettings& settings, PersistenceEnv env)
      : settings_(settings), env_(std::move(env)) {}
  ~SnapshotUnderTest() override {
    if (snapshot_ != nullptr) snapshot_->abort();
  }

  Status start() override;
  bool before_replies() override;
  void cron() override;
  bool deny_writes(const CommandSpec& spec, std::string* error) const override;
  void background_save() override {
    if (snapshot_ == nullptr) start_bgsave();
  }
  uint64_t heals() const override { return heals_; }

 private:
  int64_t now_s() const { return env_.engine.clock().now_ms() / 1000; }
  void start_bgsave();
  void finish_bgsave(bool ok);

  PersistenceSettings settings_;
  PersistenceEnv env_;
  std::unique_ptr<Snapshot> snapshot_;
  uint64_t temp_counter_ = 0;
  int64_t last_save_s_ = 0;
  int64_t last_try_s_ = 0;
  bool last_ok_ = true;
  uint64_t dirty_before_ = 0;
  uint64_t heals_ = 0;
};

Status SnapshotUnderTest::start() {
  last_save_s_ = now_s();
  const std::string path = join_path(settings_.dir, kDbFilename);
  if (!env_.fs.file_exists(path)) return {};
  RdbLoadOptions options;
  options.now_ms = env_.engine.clock().now_ms();
  options.lru_clock = env_.engine.lru_clock();
  RdbLoadResult result;
  std::vector<Db*> dbs = engine_dbs(env_.engine);
  return load_rdb_file(env_.fs, path, dbs, options, &result);
}

void SnapshotUnderTest::start_bgsave() {
  last_try_s_ = now_s();
  dirty_before_ = env_.engine.stats().dirty;
  SnapshotOptions options;
  options.rdb.ctime_s = now_s();
  options.dir = settings_.dir;
  options.temp_name = "temp-sim-" + std::to_string(++temp_counter_) + ".rdb";
  options.final_name = kDbFilename;
  options.max_in_flight_bytes = 256 * 1024;
  snapshot_ =
      std::make_unique<Snapshot>(engine_dbs(env_.engine), env_.fs, env_.bg_executor, options);
  if (env_.snapshot_started) env_.snapshot_started();
  if (!snapshot_->start().ok()) {
    snapshot_.reset();
    last_ok_ = false;
  }
}

void SnapshotUnderTest::finish_bgsave(bool ok) {
  snapshot_.reset();
  last_ok_ = ok;
  if (!ok) return;
  if (env_.snapshot_completed) env_.snapshot_completed();
  ++heals_;
  uint64_t& dirty = env_.engine.stats().dirty;
  dirty = dirty >= dirty_before_ ? dirty - dirty_before_ : 0;
  last_save_s_ = now_s();
}

bool SnapshotUnderTest::before_replies() {
  if (snapshot_ == nullptr) return true;
  Snapshot::State state = snapshot_->state();
  for (int i = env_.steps(); i > 0 && state == Snapshot::State::kRunning; --i) {
    state = snapshot_->step(kBucketsPerStep);
  }
  if (state == Snapshot::State::kDone) finish_bgsave(true);
  if (state == Snapshot::State::kFailed) finish_bgsave(false);
  return true;
}

void SnapshotUnderTest::cron() {
  before_replies();
  if (snapshot_ != nullptr) return;
  const bool may_retry = last_ok_ || now_s() - last_try_s_ > kBgsaveRetryDelayS;
  const uint64_t dirty = env_.engine.stats().dirty;
  for (const auto& [seconds, changes] : settings_.save_points) {
    if (dirty >= static_cast<uint64_t>(changes) && now_s() - last_save_s_ > seconds && may_retry) {
      start_bgsave();
      return;
    }
  }
}

bool SnapshotUnderTest::deny_writes(const CommandSpec& spec, std::string* error) const {
  if (last_ok_ || settings_.save_points.empty()) return false;
  if (!(spec.flags & kCmdWrite) && spec.name != "ping") return false;
  *error =
      "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
      "persist to disk.";
  return true;
}

}  // namespace

std::unique_ptr<PersistenceUnderTest> make_snapshot_under_test(const PersistenceSettings& settings,
                                                               PersistenceEnv env) {
  return std::make_unique<SnapshotUnderTest>(settings, std::move(env));
}

}  // namespace amber::sim
