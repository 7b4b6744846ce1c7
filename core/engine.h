// Engine: the deterministic state machine at the heart of amber. It owns the
// databases and the command table and runs one command at a time:
// `execute(session, argv, reply)`. Time comes from the injected Clock,
// randomness from the injected Random; periodic work (active expiry,
// incremental rehash) is `cron()`, which the host calls `hz` times a second.
// Same inputs and seed -> same replies and the same keyspace.
//
// Single-threaded: every method is called from the host's one engine thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/command.h"
#include "core/db.h"
#include "core/io/clock.h"
#include "core/io/random.h"
#include "core/keyspace_observer.h"
#include "core/propagation.h"
#include "core/reply.h"
#include "core/session.h"

namespace amber {

struct EngineOptions {
  int databases = 16;
  bool active_expire = true;     // DEBUG SET-ACTIVE-EXPIRE
  int active_expire_effort = 1;  // active-expire-effort, 1..10
  int hz = 10;
  // maxmemory-policy is LFU: OBJECT FREQ is allowed, IDLETIME is not.
  bool lfu_policy = false;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;  // also the string size limit
  // Expired keys / GETDEL propagate as UNLINK instead of DEL.
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_user_del = false;
};

// The host's admission check (AUTH, protected mode, MISCONF, LOADING, OOM,
// CLIENT PAUSE ...), run after a command is found and its arity checked and
// before it is queued or run — the order of Redis's processCommand.
class CommandGate {
 public:
  virtual ~CommandGate() = default;
  // Returns true to let the command through; otherwise sets `error` (the
  // whole error text without '-') and the engine rejects the command.
  virtual bool admit(Session& session, const CommandSpec& spec, ArgList argv,
                     std::string* error) = 0;
};

struct EngineStats {
  uint64_t expired_keys = 0;
  uint64_t expired_time_cap_reached_count = 0;
  double expired_stale_perc = 0;
  uint64_t expire_cycle_cpu_milliseconds = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t total_commands_processed = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  std::map<std::string, uint64_t> errorstats;  // error code ("ERR", "WRONGTYPE") -> count
  // Writes since the last successful save (INFO rdb_changes_since_last_save).
  uint64_t dirty = 0;
};

// Active expiry's memory from one cycle to the next (expire.c keeps it in
// function statics; here it belongs to the engine it serves).
struct ActiveExpireState {
  uint64_t next_db = 0;            // the next cycle starts with this db
  bool timelimit_exit = false;     // the previous cycle ran out of budget
  int64_t last_fast_cycle_us = 0;  // start of the latest fast cycle
  uint64_t time_used_us = 0;       // total time spent in cycles
};

class Engine {
 public:
  Engine(const EngineOptions& options, Clock& clock, Random& random);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs one command (or queues it inside MULTI) and writes its reply.
  // REQUIRES: !argv.empty().
  void execute(Session& session, ArgList argv, Reply& reply);

  // For the host: answers with `error` a command it refused before execute
  // (NOAUTH, MISCONF, LOADING...). Inside MULTI this aborts the transaction,
  // as a queue-time error does in Redis.
  void reject(Session& session, Reply& reply, std::string_view error) {
    reject(session, nullptr, reply, error);
  }
  // The same, knowing which command was refused (a refused EXEC inside
  // MULTI aborts the transaction at once, as Redis does).
  void reject(Session& session, const CommandSpec* spec, Reply& reply, std::string_view error);

  // Installs the host's admission check (nullptr: admit everything).
  void set_gate(CommandGate* gate) { gate_ = gate; }

  // Periodic work; the host calls it `hz` times a second.
  void cron();

  // A client is going away: drop its WATCHes.
  void forget_session(Session& session);

  // Command table. The host registers its own commands (CLIENT, CONFIG, ...).
  void register_command(CommandSpec spec);
  const CommandSpec* find_command(std::string_view name) const;
  // The command (and subcommand) for argv. `error` is set when there is
  // none (spec null) or when its arity does not fit (spec set).
  struct Resolved {
    const CommandSpec* spec;
    std::string error;
  };
  Resolved resolve(ArgList argv) const;
  std::vector<const CommandSpec*> all_commands() const;

  // --- keyspace, for command handlers ---
  Db& db(int index) { return *dbs_[static_cast<size_t>(index)]; }
  int db_count() const { return static_cast<int>(dbs_.size()); }

  // Redis's lookupKeyRead: expires the key if due, counts a hit or a miss and
  // updates the access clock. nullptr if absent. The entry is only to be
  // read: under the NVM capacity tier it may be a copy (Db::find_for_read),
  // valid until the second lookup_read() after this one or any change to
  // the database.
  const Entry* lookup_read(int db, std::string_view key, int64_t now_ms);
  // lookup_read() for a command that then changes the entry (GETEX): its
  // value is resident.
  Entry* lookup_read_to_change(int db, std::string_view key, int64_t now_ms);
  // Redis's lookupKeyWrite: expires the key if due. nullptr if absent.
  Entry* lookup_write(int db, std::string_view key, int64_t now_ms);
  // Like lookup_write but without statistics or access-time update (TYPE of
  // an existing key for SCAN, OBJECT, ...).
  Entry* lookup_no_touch(int db, std::string_view key, int64_t now_ms);
  // Always false while loading (Redis's keyIsExpired): replaying the AOF
  // later than it was written must not expire keys that later records
  // still read (COPY, RENAME, INCR ...).
  bool key_is_expired(const Entry* e, int64_t now_ms) const;
  bool loading() const { return loading_; }
  void set_loading(bool loading) { loading_ = loading; }
  // Deletes an expired key as Redis does (stats, WATCH).
  void expire_entry(int db, const Entry* e);
  // Deletes a key. Returns false if absent. Does not signal; callers do.
  bool delete_key(int db, std::string_view key) {
    return dbs_[static_cast<size_t>(db)]->erase(key);
  }

  // A key was written: invalidates WATCHes and tells the keyspace observer.
  // `written`: the key's entry as the write left it, when the caller has it.
  void signal_modified(int db, std::string_view key, Entry* written = nullptr);
  // A whole database was emptied or replaced (FLUSHDB/FLUSHALL: with = -1;
  // SWAPDB: with = the other db).
  void signal_db_replaced(int db, int with);
  // Empties database `db` (FLUSHDB, and FLUSHALL / DEBUG RELOAD / DEBUG
  // LOADAOF for each), telling watchers and the keyspace observer first;
  // returns how many keys it held.
  uint64_t empty_db(int db);
  // Calls fn(spec, argv) for each command queued in `session`'s MULTI, in
  // order, until fn returns false. Queued commands were resolved when they
  // were queued; an unknown one (refused then) is skipped.
  void for_each_queued(const Session& session,
                       const std::function<bool(const CommandSpec&, ArgList)>& fn) const;
  void add_dirty(uint64_t n) { stats_.dirty += n; }

  // Counts an error reply in INFO's errorstats (call() does this for
  // handlers; EXEC, whose nested commands count their own, uses it directly).
  void count_error(std::string_view message);

  // Leaves MULTI: drops the queue and every WATCH.
  void discard_transaction(Session& session);

  // EXEC: runs the session's queued commands as one unit (or aborts).
  void exec_transaction(Session& session, Reply& reply, int64_t now_ms);

  // WATCH bookkeeping (MULTI's commands use these).
  void watch(Session& session, std::string_view key, int64_t now_ms);
  void unwatch_all(Session& session);

  // Redis's 24-bit LRU clock in seconds.
  uint32_t lru_clock() const;

  Clock& clock() { return clock_; }
  Random& random() { return random_; }
  EngineStats& stats() { return stats_; }
  EngineOptions& options() { return options_; }
  ActiveExpireState& active_expire_state() { return active_expire_state_; }
  // Where writes are propagated (AOF); see core/propagation.h.
  Propagator& propagation() { return propagation_; }
  void set_propagation_sink(PropagationSink* sink) { propagation_.set_sink(sink); }
  // Told about every key change and db replacement (core/keyspace_observer.h);
  // nullptr: nobody.
  void set_keyspace_observer(KeyspaceObserver* observer) { keyspace_observer_ = observer; }

 private:
  // Keyspace hit / miss statistics of a read lookup.
  void count_read(bool hit);
  struct CaseInsensitiveHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct CaseInsensitiveEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  using CommandMap =
      std::unordered_map<std::string, CommandSpec, CaseInsensitiveHash, CaseInsensitiveEqual>;

  void call(Session& session, const CommandSpec& spec, ArgList argv, Reply& reply);
  void queue(Session& session, ArgList argv, Reply& reply);

  EngineOptions options_;
  CommandGate* gate_ = nullptr;
  Clock& clock_;
  Random& random_;
  std::vector<std::unique_ptr<Db>> dbs_;
  CommandMap commands_;
  EngineStats stats_;
  ActiveExpireState active_expire_state_;
  bool loading_ = false;
  Propagator propagation_;
  KeyspaceObserver* keyspace_observer_ = nullptr;
  // Per db: watched key -> sessions watching it.
  std::vector<std::unordered_map<std::string, std::vector<Session*>>> watchers_;
};

// Command groups, one file each under core/commands/.
void register_string_commands(Engine& engine);
void register_key_commands(Engine& engine);
void register_transaction_commands(Engine& engine);

// Active expiry: Redis's sampling cycle (expire.c). `fast` is the short cycle
// run before each event-loop sleep; the slow one runs from cron.
void active_expire_cycle(Engine& engine, bool fast);

}  // namespace amber
