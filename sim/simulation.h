// Simulation: one seeded run of amber over SimFs. The seed decides
// everything — the workload, batch sizes, how simulated time moves, when
// background jobs run, when the power fails (at which mutating I/O op, or
// for NVM at which drain or batch boundary; during recovery too), what the
// disk or the NVM images keep, which writes and fsyncs fail —
// so the same options give the same run bit for bit (SimResult::digest).
//
//   loop: a batch of client units ─> host.end_batch() (flush/fsync)
//         ─> replies leave (acknowledged) ─> time moves, cron every 100 ms,
//         the scheduler runs background jobs, BGSAVE/BGREWRITEAOF now and then
//   crash (SimFs's crash op, or a fatal flush under `always`):
//         host dies ─> power failure ─> new host starts (maybe crashing
//         again) ─> Checker verifies the mode's promise ─> loop
#pragma once

#include <cstdint>
#include <string>

#include "core/planted_bugs.h"
#include "sim/persistence_under_test.h"
#include "sim/workload.h"

namespace amber::sim {

struct SimOptions {
  uint64_t seed = 1;
  uint64_t commands = 300;         // client commands to run
  uint32_t fault_per_million = 0;  // write/fsync failure rate (0: --faults none)
  uint64_t crash_span_ops = 250;  // a crash lands within this many mutating ops (NVM: crash points)
  PersistenceSettings persistence;  // mode, preamble, save points, ...
  WorkloadOptions workload;         // key space, large values
  PlantedBugs bugs;                 // test builds only
  bool trace = false;               // events and persistence logs to stderr
};

struct SimResult {
  uint64_t commands = 0;
  uint64_t crashes = 0;
  uint64_t faults = 0;
  uint64_t checks = 0;
  uint64_t background_done = 0;        // rewrites / snapshots completed
  uint64_t crashes_in_background = 0;  // with background file jobs queued
  uint64_t crashes_in_recovery = 0;
  uint64_t refused = 0;  // commands the admission gate refused (MISCONF)
  // NVM: restarts after which the host ran on while its keyspace was still
  // loading lazily (the checker read a second recovery of the same images).
  uint64_t lazy_restarts = 0;
  // NVM capacity tier: values that were only in the store when a crash came.
  uint64_t offloaded_at_crashes = 0;
  // NVM: starts that grew the regions to a larger nvm-size first.
  uint64_t nvm_growths = 0;
  // NVM: runs whose first start imported a dump.rdb (one in four), and the
  // power failures during that start (each followed by a new import).
  uint64_t nvm_imports = 0;
  uint64_t crashes_in_import = 0;
  // NVM: imports refused because the store cannot hold the RDB's keys, with
  // the RDB and the import marker kept (the run ends there).
  uint64_t nvm_imports_refused = 0;
  // NVM: values too long for the log, written into the store and linked.
  uint64_t nvm_linked_values = 0;
  bool violation = false;
  std::string report;  // the violation and the history before the crash
  uint64_t digest = 0;
};

SimResult run_simulation(const SimOptions& options);

}  // namespace amber::sim
