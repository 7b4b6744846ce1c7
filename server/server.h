// Server: amber-server's network side. It owns the Engine, accepts TCP and
// unix-socket connections, reads requests, runs them through the engine and
// writes the replies, all on one thread driven by an epoll EventLoop — the
// shape of Redis's ae loop:
//
//   poll ──> readable client: read, parse every complete command, execute
//        │   each into the client's output buffer, queue it for writing
//        └─> before the next poll: fast active expiry, write queued
//            replies directly (EPOLLOUT only if the socket is full), free
//            closed clients; `hz` times a second: cron (engine.cron(),
//            idle timeouts, statistics).
//
// It is also the engine's CommandGate (NOAUTH, the DEBUG rule) and registers
// the connection-level commands (PING, ECHO, QUIT, HELLO, AUTH, CLIENT,
// TIME, SHUTDOWN, RESET, INFO). Configuration comes from Config, read at
// start and refreshed through Config::on_change.
//
// Threads: everything runs on the thread that calls run(), except
// request_shutdown(), which any thread may call.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"
#include "server/client.h"
#include "server/event_loop.h"
#include "server/logger.h"

namespace amber {

class Config;
class RdbPersistence;
class AofPersistence;
class NvmPersistenceHost;

// Values read from Config; refreshed when CONFIG SET changes one of them.
struct ServerSettings {
  int configured_hz = 10;
  bool dynamic_hz = true;
  int64_t maxclients = 10000;
  int64_t idle_timeout_s = 0;  // `timeout`
  std::string requirepass;
  bool protected_mode = true;
  int64_t client_query_buffer_limit = 1LL << 30;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  std::string enable_debug_command = "no";
  int64_t tcp_keepalive_s = 300;
  int64_t maxmemory = 0;
  std::string maxmemory_policy = "noeviction";
};

struct ServerStats {
  uint64_t connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t reads_processed = 0;
  uint64_t writes_processed = 0;
  uint64_t peak_memory = 0;
  // Redis's instantaneous metrics: 16 samples taken every 100 ms.
  static constexpr int kSamples = 16;
  struct Metric {
    int64_t last_sample_ms = 0;
    uint64_t last_value = 0;
    double samples[kSamples] = {};
    int index = 0;
  };
  Metric ops, net_input, net_output;
};

enum class PauseType { kOff = 0, kWrite = 1, kAll = 2 };

class Server final : public CommandGate {
 public:
  static constexpr std::string_view kRedisVersion = "7.0.15";
  static constexpr std::string_view kAmberVersion = "0.1.0";

  // `executable` and the config are for INFO; `clock` and `random` are
  // handed to the engine as well.
  Server(Config& config, Clock& clock, Random& random, Logger& logger, std::string executable = "");
  ~Server() override;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the listening sockets (bind/port, unixsocket). On failure logs
  // and returns false with a message.
  bool listen(std::string* error);
  // Routes SIGTERM/SIGINT to a clean shutdown (a signalfd in the loop).
  bool handle_signals();
  // Serves until SHUTDOWN, a signal, or request_shutdown().
  void run();

  // Startup loading (Redis's server.loading): the listeners are open and
  // clients are served between chunks of the load, but every command
  // without the "loading" flag gets -LOADING.
  void begin_loading() { loading_ = true; }
  void end_loading() { loading_ = false; }
  bool loading() const { return loading_; }
  // For the loaders' progress callbacks: while loading at startup, one
  // non-blocking turn of the event loop (accept, read, execute or refuse,
  // reply). Does nothing otherwise (DEBUG RELOAD blocks, as in Redis).
  void serve_while_loading();
  void request_shutdown();

  Engine& engine() { return engine_; }
  Config& config() { return config_; }
  Logger& logger() { return logger_; }
  const ServerSettings& settings() const { return settings_; }
  ServerStats& stats() { return stats_; }
  int64_t now_s() const { return clock_.now_ms() / 1000; }

  // CommandGate.
  bool admit(Session& session, const CommandSpec& spec, ArgList argv, std::string* error) override;

  // --- for the connection commands ---
  static Client* client_of(Session& session) { return static_cast<Client*>(session.host); }
  bool auth_required(const Client& c) const {
    return !settings_.requirepass.empty() && !c.authenticated;
  }
  // AUTH / HELLO AUTH against the default user; true if accepted.
  bool authenticate(Client& c, std::string_view user, std::string_view password);
  bool is_local(const Client& c) const;
  const std::map<uint64_t, std::unique_ptr<Client>>& clients() const { return clients_; }
  Client* find_client(uint64_t id);
  // Frees `c` before the next poll without writing what is pending.
  void close_async(Client& c);
  void pause(PauseType type, int64_t end_ms);
  void unpause();
  // SHUTDOWN: stop after this loop iteration.
  void shutdown_now() {
    shutdown_saved_ = true;
    shutdown_requested_ = true;
  }
  void reset_stats();
  int hz() const { return hz_; }
  int tcp_port() const { return tcp_port_; }
  int64_t start_time_s() const { return start_time_s_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& replid() const { return replid_; }
  // DEBUG CHANGE-REPL-ID: a new random replication ID.
  void change_replid();
  const std::string& executable() const { return executable_; }
  size_t postponed_count() const { return postponed_.size(); }
  // The client whose command is running (nullptr between commands).
  const Client* current_client() const { return current_client_; }
  // The append-only file (server/aof_persistence.h).
  AofPersistence& aof() { return *aof_; }
  // False (logged) while the AOF waits for its first rewrite, unless forced.
  bool may_exit_before_initial_aof(bool force);
  // RDB snapshots (server/rdb_persistence.h).
  RdbPersistence& rdb() { return *rdb_; }
  // NVM persistence mode (server/nvm_persistence_host.h).
  NvmPersistenceHost& nvm() { return *nvm_; }

  // --- client I/O (client.cc, client_io.cc) ---
  void read_from_client(Client& c);
  void write_to_client(Client& c);

 private:
  class Listener;

  void load_settings();
  void register_commands();
  void accept_client(int fd, bool unix_socket);
  bool reject_connection(int fd, bool unix_socket, const std::string& peer_ip);
  void process_input(Client& c);
  // Starts loading the dictionary buckets and entries of the keys of the
  // next commands buffered for `c` (RespParser::peek_keys), when there are
  // several: a pipeline's lookups then overlap their cache misses.
  void prefetch_pipelined_keys(Client& c);
  // Keys prefetched together: a -P 16 pipeline's worth.
  static constexpr size_t kPrefetchedKeys = 16;
  bool must_postpone(Client& c) const;
  void execute_command(Client& c, Reply& reply);
  void queue_write(Client& c);
  void before_sleep();
  bool ready_to_exit();
  void handle_pending_writes();
  void free_closed_clients();
  void free_client(Client& c);
  void check_pause();
  void cron();
  void clients_cron(int64_t now_s);
  void track_metrics(int64_t now_ms);
  void update_dynamic_hz();
  void close_listeners();

  Config& config_;
  Clock& clock_;
  Logger& logger_;
  Engine engine_;
  EventLoop loop_;
  ServerSettings settings_;
  ServerStats stats_;
  std::string executable_;
  std::string run_id_;
  std::string replid_;
  std::string unixsocket_path_;
  int tcp_port_ = 0;
  int hz_ = 10;
  int64_t start_time_s_ = 0;
  int64_t next_cron_ms_ = 0;
  int signal_fd_ = -1;
  std::unique_ptr<IoHandler> signal_handler_;

  std::vector<std::unique_ptr<IoHandler>> listeners_;  // Listener objects
  std::vector<int> listener_fds_;
  std::map<uint64_t, std::unique_ptr<Client>> clients_;  // by id = creation order
  uint64_t next_client_id_ = 1;
  std::vector<Client*> pending_writes_;
  std::vector<Client*> to_close_;
  std::vector<uint64_t> postponed_;  // ids of clients waiting for a pause to end
  Client* current_client_ = nullptr;
  std::unique_ptr<AofPersistence> aof_;
  std::unique_ptr<RdbPersistence> rdb_;
  std::unique_ptr<NvmPersistenceHost> nvm_;
  bool shutdown_saved_ = false;  // SHUTDOWN already ran prepare_shutdown
  PauseType pause_type_ = PauseType::kOff;
  int64_t pause_end_ms_ = 0;

  std::atomic<bool> shutdown_requested_{false};
  bool loading_ = false;
};

// Command groups the server registers (one file each).
void register_connection_commands(Server& server);
void register_client_command(Server& server);
void register_info_command(Server& server);

// INFO's text for the given section arguments (INFO's argv[1..]).
std::string generate_info(Server& server, ArgList sections);

}  // namespace amber
