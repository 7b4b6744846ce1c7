// NvmPersistenceHost: reads the nvm-* parameters and ties NvmPersistence to
// the event loop. The only ordering that matters for durability is in
// before_sleep(): the batch's log records are persisted before
// Server::before_sleep hands any reply to the sockets, so a reply always
// acknowledges a durable write (group commit: one drain per loop iteration).
// Everything else (replay into the store, the store's walk) is bounded
// background work in before_sleep and cron.
#include "server/nvm_persistence_host.h"

#include <algorithm>
#include <cstdlib>

#include "nvm/nvm_import.h"
#include "server/config.h"
#include "server/format.h"
#include "server/logger.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {
namespace {

// No command for this long: the loop is idle, not between two requests.
constexpr int64_t kIdleAfterUs = 1000;
// Ops folded in per idle iteration (whole records, at least one): ~0.1 us
// each when superseded, up to ~1 us for a new item in a large store, so a
// request that arrives during a slice waits about a millisecond at worst.
// Each slice also walks the store's index after a restart (PmemStore::step):
// a 1 M-key restart's 32 MB tail was folded ~300 ms after the fill with
// slices of 64 ops, ~170 ms with 1024, ~85 ms with 4096.
constexpr size_t kIdleReplayOps = 1024;

}  // namespace
NvmPersistenceHost::NvmPersistenceHost(Server& server) : server_(server) {}

NvmPersistenceHost::~NvmPersistenceHost() = default;

bool NvmPersistenceHost::start(std::string* error) {
  const Config& config = server_.config();
  if (!config.get_bool("nvm-enabled")) return true;
  if (config.get_bool("appendonly")) {
    *error =
        "nvm-enabled yes and appendonly yes cannot be used together: choose one persistence "
        "mode";
    server_.logger().log(LogLevel::kWarning, *error);
    return false;
  }
  nvm::NvmOptions options;
  options.dir = config.get_string("nvm-path");
  if (options.dir.empty()) options.dir = config.get_string("dir");
  options.size_bytes = static_cast<uint64_t>(config.get_int("nvm-size"));
  options.backend = config.get_string("nvm-backend") == "emulated" ? nvm::NvmBackend::kEmulated
                                                                   : nvm::NvmBackend::kPmem;
  options.max_dram_bytes = static_cast<uint64_t>(config.get_int("nvm-dram-max-memory"));
  options.eviction_samples = static_cast<int>(config.get_int("maxmemory-samples"));
  replay_lag_config_bytes_ = static_cast<uint64_t>(config.get_int("nvm-replay-lag"));
  server_.config().on_change("nvm-replay-lag", [this](std::string*) {
    replay_lag_config_bytes_ = static_cast<uint64_t>(server_.config().get_int("nvm-replay-lag"));
    return true;
  });
  nvm::NvmImport import(server_.rdb().file_system(), options.dir, server_.rdb().file_path());
  bool importing = false;
  Status s = import.begin(nvm::NvmPersistence::kLogFileName, nvm::NvmPersistence::kStoreFileName,
                          &importing);
  if (!s.ok()) {
    *error = "NVM import: " + s.to_string();
    server_.logger().log(LogLevel::kWarning, *error);
    return false;
  }
  nvm_ = std::make_unique<nvm::NvmPersistence>(options);
  s = nvm_->recover(server_.engine());
  if (!s.ok()) {
    *error = "NVM recovery failed: " + s.to_string();
    server_.logger().log(LogLevel::kWarning, *error);
    nvm_.reset();
    return false;
  }
  report_resize();
  if (importing) {
    if (!import_rdb(import, error)) {
      nvm_.reset();
      return false;
    }
  } else {
    server_.logger().log(
        LogLevel::kNotice,
        string_printf("NVM store mapped from %s (%s backend), %llu log records put in memory: "
                      "serving after %lld ms, the rest of the keyspace comes in lazily",
                      options.dir.c_str(),
                      options.backend == nvm::NvmBackend::kEmulated ? "emulated" : "pmem",
                      static_cast<unsigned long long>(nvm_->stats().tail_records),
                      static_cast<long long>(nvm_->stats().last_recovery_ms)));
  }
  was_filling_ = nvm_->filling();
  server_.config().on_change("maxmemory-samples", [this](std::string*) {
    if (nvm_) {
      nvm_->set_eviction_samples(static_cast<int>(server_.config().get_int("maxmemory-samples")));
    }
    return true;
  });
  server_.config().on_change("nvm-dram-max-memory", [this](std::string*) {
    if (nvm_) {
      nvm_->set_max_dram_bytes(
          static_cast<uint64_t>(server_.config().get_int("nvm-dram-max-memory")));
    }
    return true;
  });
  return true;
}

void NvmPersistenceHost::report_resize() {
  const nvm::NvmStats stats = nvm_->stats();
  const long long configured = server_.config().get_int("nvm-size");
  const unsigned long long log_bytes = nvm_->log_region_bytes();
  const unsigned long long store_bytes = nvm_->store_region_bytes();
  if (stats.log_grown_from_bytes != 0 || stats.store_grown_from_bytes != 0) {
    auto from = [](uint64_t grown_from, unsigned long long now) {
      return grown_from != 0 ? static_cast<unsigned long long>(grown_from) : now;
    };
    server_.logger().log(
        LogLevel::kNotice,
        string_printf("NVM files grown for nvm-size %lld in %lld ms: log %llu -> %llu bytes, "
                      "store %llu -> %llu bytes",
                      configured, static_cast<long long>(stats.grow_ms),
                      from(stats.log_grown_from_bytes, log_bytes), log_bytes,
                      from(stats.store_grown_from_bytes, store_bytes), store_bytes));
  }
  if (stats.unformattable_files_removed != 0) {
    server_.logger().log(
        LogLevel::kWarning,
        string_printf("NVM: %llu region file(s) in nvm-path had no size (a power failure before "
                      "the start that created them synced them) and were made anew",
                      static_cast<unsigned long long>(stats.unformattable_files_removed)));
  }
  if (stats.region_larger_than_configured) {
    server_.logger().log(
        LogLevel::kNotice,
        string_printf("nvm-size %lld is smaller than the NVM files (log %llu bytes, store %llu "
                      "bytes): they keep their size, NVM files only grow",
                      configured, log_bytes, store_bytes));
  }
}

bool NvmPersistenceHost::import_rdb(nvm::NvmImport& import, std::string* error) {
  Logger& logger = server_.logger();
  logger.log(LogLevel::kNotice,
             "No NVM store yet: importing " + import.rdb_path() + " into NVM, then serving");
  const int64_t start_us = server_.engine().clock().now_us();
  // Every few MB of the file, the keys loaded so far go to NVM and, over
  // nvm-dram-max-memory, out of DRAM: the RDB is never all in memory.
  const Status s =
      import.run(*nvm_, [this](RdbLoadObserver* observer, const std::function<Status()>& absorb) {
        RdbLoadTap tap{observer, absorb};
        std::string load_error;
        return server_.rdb().load_at_startup(&load_error, &tap) ? Status()
                                                                : Status::io_error(load_error);
      });
  if (!s.ok()) {
    *error = "NVM import of " + import.rdb_path() + " failed (" + s.to_string() +
             "); the next start imports it again";
    logger.log(LogLevel::kWarning, *error);
    return false;
  }
  logger.log(
      LogLevel::kNotice,
      string_printf("NVM store created from %s: %llu keys in %lld ms", import.rdb_path().c_str(),
                    static_cast<unsigned long long>(nvm_->store_keys()),
                    static_cast<long long>((server_.engine().clock().now_us() - start_us) / 1000)));
  return true;
}

void NvmPersistenceHost::before_sleep() {
  if (!nvm_) return;
  nvm_->before_reply();
  if (nvm_->unlogged_writes() != 0) {
    // A write of this batch could not be logged (or persisted): its reply
    // must not leave, as with appendfsync always.
    server_.logger().log(LogLevel::kWarning, "Can't recover from an NVM log error (" +
                                                 nvm_->health().to_string() + "). Exiting...");
    std::_Exit(1);
  }
}

// Folding the log into the store never decides a reply (the records are
// durable already), so it runs after the replies are on their way.
void NvmPersistenceHost::after_replies() {
  if (!nvm_) return;
  const uint64_t ops = nvm_->ops_appended();
  const uint64_t new_ops = ops - ops_at_last_sleep_;
  ops_at_last_sleep_ = ops;
  const uint64_t processed = server_.engine().stats().total_commands_processed;
  const bool commands_ran = processed != commands_at_last_sleep_;
  commands_at_last_sleep_ = processed;
  idle_ = false;
  if (nvm_->filling()) {
    step();
  } else {
    replay_if_due(new_ops, commands_ran);
  }
  // After the replies' group commit: offloading moves entries.
  nvm_->enforce_dram_bound();
}

void NvmPersistenceHost::replay_if_due(uint64_t new_ops, bool commands_ran) {
  const uint64_t lag_bytes = nvm_->replay_lag_bytes();
  if (lag_bytes == 0) return;  // nothing to fold in: no need to know the time
  // Folding the log into the store is deferred while clients keep the loop
  // busy: a burst costs one log append per write, and the replay happens
  // when the loop is idle, or as soon as the lag would make a restart
  // (which puts the unreplayed tail into DRAM) slower than it should be.
  // Idle: no command for a millisecond (an iteration without commands in
  // the middle of a load is only a gap between two clients' requests).
  const int64_t now_us = server_.engine().clock().now_us();
  if (commands_ran) last_command_us_ = now_us;
  // nvm-replay-lag (at most a quarter of the log) bounds what a restart
  // applies to DRAM from the log.
  const uint64_t eager_lag_bytes = this->eager_lag_bytes();
  if (lag_bytes > eager_lag_bytes || eager_lag_bytes == 0) {
    // Keep pace with the writers (twice their rate, so the lag shrinks).
    step(static_cast<size_t>(2 * new_ops));
  } else if (now_us - last_command_us_ >= kIdleAfterUs) {
    // Small slices: a request that arrives meanwhile waits for one only.
    idle_ = true;
    step(kIdleReplayOps);
  }
}

uint64_t NvmPersistenceHost::eager_lag_bytes() const {
  return std::min<uint64_t>(replay_lag_config_bytes_, nvm_->log_capacity_bytes() / 4);
}

bool NvmPersistenceHost::busy() const {
  if (!nvm_) return false;
  if (nvm_->filling() || nvm_->offloads_pending()) return true;
  const uint64_t lag_bytes = nvm_->replay_lag_bytes();
  return nvm_->healthy() && lag_bytes > 0 &&
         (idle_ || lag_bytes > eager_lag_bytes() || eager_lag_bytes() == 0);
}

bool NvmPersistenceHost::replay_pending() const {
  return nvm_ && nvm_->healthy() && nvm_->replay_lag_bytes() > 0;
}

void NvmPersistenceHost::report_fill_done() {
  if (!was_filling_ || nvm_->filling()) return;
  was_filling_ = false;
  const nvm::NvmStats stats = nvm_->stats();
  server_.logger().log(
      LogLevel::kNotice,
      string_printf("NVM keyspace in memory: %llu keys filled in the background, %llu faulted "
                    "in by lookups, %lld ms after serving began",
                    static_cast<unsigned long long>(stats.fill_keys),
                    static_cast<unsigned long long>(stats.fault_keys),
                    static_cast<long long>(stats.fill_ms)));
}

void NvmPersistenceHost::cron() {
  step();
  if (nvm_) nvm_->enforce_dram_bound();
}

void NvmPersistenceHost::step(size_t replay_ops) {
  if (!nvm_) return;
  // A failed step makes the mode unhealthy (sticky); reported below.
  // The fill only reads the store: it goes on after a failure.
  if (nvm_->healthy() || nvm_->filling()) (void)nvm_->step(replay_ops);
  report_fill_done();
  if (!nvm_->healthy() && !reported_failure_) {
    reported_failure_ = true;
    server_.logger().log(LogLevel::kWarning,
                         "NVM persistence failed, refusing writes: " + nvm_->health().to_string());
  }
}

bool NvmPersistenceHost::deny_writes(const CommandSpec& spec, std::string* error) const {
  if (!nvm_ || nvm_->healthy()) return false;
  if (!(spec.flags & kCmdWrite) && spec.name != "ping") return false;
  *error = "MISCONF Errors writing to NVM: " + nvm_->health().message();
  return true;
}

bool NvmPersistenceHost::deny_oversized(const Session& session, const CommandSpec& spec,
                                        ArgList argv, std::string* error) const {
  if (!nvm_ || argv.empty() || nvm_->unit_fits(session, spec, argv)) return false;
  *error = string_printf(
      "ERR the write does not fit in NVM mode with nvm-size %lld (log records of at most %llu "
      "bytes, a store of %llu bytes): raise nvm-size",
      static_cast<long long>(server_.config().get_int("nvm-size")),
      static_cast<unsigned long long>(nvm_->max_record_bytes()),
      static_cast<unsigned long long>(nvm_->store_capacity_bytes()));
  return true;
}

std::string NvmPersistenceHost::info_section() const {
  std::string out = "# NVM\r\n";
  auto field = [&out](const char* name, unsigned long long value) {
    append_printf(&out, "%s:%llu\r\n", name, value);
  };
  const Config& config = server_.config();
  field("nvm_enabled", enabled() ? 1 : 0);
  append_printf(&out, "nvm_backend:%s\r\n", config.get_string("nvm-backend").c_str());
  if (!nvm_) return out;
  field("nvm_is_pmem", nvm_->is_pmem() ? 1 : 0);
  field("nvm_log_used_bytes", nvm_->log_used_bytes());
  field("nvm_log_capacity_bytes", nvm_->log_capacity_bytes());
  field("nvm_replay_lag_bytes", nvm_->replay_lag_bytes());
  field("nvm_store_keys", nvm_->store_keys());
  field("nvm_store_used_bytes", nvm_->store_used_bytes());
  field("nvm_store_capacity_bytes", nvm_->store_capacity_bytes());
  // After a restart the two above count what the store's walk has reached.
  field("nvm_store_rebuild_in_progress", nvm_->store_rebuilding() ? 1 : 0);
  const nvm::NvmStats stats = nvm_->stats();
  field("nvm_last_recovery_ms", static_cast<unsigned long long>(stats.last_recovery_ms));
  field("nvm_recovery_log_records", stats.tail_records);
  field("nvm_fill_in_progress", nvm_->filling() ? 1 : 0);
  field("nvm_fill_keys", stats.fill_keys);
  field("nvm_fault_keys", stats.fault_keys);
  field("nvm_fill_ms", static_cast<unsigned long long>(stats.fill_ms));
  field("nvm_records_appended", stats.records_appended);
  field("nvm_ops_appended", stats.ops_appended);
  field("nvm_persists", stats.persists);
  field("nvm_backpressure_steps", stats.backpressure_steps);
  field("nvm_replay_superseded_ops", stats.replay_superseded_ops);
  field("nvm_linked_values", stats.linked_values);
  field("nvm_dram_max_memory",
        static_cast<unsigned long long>(config.get_int("nvm-dram-max-memory")));
  field("nvm_dram_used_bytes", stats.dram_bytes);
  field("nvm_offloaded_keys", stats.offloaded_keys);
  field("nvm_offloads", stats.tier.offloads);
  field("nvm_offloaded_reads", stats.tier.reads);
  field("nvm_offloaded_reads_admitted", stats.tier.admitted_reads);
  field("nvm_healthy", nvm_->healthy() ? 1 : 0);
  return out;
}

}  // namespace amber
