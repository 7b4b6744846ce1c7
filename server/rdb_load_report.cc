// RDB load reporting. The AUX lines are logged as the loader meets them, so
// they come out before the keys are read, as in redis-server's log; the
// progress line is rate-limited by time rather than bytes, so a slow disk
// and a fast one both log every few seconds. INFO's loading_loaded_perc and
// loading_eta_seconds follow Redis's formulas: the file size when known,
// else the AUX used-mem as a (rough) estimate capped at 99.99%; the ETA is
// elapsed * remaining / loaded, with a made-up 1 s in the first second.
#include "server/rdb_load_report.h"

#include <charconv>
#include <cstdio>

namespace amber {
namespace {

int64_t parse_int(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);  // 0 if not a number
  return value;
}

constexpr double kBytesPerMb = 1024.0 * 1024.0;

}  // namespace

std::string loading_info_lines(const LoadingState& state, int64_t now_s) {
  if (!state.active) return "";
  double perc = 0;
  int64_t remaining = 1;
  if (state.total_bytes != 0) {
    perc = 100.0 * static_cast<double>(state.loaded_bytes) / static_cast<double>(state.total_bytes);
    remaining = static_cast<int64_t>(state.total_bytes) - static_cast<int64_t>(state.loaded_bytes);
  } else if (state.rdb_used_mem != 0) {
    perc =
        100.0 * static_cast<double>(state.loaded_bytes) / static_cast<double>(state.rdb_used_mem);
    remaining = static_cast<int64_t>(state.rdb_used_mem) - static_cast<int64_t>(state.loaded_bytes);
    if (perc > 99.99) perc = 99.99;
    if (remaining < 1) remaining = 1;
  }
  const int64_t elapsed_s = now_s - state.start_time_s;
  const int64_t eta_s =
      elapsed_s == 0 ? 1 : elapsed_s * remaining / (static_cast<int64_t>(state.loaded_bytes) + 1);
  char buf[512];
  std::snprintf(buf, sizeof(buf),
                "loading_start_time:%lld\r\nloading_total_bytes:%llu\r\n"
                "loading_rdb_used_mem:%llu\r\nloading_loaded_bytes:%llu\r\n"
                "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\n",
                static_cast<long long>(state.start_time_s),
                static_cast<unsigned long long>(state.total_bytes),
                static_cast<unsigned long long>(state.rdb_used_mem),
                static_cast<unsigned long long>(state.loaded_bytes), perc,
                static_cast<long long>(eta_s));
  return buf;
}

RdbLoadReporter::RdbLoadReporter(LoadingState& state, const Logger& logger, const Clock& clock,
                                 uint64_t total_bytes)
    : state_(state), logger_(logger), clock_(clock) {
  start_ms_ = clock_.now_ms();
  last_log_ms_ = start_ms_;
  state_ = LoadingState{};
  state_.active = true;
  state_.start_time_s = start_ms_ / 1000;
  state_.total_bytes = total_bytes;
}

RdbLoadReporter::~RdbLoadReporter() { state_.active = false; }

void RdbLoadReporter::on_aux(uint64_t, std::string_view key, std::string_view value) {
  char line[128];
  if (key == "redis-ver") {
    logger_.log(LogLevel::kNotice, "Loading RDB produced by version " + std::string(value));
  } else if (key == "ctime") {
    int64_t age_s = clock_.now_ms() / 1000 - parse_int(value);
    if (age_s < 0) age_s = 0;
    logger_.log(LogLevel::kNotice, "RDB age " + std::to_string(age_s) + " seconds");
  } else if (key == "used-mem") {
    const int64_t used = parse_int(value);
    std::snprintf(line, sizeof(line), "RDB memory usage when created %.2f Mb",
                  static_cast<double>(used) / kBytesPerMb);
    logger_.log(LogLevel::kNotice, line);
    state_.rdb_used_mem = used > 0 ? static_cast<uint64_t>(used) : 0;
  } else if (key == "aof-preamble") {
    if (parse_int(value) != 0) logger_.log(LogLevel::kNotice, "RDB has an AOF tail");
  } else if (key == "aof-base") {
    if (parse_int(value) != 0) logger_.log(LogLevel::kNotice, "RDB is base AOF");
  } else if (key != "redis-bits" && key != "lua" && key.rfind("repl-", 0) != 0) {
    logger_.log(LogLevel::kDebug, "Unrecognized RDB AUX field: '" + std::string(key) + "'");
  }
}

void RdbLoadReporter::on_progress(uint64_t loaded_bytes, uint64_t total_bytes) {
  state_.loaded_bytes = loaded_bytes;
  const int64_t now_ms = clock_.now_ms();
  if (now_ms - last_log_ms_ < kProgressLogIntervalMs) return;
  last_log_ms_ = now_ms;
  const double perc =
      total_bytes ? 100.0 * static_cast<double>(loaded_bytes) / static_cast<double>(total_bytes)
                  : 0.0;
  char line[160];
  std::snprintf(line, sizeof(line), "Loading RDB: %.2f Mb of %.2f Mb (%.0f%%) in %.1f seconds",
                static_cast<double>(loaded_bytes) / kBytesPerMb,
                static_cast<double>(total_bytes) / kBytesPerMb, perc,
                static_cast<double>(now_ms - start_ms_) / 1000.0);
  logger_.log(LogLevel::kNotice, line);
}

}  // namespace amber
