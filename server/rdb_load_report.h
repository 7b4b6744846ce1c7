// What a server tells about an RDB load while it runs: the log lines of
// redis-server 7.0's rdbLoad ("Loading RDB produced by version ...", "RDB
// age N seconds", "RDB memory usage when created X Mb", "RDB is base
// AOF"), a progress line every few seconds for big files (amber's own
// wording), and the state behind INFO persistence's loading_* fields.
//
// RdbLoadReporter is an RdbLoadObserver plus a progress callback for the
// loader; both run on the loading (event-loop) thread. Time comes from the
// injected Clock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/io/clock.h"
#include "core/persist/rdb_loader.h"
#include "server/logger.h"

namespace amber {

// A load in progress, as Redis's server.loading_* fields describe it.
struct LoadingState {
  bool active = false;
  int64_t start_time_s = 0;   // loading_start_time
  uint64_t total_bytes = 0;   // loading_total_bytes
  uint64_t rdb_used_mem = 0;  // loading_rdb_used_mem: AUX used-mem
  uint64_t loaded_bytes = 0;  // loading_loaded_bytes
};

// INFO persistence's loading_* lines (Redis prints them after the aof_*
// fields, only while loading): "" when `state` is not active.
std::string loading_info_lines(const LoadingState& state, int64_t now_s);

class RdbLoadReporter final : public RdbLoadObserver {
 public:
  // A progress line is logged at most once per this interval.
  static constexpr int64_t kProgressLogIntervalMs = 5000;

  // Marks `state` active with `total_bytes` to load. `state`, `logger` and
  // `clock` must outlive the reporter.
  RdbLoadReporter(LoadingState& state, const Logger& logger, const Clock& clock,
                  uint64_t total_bytes);
  // Marks `state` inactive.
  ~RdbLoadReporter() override;
  RdbLoadReporter(const RdbLoadReporter&) = delete;
  RdbLoadReporter& operator=(const RdbLoadReporter&) = delete;

  void on_aux(uint64_t end_offset, std::string_view key, std::string_view value) override;
  // RdbLoadOptions::progress.
  void on_progress(uint64_t loaded_bytes, uint64_t total_bytes);

 private:
  LoadingState& state_;
  const Logger& logger_;
  const Clock& clock_;
  int64_t start_ms_;
  int64_t last_log_ms_;
};

}  // namespace amber
