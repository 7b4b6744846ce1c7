// PersistenceUnderTest: one persistence mode as the simulator drives it —
// the part of the server's event loop that owns the files (server/
// aof_persistence.cc, server/rdb_persistence.cc), replayed over SimFs and
// SimExecutors. The checker and the workload know only this interface and
// the mode's Promise (DESIGN.md's table), so a new mode (NVM) is one more
// implementation and one more Promise, nothing else.
//
// The host calls, as the event loop does:
//   start()           at startup: load what is on disk, or refuse to start
//   before_replies()  before_sleep, before the batch's replies may leave;
//                     false: they must never leave (the server would exit)
//   cron()            every 100 ms of simulated time
//   deny_writes()     the admission gate (MISCONF)
//   background_save() BGREWRITEAOF or BGSAVE
//   finish_load()     after a restart, before the checker reads the whole
//                     keyspace: completes a lazy load (NVM)
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/command.h"
#include "core/planted_bugs.h"
#include "core/status.h"

namespace amber {
class Engine;
}

namespace amber::sim {

class SimFs;
class SimExecutor;
class NvmMedia;

enum class Mode { kAlways, kEverysec, kNo, kSnapshot, kNvm };

// The RDB file in PersistenceSettings::dir (dbfilename's default): snapshot
// mode's, and what NVM mode imports at its first start.
inline constexpr const char* kDbFilename = "dump.rdb";
const char* mode_name(Mode mode);
bool parse_mode(const std::string& name, Mode* mode);

// What survives a crash (DESIGN.md "Persistence modes and the promise of
// each"): the recovered keyspace is the state after writes 1..k with
enum class Promise {
  kEveryAcked,     // k >= the last acknowledged write
  kAckedBefore2s,  // k >= every write acknowledged > 2 s before the crash
  kAnyPrefix,      // any k
  kLastSnapshot,   // k = the point of the last completed snapshot (or a later started one)
};
Promise promise_of(Mode mode);

struct PersistenceSettings {
  Mode mode = Mode::kAlways;
  std::string dir = "db";
  bool rdb_preamble = true;                 // aof-use-rdb-preamble
  uint64_t auto_rewrite_min_bytes = 16384;  // auto-aof-rewrite-min-size
  int64_t auto_rewrite_percentage = 100;    // auto-aof-rewrite-percentage
  // save <seconds> <changes>
  std::vector<std::pair<int64_t, int64_t>> save_points = {{1, 40}, {3, 1}};
  const PlantedBugs* bugs = nullptr;
  // NVM mode's capacity tier (nvm-dram-max-memory); 0: no bound.
  uint64_t nvm_dram_max_bytes = 0;
  // NVM mode's RDB import: how many bytes of the file between two absorbs
  // (loading-process-events-interval-bytes).
  uint64_t nvm_import_absorb_bytes = 512;
  // The persistence code's log lines (amber-sim --trace); null: dropped.
  std::function<void(const std::string&)> log;
};

struct PersistenceEnv {
  SimFs& fs;
  Engine& engine;
  SimExecutor& fsync_executor;  // everysec's background fsyncs
  SimExecutor& bg_executor;     // snapshot and rewrite file writes
  // How many walker steps a before_sleep takes (the seed's choice).
  std::function<int()> steps;
  // Snapshot mode: a snapshot took its point in time / completed.
  std::function<void()> snapshot_started;
  std::function<void()> snapshot_completed;
  // NVM mode: the persistent memory its regions live on.
  NvmMedia* nvm_media = nullptr;
};

class PersistenceUnderTest {
 public:
  virtual ~PersistenceUnderTest() = default;
  virtual Status start() = 0;
  virtual bool before_replies() = 0;
  virtual void cron() = 0;
  virtual bool deny_writes(const CommandSpec& spec, std::string* error) const = 0;
  // Refuses, before it runs, a command or transaction the mode could not
  // log (NVM: a record larger than the log takes).
  virtual bool deny_unit(const Session& /*session*/, const CommandSpec& /*spec*/, ArgList /*argv*/,
                         std::string* /*error*/) {
    return false;
  }
  virtual void background_save() = 0;
  // Times the mode brought everything in memory back to disk after a
  // failure (a recovery rewrite, a completed rewrite).
  virtual uint64_t heals() const = 0;
  virtual Status finish_load() { return {}; }
  // Durable work not yet folded in (NVM: log bytes not yet replayed into the
  // store); 0 for modes without such work.
  virtual uint64_t background_lag() const { return 0; }
  // NVM: values written into the store and linked, too long to log.
  virtual uint64_t linked_values() const { return 0; }
};

std::unique_ptr<PersistenceUnderTest> make_persistence(const PersistenceSettings& settings,
                                                       PersistenceEnv env);

}  // namespace amber::sim
