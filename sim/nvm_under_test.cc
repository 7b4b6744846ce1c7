// NVM mode under test: the same calls server/nvm_persistence_host.cc makes
// from the event loop — recover() at startup, before_reply() (the group
// commit) in before_sleep before any reply of the batch leaves, then a
// bounded replay step, a step from cron, and MISCONF for writes once the mode
// is unhealthy — over two in-memory EmulatedRegions whose durable images
// live in the simulation's NvmMedia, so they outlive the crashed Host.
//
// The region files live in the simulation's SimFs — names and sizes: a
// crash can take away a file, or its size, that was never synced — and
// their bytes in NvmMedia. Growing to a larger nvm-size runs the server's
// code: a copy into `<name>.resize`, synced, renamed over the old file.
//
// The regions are small (1 MiB: a 256 KiB log, a 768 KiB store) and replay
// steps are tiny, so the log wraps and fills (back-pressure) many times per
// run and crashes land inside replay, wrap and store reclaim.
//
// When the mode fails while the batch's commands were logged (a store
// with no room for a linked value, a log that cannot make room) or in the
// group commit, a write of this batch is not durable, so its replies
// must never leave: before_replies() returns false and the host dies, as
// the server does (server/nvm_persistence_host.cc exits, as Redis does
// under `appendfsync always`). A failure in the background step (a full
// store) happens after the group commit, so the replies leave and later
// writes get MISCONF.
#include "core/assert.h"
#include "core/engine.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "nvm/nvm_import.h"
#include "nvm/nvm_persistence.h"
#include "sim/nvm_media.h"
#include "sim/persistence_under_test.h"
#include "sim/sim_fs.h"

namespace amber::sim {
namespace {

constexpr uint64_t kNvmSizeBytes = 1 << 20;
constexpr size_t kReplayOpsPerStep = 2;
constexpr uint64_t kStoreSlotsPerStep = 512;
constexpr uint64_t kFillSlotsPerStep = 256;

class NvmUnderTest final : public PersistenceUnderTest {
 public:
  NvmUnderTest(const PersistenceSettings& settings, PersistenceEnv env)
      : settings_(settings), env_(std::move(env)) {
    AMBER_ASSERT(env_.nvm_media != nullptr);
  }

  Status start() override;
  bool before_replies() override;
  void cron() override;
  bool deny_writes(const CommandSpec& spec, std::string* error) const override;
  bool deny_unit(const Session& session, const CommandSpec& spec, ArgList argv,
                 std::string* error) override;
  void background_save() override {}  // no RDB/AOF in NVM mode
  uint64_t heals() const override { return 0; }
  Status finish_load() override { return nvm_ ? nvm_->finish_fill() : Status(); }
  uint64_t background_lag() const override { return nvm_ ? nvm_->replay_lag_bytes() : 0; }
  uint64_t linked_values() const override { return nvm_ ? nvm_->stats().linked_values : 0; }

 private:
  // The host's step(): after a failure (sticky) only the fill goes on,
  // which just reads the store.
  void step() {
    if (nvm_->healthy() || nvm_->filling()) (void)nvm_->step();
  }
  Status load_rdb(RdbLoadObserver* observer, const std::function<Status()>& absorb);
  void note_failure(const char* where) {
    if (!nvm_->healthy() && !failure_seen_ && settings_.log) {
      settings_.log(std::string("NVM failed in ") + where + ": " + nvm_->health().to_string());
    }
  }

  PersistenceSettings settings_;
  PersistenceEnv env_;
  std::unique_ptr<nvm::NvmPersistence> nvm_;
  // The current failure was seen at a point where every acknowledged write
  // was durable (after a group commit, or in a background step).
  bool failure_seen_ = false;
};

Status NvmUnderTest::start() {
  nvm::NvmOptions options;
  options.dir = settings_.dir;
  options.size_bytes = env_.nvm_media->size_for_start(kNvmSizeBytes);
  options.backend = nvm::NvmBackend::kEmulated;
  options.replay_ops_per_step = kReplayOpsPerStep;
  options.store_slots_per_step = kStoreSlotsPerStep;
  options.fill_slots_per_step = kFillSlotsPerStep;
  // The images live in NvmMedia, the files (names, sizes) in SimFs: a
  // region whose file or size a crash took away (never synced) starts over
  // as zeros. Growing copies into a new file and renames it, as the server.
  NvmMedia* media = env_.nvm_media;
  SimFs* fs = &env_.fs;
  options.fs = fs;
  options.open_region = [media, fs](const std::string& path, size_t size_bytes,
                                    std::unique_ptr<nvm::Region>* region) {
    if (!fs->file_exists(path)) {
      std::unique_ptr<WritableFile> file;
      AMBER_RETURN_IF_ERROR(fs->new_writable_file(path, &file));
      AMBER_RETURN_IF_ERROR(file->close());
      AMBER_RETURN_IF_ERROR(fs->truncate_file(path, size_bytes));
      if (path.ends_with(".resize")) media->note_growth();
    }
    uint64_t file_bytes = 0;
    uint64_t file_id = 0;
    AMBER_RETURN_IF_ERROR(fs->get_file_size(path, &file_bytes));
    if (!fs->file_id(path, &file_id)) return Status::not_found(path + ": no such file");
    return media->open(file_id, file_bytes, region);
  };
  options.bugs = settings_.bugs;
  options.max_dram_bytes = settings_.nvm_dram_max_bytes;
  // As the server: a first start beside a dump.rdb imports it, atomically
  // across crashes (the marker protocol of nvm/nvm_import.h).
  nvm::NvmImport import(env_.fs, settings_.dir, join_path(settings_.dir, kDbFilename));
  bool importing = false;
  AMBER_RETURN_IF_ERROR(import.begin(nvm::NvmPersistence::kLogFileName,
                                     nvm::NvmPersistence::kStoreFileName, &importing));
  nvm_ = std::make_unique<nvm::NvmPersistence>(options);
  Status s = nvm_->recover(env_.engine);
  if (s.ok() && importing) {
    s = import.run(*nvm_, [this](RdbLoadObserver* observer, const std::function<Status()>& absorb) {
      return load_rdb(observer, absorb);
    });
  }
  failure_seen_ = !nvm_->healthy();
  return s;
}

// The import's load, with the plain loader where the server reports
// progress.
Status NvmUnderTest::load_rdb(RdbLoadObserver* observer, const std::function<Status()>& absorb) {
  RdbLoadOptions options;
  options.now_ms = env_.engine.clock().now_ms();
  options.lru_clock = env_.engine.lru_clock();
  options.observer = observer;
  options.progress_interval_bytes = settings_.nvm_import_absorb_bytes;
  options.progress = [&absorb](uint64_t, uint64_t) { (void)absorb(); };
  RdbLoadResult result;
  return load_rdb_file(env_.fs, join_path(settings_.dir, kDbFilename), engine_dbs(env_.engine),
                       options, &result);
}

bool NvmUnderTest::before_replies() {
  note_failure("a command");
  const bool failed_in_commands = !nvm_->healthy() && !failure_seen_;
  nvm_->before_reply();
  note_failure("the group commit");
  const bool lost = failed_in_commands || (!nvm_->healthy() && !failure_seen_);
  failure_seen_ = !nvm_->healthy();
  step();
  note_failure("a replay step");
  nvm_->enforce_dram_bound();
  note_failure("an offload");
  failure_seen_ = !nvm_->healthy();
  return !lost;
}

void NvmUnderTest::cron() {
  // A failure in this batch's commands stays unseen for before_replies().
  const bool unseen = !nvm_->healthy() && !failure_seen_;
  step();
  if (unseen) return;
  note_failure("a cron step");
  failure_seen_ = !nvm_->healthy();
}

bool NvmUnderTest::deny_writes(const CommandSpec& spec, std::string* error) const {
  if (!nvm_ || nvm_->healthy()) return false;
  if (!(spec.flags & kCmdWrite) && spec.name != "ping") return false;
  *error = "MISCONF Errors writing to NVM: " + nvm_->health().message();
  return true;
}

bool NvmUnderTest::deny_unit(const Session& session, const CommandSpec& spec, ArgList argv,
                             std::string* error) {
  if (!nvm_ || nvm_->unit_fits(session, spec, argv)) return false;
  *error = "ERR the write does not fit in one NVM log record";
  return true;
}

}  // namespace

std::unique_ptr<PersistenceUnderTest> make_nvm_under_test(const PersistenceSettings& settings,
                                                          PersistenceEnv env) {
  return std::make_unique<NvmUnderTest>(settings, std::move(env));
}

}  // namespace amber::sim
