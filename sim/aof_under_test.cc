// The AOF modes (appendfsync always / everysec / no) under test: the same
// sequence of AofManager calls as server/aof_persistence.cc makes from the
// event loop — flush in before_sleep before any reply (a failure under
// `always` is fatal: the batch's replies never leave), the fork-less
// rewrite stepped between batches, cron's everysec fsync, auto-rewrite and
// one recovery attempt a second after a failed write or fsync, and the
// MISCONF refusal while the AOF cannot be written.
#include <cerrno>
#include <cstring>

#include "core/engine.h"
#include "core/persist/aof_manager.h"
#include "sim/persistence_under_test.h"
#include "sim/sim_executor.h"
#include "sim/sim_fs.h"

namespace amber::sim {
namespace {

// Small steps so that a rewrite spans many batches and crashes land inside.
constexpr size_t kBucketsPerStep = 4;

class AofUnderTest final : public PersistenceUnderTest {
 public:
  AofUnderTest(const PersistenceSettings& settings, PersistenceEnv env)
      : settings_(settings), env_(std::move(env)) {}

  Status start() override;
  bool before_replies() override;
  void cron() override;
  bool deny_writes(const CommandSpec& spec, std::string* error) const override;
  void background_save() override;
  uint64_t heals() const override { return heals_; }

 private:
  int64_t now_s() const { return env_.engine.clock().now_ms() / 1000; }
  void start_rewrite();
  void step_rewrite();
  void finish_rewrite(bool ok);
  void check_auto_rewrite();

  PersistenceSettings settings_;
  PersistenceEnv env_;
  std::unique_ptr<AofManager> manager_;
  bool rewrite_requested_ = false;
  uint64_t rewrite_base_size_ = 0;
  int64_t last_recovery_try_ms_ = 0;
  uint64_t heals_ = 0;
};

Status AofUnderTest::start() {
  AofSettings s;
  s.dir = settings_.dir;
  s.fsync = settings_.mode == Mode::kAlways     ? AofFsync::kAlways
            : settings_.mode == Mode::kEverysec ? AofFsync::kEverysec
                                                : AofFsync::kNo;
  s.rdb_preamble = settings_.rdb_preamble;
  s.load_truncated = true;  // Redis's default: a crash alone never refuses
  s.planted_bugs = settings_.bugs;
  manager_ =
      std::make_unique<AofManager>(env_.fs, env_.engine, s, settings_.log, &env_.fsync_executor);
  AofLoadResult loaded;
  AMBER_RETURN_IF_ERROR(manager_->start(now_s(), &loaded));
  rewrite_base_size_ = manager_->current_size();
  return {};
}

bool AofUnderTest::before_replies() {
  if (rewrite_requested_) start_rewrite();
  if (manager_->rewrite_in_progress()) step_rewrite();
  if (!manager_->active()) return true;
  // Under `always` every earlier failure was fatal, so a failed writer here
  // failed in this iteration (a rewrite's switch, cron's write) with this
  // batch's writes in it: the replies must not leave.
  if (!manager_->healthy()) return manager_->writer().policy() != AofFsync::kAlways;
  Status s = manager_->flush();
  // `always`: the server exits rather than send these replies.
  return s.ok() || manager_->writer().policy() != AofFsync::kAlways;
}

void AofUnderTest::cron() {
  if (!manager_->active()) return;
  if (!manager_->healthy()) {
    const int64_t now_ms = env_.engine.clock().now_ms();
    if (now_ms - last_recovery_try_ms_ >= 1000) {
      last_recovery_try_ms_ = now_ms;
      const bool recovered = manager_->try_recover(now_s());
      if (settings_.log) settings_.log(recovered ? "recovered" : "recovery failed");
      if (recovered) {
        ++heals_;
        rewrite_base_size_ = manager_->current_size();
      }
    }
    return;
  }
  if (manager_->cron().ok()) check_auto_rewrite();
}

void AofUnderTest::check_auto_rewrite() {
  if (manager_->rewrite_in_progress() || rewrite_requested_) return;
  const uint64_t size = manager_->current_size();
  if (size <= settings_.auto_rewrite_min_bytes) return;
  const uint64_t base = rewrite_base_size_ == 0 ? 1 : rewrite_base_size_;
  if (static_cast<int64_t>(size * 100 / base) - 100 >= settings_.auto_rewrite_percentage) {
    start_rewrite();
  }
}

void AofUnderTest::background_save() {
  if (manager_->rewrite_in_progress() || rewrite_requested_) return;
  rewrite_requested_ = true;  // started before the next poll, between commands
}

void AofUnderTest::start_rewrite() {
  rewrite_requested_ = false;
  if (manager_->rewrite_in_progress()) return;
  if (manager_->active() && !manager_->healthy()) {
    finish_rewrite(manager_->rewrite(now_s()).ok());
    return;
  }
  if (!manager_->start_rewrite(now_s(), env_.bg_executor).ok()) finish_rewrite(false);
}

void AofUnderTest::step_rewrite() {
  Status error;
  AofManager::RewriteState state = AofManager::RewriteState::kRunning;
  for (int i = env_.steps(); i > 0 && state == AofManager::RewriteState::kRunning; --i) {
    state = manager_->step_rewrite(kBucketsPerStep, &error);
  }
  if (state == AofManager::RewriteState::kDone) finish_rewrite(true);
  if (state == AofManager::RewriteState::kFailed) finish_rewrite(false);
}

void AofUnderTest::finish_rewrite(bool ok) {
  if (settings_.log) settings_.log(ok ? "rewrite done" : "rewrite failed");
  if (!ok) return;
  ++heals_;
  rewrite_base_size_ = manager_->current_size();
}

bool AofUnderTest::deny_writes(const CommandSpec& spec, std::string* error) const {
  if (!manager_->active() || manager_->healthy()) return false;
  if (!(spec.flags & kCmdWrite) && spec.name != "ping") return false;
  const int err = manager_->last_error().sys_errno();
  *error = std::string("MISCONF Errors writing to the AOF file: ") + std::strerror(err ? err : EIO);
  return true;
}

}  // namespace

std::unique_ptr<PersistenceUnderTest> make_aof_under_test(const PersistenceSettings& settings,
                                                          PersistenceEnv env) {
  return std::make_unique<AofUnderTest>(settings, std::move(env));
}

}  // namespace amber::sim
