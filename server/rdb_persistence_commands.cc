// RdbPersistence's commands and the moments that load or must save: SAVE,
// BGSAVE [SCHEDULE], LASTSAVE; the load at startup with Redis's log lines;
// the save before exiting (prepareForShutdown's rule: save when save points
// are configured unless NOSAVE, always with SAVE; a failed save refuses to
// exit unless FORCE); DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE].
#include <chrono>

#include "core/args.h"
#include "core/engine.h"
#include "core/errors.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "core/persist/snapshot.h"
#include "server/background_executor.h"
#include "server/config.h"
#include "server/nvm_persistence_host.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {

void RdbPersistence::register_commands() {
  Engine& engine = server_.engine();
  engine.register_command({.name = "save",
                           .arity = 1,
                           .flags = kCmdAdmin | kCmdNoScript | kCmdNoMulti,
                           .handler = [this](CommandContext& ctx) {
                             if (snapshot_ != nullptr) {
                               ctx.reply.error("ERR Background save already in progress");
                               return;
                             }
                             ++saves_;
                             if (save_now().ok()) {
                               ctx.reply.ok();
                             } else {
                               ctx.reply.error("ERR");
                             }
                           }});
  engine.register_command({.name = "bgsave",
                           .arity = -1,
                           .flags = kCmdAdmin | kCmdNoScript,
                           .handler = [this](CommandContext& ctx) { bgsave_command(ctx); }});
  engine.register_command(
      {.name = "lastsave",
       .arity = 1,
       .flags = kCmdLoading | kCmdStale | kCmdFast,
       .handler = [this](CommandContext& ctx) { ctx.reply.integer(last_save_s_); }});
}

void RdbPersistence::bgsave_command(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argv.size() > 1) {
    if (ctx.argv.size() == 2 && equals_ignore_case(ctx.argv[1], "schedule")) {
      schedule = true;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if (snapshot_ != nullptr) {
    ctx.reply.error("ERR Background save already in progress");
  } else if (aof_rewrite_in_progress && aof_rewrite_in_progress()) {
    if (schedule) {
      bgsave_scheduled_ = true;
      ctx.reply.simple("Background saving scheduled");
    } else {
      ctx.reply.error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
  } else if (start_bgsave().ok()) {
    ctx.reply.simple("Background saving started");
  } else {
    ctx.reply.error("ERR");
  }
}

std::string RdbPersistence::file_path() const {
  const Config& config = server_.config();
  return join_path(config.get_string("dir"), config.get_string("dbfilename"));
}

namespace {

// Both observers see every record: the report of the load and a tap.
class TeeLoadObserver final : public RdbLoadObserver {
 public:
  TeeLoadObserver(RdbLoadObserver& a, RdbLoadObserver& b) : a_(a), b_(b) {}
  void on_aux(uint64_t end, std::string_view key, std::string_view value) override {
    a_.on_aux(end, key, value);
    b_.on_aux(end, key, value);
  }
  void on_select_db(uint64_t end, uint64_t db) override {
    a_.on_select_db(end, db);
    b_.on_select_db(end, db);
  }
  void on_module_aux(uint64_t end, std::string_view module) override {
    a_.on_module_aux(end, module);
    b_.on_module_aux(end, module);
  }
  void on_function(uint64_t end) override {
    a_.on_function(end);
    b_.on_function(end);
  }
  void on_key_start(uint64_t offset, uint8_t type, std::string_view key) override {
    a_.on_key_start(offset, type, key);
    b_.on_key_start(offset, type, key);
  }
  void on_key(uint64_t end, int64_t expire_ms) override {
    a_.on_key(end, expire_ms);
    b_.on_key(end, expire_ms);
  }
  void on_checksum(uint64_t end, bool verified) override {
    a_.on_checksum(end, verified);
    b_.on_checksum(end, verified);
  }

 private:
  RdbLoadObserver& a_;
  RdbLoadObserver& b_;
};

}  // namespace

Status RdbPersistence::load_file(bool merge, RdbLoadTap* tap) {
  Engine& engine = server_.engine();
  Config& config = server_.config();
  const std::string path = file_path();
  RdbLoadOptions options;
  options.now_ms = engine.clock().now_ms();
  options.verify_checksum = config.get_bool("rdbchecksum");
  options.lru_clock = engine.lru_clock();
  options.progress_interval_bytes =
      static_cast<uint64_t>(config.get_int("loading-process-events-interval-bytes"));
  uint64_t file_size = 0;
  AMBER_RETURN_IF_ERROR(fs_->get_file_size(path, &file_size));
  RdbLoadReporter reporter(loading_, server_.logger(), engine.clock(), file_size);
  options.observer = &reporter;
  std::unique_ptr<TeeLoadObserver> tee;
  if (tap != nullptr && tap->observer != nullptr) {
    tee = std::make_unique<TeeLoadObserver>(reporter, *tap->observer);
    options.observer = tee.get();
  }
  Status absorbed;
  options.progress = [this, &reporter, tap, &absorbed](uint64_t loaded, uint64_t total) {
    reporter.on_progress(loaded, total);
    if (tap != nullptr && tap->absorb && absorbed.ok()) absorbed = tap->absorb();
    server_.serve_while_loading();
  };
  RdbLoadResult result;
  std::vector<std::unique_ptr<Db>> staging;
  std::vector<Db*> targets = engine_dbs(engine);
  if (merge) {  // load aside, then replace keys that exist (RDBFLAGS_ALLOW_DUP)
    for (Db*& db : targets) {
      staging.push_back(std::make_unique<Db>(1));
      db = staging.back().get();
    }
  }
  Status status = load_rdb_file(*fs_, path, targets, options, &result);
  if (!status.ok()) return status;
  if (tap != nullptr && tap->absorb && absorbed.ok()) absorbed = tap->absorb();
  AMBER_RETURN_IF_ERROR(absorbed);
  for (size_t i = 0; merge && i < targets.size(); ++i) {
    Db& dst = engine.db(static_cast<int>(i));
    targets[i]->for_each([&](Entry* e) {
      dst.erase(e->key());
      Entry* copy = dst.insert(e->key(), e->value(), e->value_encoding());
      if (e->has_expire()) dst.set_expire(copy, e->expire_ms);
    });
  }
  last_load_keys_loaded_ = result.keys_loaded;
  last_load_keys_expired_ = result.keys_expired;
  server_.logger().log(LogLevel::kNotice,
                       "Done loading RDB, keys loaded: " + std::to_string(result.keys_loaded) +
                           ", keys expired: " + std::to_string(result.keys_expired) + ".");
  return {};
}

bool RdbPersistence::load_at_startup(std::string* error, RdbLoadTap* tap) {
  Config& config = server_.config();
  if (config.get_bool("appendonly")) return true;  // the AOF is the source then
  const std::string path = file_path();
  if (!fs_->file_exists(path)) return true;
  auto start = std::chrono::steady_clock::now();
  Status status = load_file(/*merge=*/false, tap);
  if (!status.ok()) {
    *error = "Fatal error loading the DB: " + status.message() + ". Exiting.";
    server_.logger().log(LogLevel::kWarning, *error);
    return false;
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  char line[64];
  std::snprintf(line, sizeof(line), "DB loaded from disk: %.3f seconds", took.count());
  server_.logger().log(LogLevel::kNotice, line);
  server_.engine().stats().dirty = 0;
  return true;
}

bool RdbPersistence::prepare_shutdown(bool save, bool nosave, bool force) {
  Logger& log = server_.logger();
  if (snapshot_ != nullptr) {
    log.log(LogLevel::kWarning, "There is a child saving an .rdb. Killing it!");
    snapshot_->abort();
    snapshot_.reset();
    executor_->drain();
  }
  if (!save && (nosave || save_points().empty())) return true;
  log.log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
  if (save_now().ok()) return true;
  if (force) {
    log.log(LogLevel::kWarning, "Error trying to save the DB. Exit anyway.");
    return true;
  }
  log.log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
  return false;
}

std::vector<DebugSubcommand> RdbPersistence::debug_subcommands() {
  DebugSubcommand reload;
  reload.name = "reload";
  reload.min_argc = 2;
  reload.max_argc = -1;
  reload.help = {"RELOAD [option ...]",
                 "    Save the RDB on disk and reload it back to memory. Available options:",
                 "    * MERGE: Merge the content of the RDB file into the current dataset.",
                 "    * NOFLUSH: Do not empty the dataset before loading the RDB.",
                 "    * NOSAVE: the database will be loaded from an existing RDB file."};
  reload.handler = [this](CommandContext& ctx) {
    bool flush = true, save = true, merge = false;
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      if (equals_ignore_case(ctx.argv[i], "merge")) {
        merge = true;
      } else if (equals_ignore_case(ctx.argv[i], "noflush")) {
        flush = false;
      } else if (equals_ignore_case(ctx.argv[i], "nosave")) {
        save = false;
      } else {
        ctx.reply.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        return;
      }
    }
    NvmPersistenceHost& nvm = server_.nvm();
    if (nvm.enabled() && (!save || merge || !flush)) {
      // The NVM log and store keep the dataset as it was: reloading other
      // data would leave them disagreeing with memory.
      ctx.reply.error(
          "ERR DEBUG RELOAD with NOSAVE, MERGE or NOFLUSH is not supported with nvm-enabled yes");
      return;
    }
    if (save && (snapshot_ != nullptr || !save_now().ok())) {
      ctx.reply.error("ERR");
      return;
    }
    Engine& engine = ctx.engine;
    bool load_failed = false;
    Status status = nvm.reload_unlogged([&] {
      for (int i = 0; flush && i < engine.db_count(); ++i) engine.empty_db(i);
      load_failed = !load_file(merge || !flush).ok();
      return Status();
    });
    if (!status.ok()) {
      ctx.reply.error("ERR DEBUG RELOAD: " + status.message());
      return;
    }
    if (load_failed) {
      ctx.reply.error("ERR Error trying to load the RDB dump");
      return;
    }
    server_.logger().log(LogLevel::kWarning, "DB reloaded by DEBUG RELOAD");
    ctx.reply.ok();
  };
  return {reload};
}

}  // namespace amber
