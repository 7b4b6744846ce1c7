// MULTI, EXEC, DISCARD, WATCH, UNWATCH and the WATCH registry.
//
// Redis 7.0's rules: an error while queueing (unknown command, wrong arity,
// a command the host rejected) aborts the whole transaction with EXECABORT;
// an error while running one queued command does not stop the others. A
// WATCHed key that is written, expired or flushed before EXEC makes EXEC
// answer a null array. A transaction is one atomic unit: nothing runs
// between its commands, and persistence logs it as one unit.
#include <algorithm>

#include "core/assert.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber {
namespace {

void multi_command(CommandContext& ctx) {
  if (ctx.session.in_multi) {
    ctx.reply.error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.session.in_multi = true;
  ctx.reply.ok();
}

void discard_command(CommandContext& ctx) {
  if (!ctx.session.in_multi) {
    ctx.reply.error("ERR DISCARD without MULTI");
    return;
  }
  ctx.engine.discard_transaction(ctx.session);
  ctx.reply.ok();
}

void watch_command(CommandContext& ctx) {
  if (ctx.session.in_multi) {
    ctx.reply.error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  // Redis: a client whose watch is already broken need not watch more.
  if (!ctx.session.watch_dirty) {
    for (size_t i = 1; i < ctx.argv.size(); ++i)
      ctx.engine.watch(ctx.session, ctx.argv[i], ctx.now_ms);
  }
  ctx.reply.ok();
}

void unwatch_command(CommandContext& ctx) {
  ctx.engine.unwatch_all(ctx.session);
  ctx.session.watch_dirty = false;
  ctx.reply.ok();
}

void exec_command(CommandContext& ctx) {
  if (!ctx.session.in_multi) {
    ctx.reply.error("ERR EXEC without MULTI");
    ctx.engine.count_error(ctx.reply.last_error());
    return;
  }
  ctx.engine.exec_transaction(ctx.session, ctx.reply, ctx.now_ms);
}

}  // namespace

void Engine::exec_transaction(Session& session, Reply& reply, int64_t now_ms) {
  for (const WatchedKey& wk : session.watched) {
    if (wk.expired_at_watch) continue;
    Entry* e = dbs_[static_cast<size_t>(wk.db)]->find(wk.key);
    if (e != nullptr && key_is_expired(e, now_ms)) session.watch_dirty = true;
  }
  if (session.multi_aborted) {
    reply.error(errors::kExecAbort);
    count_error(reply.last_error());
    discard_transaction(session);
    return;
  }
  if (session.watch_dirty) {
    reply.null_array();
    discard_transaction(session);
    return;
  }
  unwatch_all(session);
  std::vector<std::vector<std::string>> queued;
  queued.swap(session.queued);
  session.in_multi = false;
  reply.array(queued.size());
  std::vector<std::string_view> views;
  for (const auto& command : queued) {
    views.assign(command.begin(), command.end());
    // Every queued command was resolved at queue time and the table is
    // fixed, so it resolves again.
    Resolved resolved = resolve(views);
    AMBER_ASSERT(resolved.spec != nullptr && resolved.error.empty());
    call(session, *resolved.spec, views, reply);
  }
  discard_transaction(session);
}

void Engine::discard_transaction(Session& session) {
  session.in_multi = false;
  session.multi_aborted = false;
  session.queued.clear();
  unwatch_all(session);
  // Redis clears CLIENT_DIRTY_CAS with the transaction: the next WATCH
  // starts clean.
  session.watch_dirty = false;
}

void Engine::watch(Session& session, std::string_view key, int64_t now_ms) {
  for (const WatchedKey& wk : session.watched) {
    if (wk.db == session.db && wk.key == key) return;
  }
  Entry* e = dbs_[static_cast<size_t>(session.db)]->find(key);
  bool expired = e != nullptr && key_is_expired(e, now_ms);
  session.watched.push_back(WatchedKey{session.db, std::string(key), expired});
  watchers_[static_cast<size_t>(session.db)][std::string(key)].push_back(&session);
}

void Engine::unwatch_all(Session& session) {
  for (const WatchedKey& wk : session.watched) {
    auto& map = watchers_[static_cast<size_t>(wk.db)];
    auto it = map.find(wk.key);
    if (it == map.end()) continue;
    auto& sessions = it->second;
    sessions.erase(std::remove(sessions.begin(), sessions.end(), &session), sessions.end());
    if (sessions.empty()) map.erase(it);
  }
  session.watched.clear();
}

void Engine::signal_modified(int db, std::string_view key, Entry* written) {
  if (keyspace_observer_ != nullptr) keyspace_observer_->on_key_modified(db, key, written);
  auto& map = watchers_[static_cast<size_t>(db)];
  if (map.empty()) return;
  auto it = map.find(std::string(key));
  if (it == map.end()) return;
  bool present = dbs_[static_cast<size_t>(db)]->find(key) != nullptr;
  for (Session* session : it->second) {
    for (WatchedKey& wk : session->watched) {
      if (wk.db != db || wk.key != key) continue;
      // A key already expired at WATCH time that is now simply gone has not
      // logically changed (Redis 7.0, touchWatchedKey).
      if (wk.expired_at_watch && !present) {
        wk.expired_at_watch = false;
        continue;
      }
      session->watch_dirty = true;
    }
  }
}

void Engine::signal_db_replaced(int db, int with) {
  if (keyspace_observer_ != nullptr) keyspace_observer_->on_db_replaced(db, with);
  auto& map = watchers_[static_cast<size_t>(db)];
  for (auto& [key, sessions] : map) {
    bool in_emptied = dbs_[static_cast<size_t>(db)]->find(key) != nullptr;
    bool in_replacement = with >= 0 && dbs_[static_cast<size_t>(with)]->find(key) != nullptr;
    if (!in_emptied && !in_replacement) continue;
    for (Session* session : sessions) {
      for (WatchedKey& wk : session->watched) {
        if (wk.db != db || wk.key != key) continue;
        if (wk.expired_at_watch && !in_replacement) {
          wk.expired_at_watch = false;
          continue;
        }
        session->watch_dirty = true;
      }
    }
  }
}

uint64_t Engine::empty_db(int db) {
  const uint64_t removed = dbs_[static_cast<size_t>(db)]->size();
  signal_db_replaced(db, -1);
  dbs_[static_cast<size_t>(db)]->clear();
  return removed;
}

void Engine::for_each_queued(const Session& session,
                             const std::function<bool(const CommandSpec&, ArgList)>& fn) const {
  std::vector<std::string_view> views;
  for (const std::vector<std::string>& argv : session.queued) {
    views.assign(argv.begin(), argv.end());
    const CommandSpec* spec = resolve(views).spec;
    if (spec != nullptr && !fn(*spec, views)) return;
  }
}

void register_transaction_commands(Engine& engine) {
  constexpr uint32_t kFlags =
      kCmdTransaction | kCmdNoScript | kCmdLoading | kCmdStale | kCmdAllowBusy;
  engine.register_command(
      {.name = "multi", .arity = 1, .flags = kFlags | kCmdFast, .handler = multi_command});
  engine.register_command({.name = "exec", .arity = 1, .flags = kFlags, .handler = exec_command});
  engine.register_command(
      {.name = "discard", .arity = 1, .flags = kFlags | kCmdFast, .handler = discard_command});
  engine.register_command({.name = "watch",
                           .arity = -2,
                           .flags = kFlags | kCmdFast,
                           .first_key = 1,
                           .last_key = -1,
                           .key_step = 1,
                           .handler = watch_command});
  // UNWATCH is queued inside MULTI like any other command (Redis does too).
  engine.register_command(
      {.name = "unwatch",
       .arity = 1,
       .flags = kCmdNoScript | kCmdLoading | kCmdStale | kCmdAllowBusy | kCmdFast,
       .handler = unwatch_command});
}

}  // namespace amber
