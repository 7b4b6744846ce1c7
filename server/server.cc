// The server's life cycle and its loop: settings from Config, the
// poll / before-sleep / cron rhythm of Redis's ae loop (see server.h), CLIENT
// PAUSE bookkeeping and statistics. Socket setup lives in listener.cc,
// per-client I/O in client_io.cc, the gate in command_gate.cc.
#include "server/server.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "core/assert.h"
#include "server/aof_persistence.h"
#include "server/config.h"
#include "server/nvm_persistence_host.h"
#include "server/rdb_persistence.h"

namespace amber {
namespace {

constexpr int kMaxHz = 500;                   // CONFIG_MAX_HZ
constexpr int kMaxClientsPerClockTick = 200;  // MAX_CLIENTS_PER_CLOCK_TICK
constexpr int64_t kMetricPeriodMs = 100;      // Redis samples metrics every 100 ms

EngineOptions engine_options(const Config& config) {
  EngineOptions options;
  options.databases = static_cast<int>(config.get_int("databases"));
  options.hz = static_cast<int>(config.get_int("hz"));
  options.proto_max_bulk_len = config.get_int("proto-max-bulk-len");
  options.active_expire_effort = static_cast<int>(config.get_int("active-expire-effort"));
  options.lfu_policy = config.get_string("maxmemory-policy").find("lfu") != std::string::npos;
  return options;
}

std::string random_hex(size_t n) {
  std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kHex[device() & 15]);
  return out;
}

}  // namespace

Server::Server(Config& config, Clock& clock, Random& random, Logger& logger, std::string executable)
    : config_(config),
      clock_(clock),
      logger_(logger),
      engine_(engine_options(config), clock, random),
      executable_(std::move(executable)),
      run_id_(random_hex(40)),
      replid_(random_hex(40)) {
  AMBER_ASSERT(loop_.ok());
  load_settings();
  start_time_s_ = now_s();
  engine_.set_gate(this);
  register_commands();
  aof_ = std::make_unique<AofPersistence>(*this);
  rdb_ = std::make_unique<RdbPersistence>(*this);
  nvm_ = std::make_unique<NvmPersistenceHost>(*this);
  // One snapshot-like job at a time (they share the dbs' copy-on-write bit).
  rdb_->aof_rewrite_in_progress = [this] { return aof_->rewrite_in_progress(); };
  // Every parameter the server acts on is re-read when CONFIG SET changes it.
  for (std::string_view name :
       {"hz", "dynamic-hz", "maxclients", "timeout", "requirepass", "protected-mode",
        "client-query-buffer-limit", "proto-max-bulk-len", "tcp-keepalive", "maxmemory",
        "maxmemory-policy", "loglevel", "logfile", "active-expire-effort"}) {
    config_.on_change(name, [this](std::string*) {
      load_settings();
      return true;
    });
  }
}

Server::~Server() {
  nvm_.reset();
  rdb_.reset();
  aof_.reset();
  engine_.set_gate(nullptr);
  for (auto& [id, c] : clients_) engine_.forget_session(c->session);
  clients_.clear();
  close_listeners();
}

void Server::load_settings() {
  settings_.configured_hz = static_cast<int>(std::clamp<int64_t>(config_.get_int("hz"), 1, kMaxHz));
  settings_.dynamic_hz = config_.get_bool("dynamic-hz");
  settings_.maxclients = config_.get_int("maxclients");
  settings_.idle_timeout_s = config_.get_int("timeout");
  settings_.requirepass = config_.get_string("requirepass");
  settings_.protected_mode = config_.get_bool("protected-mode");
  settings_.client_query_buffer_limit = config_.get_int("client-query-buffer-limit");
  settings_.proto_max_bulk_len = config_.get_int("proto-max-bulk-len");
  settings_.enable_debug_command = config_.get_string("enable-debug-command");
  settings_.tcp_keepalive_s = config_.get_int("tcp-keepalive");
  settings_.maxmemory = config_.get_int("maxmemory");
  settings_.maxmemory_policy = config_.get_string("maxmemory-policy");
  hz_ = settings_.configured_hz;
  EngineOptions& options = engine_.options();
  options.hz = hz_;
  options.proto_max_bulk_len = settings_.proto_max_bulk_len;
  options.active_expire_effort = static_cast<int>(config_.get_int("active-expire-effort"));
  options.lfu_policy = settings_.maxmemory_policy.find("lfu") != std::string::npos;
  LogLevel level;
  if (Logger::parse_level(config_.get_string("loglevel"), &level)) logger_.set_level(level);
  logger_.set_logfile(config_.get_string("logfile"));
}

void Server::register_commands() {
  register_connection_commands(*this);
  register_client_command(*this);
  register_info_command(*this);
  config_.register_commands(engine_, [this] { reset_stats(); });
}

void Server::request_shutdown() {
  shutdown_requested_ = true;
  loop_.wake();
}

void Server::run() {
  next_cron_ms_ = clock_.now_ms();
  while (!shutdown_requested_ || !ready_to_exit()) {
    before_sleep();
    if (shutdown_requested_) continue;
    int64_t now_ms = clock_.now_ms();
    int64_t timeout_ms = std::max<int64_t>(0, next_cron_ms_ - now_ms);
    if (pause_type_ != PauseType::kOff) {
      timeout_ms = std::min(timeout_ms, std::max<int64_t>(0, pause_end_ms_ - now_ms));
    }
    if (rdb_->busy() || aof_->busy()) {
      timeout_ms = std::min<int64_t>(timeout_ms, 1);  // keep BGSAVE / BGREWRITEAOF moving
    }
    if (nvm_->busy()) {
      timeout_ms = 0;  // fill the keyspace in as fast as the load allows
    } else if (nvm_->replay_pending()) {
      timeout_ms = std::min<int64_t>(timeout_ms, 1);  // notice when the loop goes idle
    }
    loop_.poll(static_cast<int>(timeout_ms));
    if (clock_.now_ms() >= next_cron_ms_) {
      cron();
      next_cron_ms_ = clock_.now_ms() + 1000 / hz_;
    }
  }
  logger_.log(LogLevel::kWarning, "User requested shutdown...");
  aof_->shutdown();
  close_listeners();
  logger_.log(LogLevel::kWarning, "Redis is now ready to exit, bye bye...");
}

// With appendonly switched on at runtime and its first rewrite not done, the
// AOF does not hold the dataset yet: redis-server refuses to exit unless
// forced (and then exits from what the RDB holds).
bool Server::may_exit_before_initial_aof(bool force) {
  if (!aof_->waiting_for_rewrite()) return true;
  if (force) {
    logger_.log(LogLevel::kWarning, "Writing initial AOF. Exit anyway.");
    return true;
  }
  logger_.log(LogLevel::kWarning, "Writing initial AOF, can't exit.");
  return false;
}

// A shutdown by signal saves as SHUTDOWN without arguments does; if that
// fails the server keeps serving (Redis's SIGTERM rule).
bool Server::ready_to_exit() {
  if (shutdown_saved_) return true;
  if (may_exit_before_initial_aof(false) && rdb_->prepare_shutdown(false, false, false)) {
    return true;
  }
  logger_.log(LogLevel::kWarning,
              "SIGTERM received but errors trying to shut down the server, check the logs for "
              "more information");
  shutdown_requested_ = false;
  return false;
}

// Redis's beforeSleep: the work that must happen before blocking again.
void Server::serve_while_loading() {
  if (!loading_) return;
  loop_.poll(0);
  handle_pending_writes();
  free_closed_clients();
}

void Server::before_sleep() {
  check_pause();
  if (pause_type_ == PauseType::kOff && engine_.options().active_expire) {
    active_expire_cycle(engine_, /*fast=*/true);
  }
  // The AOF is written (and with appendfsync always synced) before any
  // reply of this iteration leaves: a reply acknowledges a logged write.
  aof_->before_sleep();
  nvm_->before_sleep();  // NVM group commit, for the same reason
  rdb_->before_sleep();
  handle_pending_writes();
  nvm_->after_replies();
  free_closed_clients();
}

void Server::cron() {
  int64_t now_ms = clock_.now_ms();
  update_dynamic_hz();
  // Active expiry must not delete keys while clients are paused (a replica
  // or a failover relies on the dataset standing still).
  if (pause_type_ == PauseType::kOff) engine_.cron();
  clients_cron(now_ms / 1000);
  aof_->cron();
  nvm_->cron();
  rdb_->cron();
  track_metrics(now_ms);
}

void Server::update_dynamic_hz() {
  int hz = settings_.configured_hz;
  if (settings_.dynamic_hz) {
    while (static_cast<int64_t>(clients_.size()) / hz > kMaxClientsPerClockTick) {
      hz *= 2;
      if (hz > kMaxHz) {
        hz = kMaxHz;
        break;
      }
    }
  }
  hz_ = hz;
  engine_.options().hz = hz;
}

void Server::clients_cron(int64_t now_s) {
  for (auto& [id, c] : clients_) {
    if (c->flags & kClientCloseAsap) continue;
    bool idle = settings_.idle_timeout_s > 0 && !(c->flags & kClientPostponed) &&
                now_s - c->last_interaction_s > settings_.idle_timeout_s;
    if (idle) {
      logger_.log(LogLevel::kVerbose, "Closing idle client");
      close_async(*c);
      continue;
    }
    c->parser.shrink_if_idle();
    if (c->pending_output() == 0 && c->out.capacity() > 64 * 1024) std::string().swap(c->out);
  }
}

void Server::track_metrics(int64_t now_ms) {
  auto track = [now_ms](ServerStats::Metric& m, uint64_t value) {
    int64_t elapsed_ms = now_ms - m.last_sample_ms;
    if (elapsed_ms < kMetricPeriodMs) return;
    double per_sec =
        elapsed_ms > 0 ? static_cast<double>(value - m.last_value) * 1000 / elapsed_ms : 0;
    m.samples[m.index] = per_sec;
    m.index = (m.index + 1) % ServerStats::kSamples;
    m.last_sample_ms = now_ms;
    m.last_value = value;
  };
  track(stats_.ops, engine_.stats().total_commands_processed);
  track(stats_.net_input, stats_.net_input_bytes);
  track(stats_.net_output, stats_.net_output_bytes);
}

void Server::close_async(Client& c) {
  if (c.flags & kClientCloseAsap) return;
  c.flags |= kClientCloseAsap;
  to_close_.push_back(&c);
}

Client* Server::find_client(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

void Server::free_closed_clients() {
  // A client's own reply to QUIT or CLIENT KILL has been written by now.
  std::vector<Client*> closing;
  closing.swap(to_close_);
  for (Client* c : closing) free_client(*c);
}

void Server::free_client(Client& c) {
  loop_.remove(c.fd);
  engine_.forget_session(c.session);
  clients_.erase(c.id);
}

void Server::pause(PauseType type, int64_t end_ms) {
  // Pauses combine: the stronger type and the later end win (pauseClients).
  pause_type_ = std::max(pause_type_, type);
  pause_end_ms_ = std::max(pause_end_ms_, end_ms);
}

void Server::unpause() {
  pause_type_ = PauseType::kOff;
  pause_end_ms_ = 0;
}

// Ends an elapsed pause and lets the clients it held run their commands.
void Server::check_pause() {
  if (pause_type_ != PauseType::kOff && clock_.now_ms() >= pause_end_ms_) unpause();
  // A pause only grows until it ends, so held clients wait for kOff.
  if (postponed_.empty() || pause_type_ != PauseType::kOff) return;
  std::vector<uint64_t> waiting;
  waiting.swap(postponed_);
  for (uint64_t id : waiting) {
    Client* c = find_client(id);
    if (c == nullptr || (c->flags & kClientCloseAsap)) continue;
    c->flags &= ~kClientPostponed;
    process_input(*c);
  }
}

void Server::reset_stats() {
  EngineStats& es = engine_.stats();
  uint64_t dirty = es.dirty;
  es = EngineStats{};
  es.dirty = dirty;
  for (const CommandSpec* spec : engine_.all_commands()) {
    auto clear = [](const CommandSpec& s) {
      s.calls = s.usec = s.rejected_calls = s.failed_calls = 0;
    };
    clear(*spec);
    for (const CommandSpec& sub : spec->subcommands) clear(sub);
  }
  stats_ = ServerStats{};
  stats_.ops.last_sample_ms = stats_.net_input.last_sample_ms = stats_.net_output.last_sample_ms =
      clock_.now_ms();
}

void Server::change_replid() { replid_ = random_hex(40); }

}  // namespace amber
