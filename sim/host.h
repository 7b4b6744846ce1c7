// Host: one simulated amber-server process — an Engine with its own seeded
// Random on the shared simulated clock, three client sessions, the
// persistence mode under test behind the admission gate, and the two
// executors its background work goes to. The simulation plays the event
// loop through it: execute() commands of a batch, end_batch() before the
// batch's replies may leave, cron() every 100 ms. A crash destroys the Host
// (its pending background jobs die with it) and a new one starts on the
// crashed disk.
// Single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/io/clock.h"
#include "core/io/random.h"
#include "sim/persistence_under_test.h"
#include "sim/sim_executor.h"
#include "sim/sim_fs.h"

namespace amber::sim {

// What the simulation learns from, and decides for, the persistence mode.
struct HostHooks {
  std::function<int()> steps;  // walker steps per before_sleep
  std::function<void()> snapshot_started;
  std::function<void()> snapshot_completed;
  NvmMedia* nvm_media = nullptr;  // NVM mode's persistent memory
};

class Host final : public CommandGate {
 public:
  static constexpr int kClients = 3;

  Host(SimFs& fs, ManualClock& clock, uint64_t seed, const PersistenceSettings& settings,
       HostHooks hooks);
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Startup (load). An error means the server refuses to start.
  Status start() { return persistence_->start(); }

  struct Outcome {
    std::string reply;
    bool admitted = true;  // false: refused by the gate (MISCONF)
  };
  Outcome execute(int client, const std::vector<std::string>& argv);
  // before_sleep: false if the batch's replies must never leave.
  bool end_batch() { return persistence_->before_replies(); }
  // serverCron: active expiry, then the persistence's duties.
  void cron();
  void background_save() { persistence_->background_save(); }

  Engine& engine() { return engine_; }
  Session& session(int client) { return sessions_[static_cast<size_t>(client)]; }
  PersistenceUnderTest& persistence() { return *persistence_; }
  SimExecutor& fsync_executor() { return fsync_executor_; }
  SimExecutor& bg_executor() { return bg_executor_; }

  bool admit(Session& session, const CommandSpec& spec, ArgList argv, std::string* error) override;

 private:
  SeededRandom random_;
  Engine engine_;
  std::vector<Session> sessions_;
  SimExecutor fsync_executor_;
  SimExecutor bg_executor_;
  bool denied_ = false;
  // Last: destroyed first, while the engine and executors still exist.
  std::unique_ptr<PersistenceUnderTest> persistence_;
};

}  // namespace amber::sim
