// Commands that work across numbered databases: SELECT, SWAPDB, MOVE, COPY,
// FLUSHDB, FLUSHALL.
//
// WATCH must see whole-database changes as Redis reports them: a flush or a
// swap tells the engine (signal_db_replaced) before the contents change, so
// the engine can still tell which watched keys existed, and a key that
// merely expired before the flush does not count as touched. The dirty
// counter grows by the number of keys a flush removes (rdb_changes_since_
// last_save), by one for a swap, a move or a copy.
#include <string>

#include "core/args.h"
#include "core/commands/key_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber::keys {
namespace {

constexpr std::string_view kSameObject = "ERR source and destination objects are the same";

void select_command(CommandContext& ctx) {
  int db;
  if (!parse_db_index_or_reply(ctx, ctx.argv[1], &db)) return;
  ctx.session.db = db;
  ctx.reply.ok();
}

void swapdb_command(CommandContext& ctx) {
  int a;
  int b;
  if (!parse_int_or_reply(ctx, ctx.argv[1], &a, "ERR invalid first DB index")) return;
  if (!parse_int_or_reply(ctx, ctx.argv[2], &b, "ERR invalid second DB index")) return;
  const int n = ctx.engine.db_count();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.reply.error(errors::kDbIndexOutOfRange);
    return;
  }
  if (a != b) {
    ctx.engine.signal_db_replaced(a, b);
    ctx.engine.signal_db_replaced(b, a);
    ctx.engine.db(a).swap_contents(ctx.engine.db(b));
  }
  ctx.engine.add_dirty(1);
  ctx.reply.ok();
}

void move_command(CommandContext& ctx) {
  const int src = ctx.session.db;
  std::string_view key = ctx.argv[1];
  int dst;
  if (!parse_db_index_or_reply(ctx, ctx.argv[2], &dst)) return;
  if (dst == src) {
    ctx.reply.error(kSameObject);
    return;
  }
  Entry* e = ctx.engine.lookup_write(src, key, ctx.now_ms);
  if (e == nullptr || ctx.engine.lookup_write(dst, key, ctx.now_ms) != nullptr) {
    ctx.reply.integer(0);
    return;
  }
  clone_entry(ctx.engine.db(dst), key, *e, lru_clock_at(ctx.now_ms));
  ctx.engine.delete_key(src, key);
  ctx.engine.signal_modified(src, key);
  ctx.engine.signal_modified(dst, key);
  ctx.engine.add_dirty(1);
  ctx.reply.integer(1);
}

// COPY source destination [DB index] [REPLACE]
void copy_command(CommandContext& ctx) {
  const int src = ctx.session.db;
  int dst = src;
  bool replace = false;
  for (size_t j = 3; j < ctx.argv.size(); ++j) {
    if (option_is(ctx.argv[j], "replace")) {
      replace = true;
    } else if (option_is(ctx.argv[j], "db") && j + 1 < ctx.argv.size()) {
      if (!parse_db_index_or_reply(ctx, ctx.argv[++j], &dst)) return;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  std::string_view key = ctx.argv[1];
  std::string_view new_key = ctx.argv[2];
  if (src == dst && key == new_key) {
    ctx.reply.error(kSameObject);
    return;
  }
  const Entry* e = ctx.engine.lookup_read(src, key, ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  if (ctx.engine.lookup_write(dst, new_key, ctx.now_ms) != nullptr) {
    if (!replace) {
      ctx.reply.integer(0);
      return;
    }
    ctx.engine.delete_key(dst, new_key);
  }
  // Redis duplicates the value object: the copy never shares an integer.
  clone_entry(ctx.engine.db(dst), new_key, *e, lru_clock_at(ctx.now_ms))->unshared = 1;
  ctx.engine.signal_modified(dst, new_key);
  ctx.engine.add_dirty(1);
  ctx.reply.integer(1);
}

// FLUSHDB / FLUSHALL take ASYNC or SYNC; amber frees at once either way.
bool parse_flush_mode_or_reply(CommandContext& ctx) {
  if (ctx.argv.size() == 1) return true;
  if (ctx.argv.size() == 2 && (option_is(ctx.argv[1], "sync") || option_is(ctx.argv[1], "async"))) {
    return true;
  }
  ctx.reply.error(errors::kSyntax);
  return false;
}

void flushdb_command(CommandContext& ctx) {
  if (!parse_flush_mode_or_reply(ctx)) return;
  ctx.engine.add_dirty(ctx.engine.empty_db(ctx.session.db));
  ctx.reply.ok();
}

// Redis then saves an RDB at once when save points are configured (which
// resets the dirty counter); that is the host's part, as persistence is.
void flushall_command(CommandContext& ctx) {
  if (!parse_flush_mode_or_reply(ctx)) return;
  uint64_t removed = 0;
  for (int db = 0; db < ctx.engine.db_count(); ++db) removed += ctx.engine.empty_db(db);
  ctx.engine.add_dirty(removed);
  ctx.reply.ok();
}

}  // namespace

void register_db_commands(Engine& engine) {
  engine.register_command({.name = "select",
                           .arity = 2,
                           .flags = kCmdLoading | kCmdStale | kCmdFast,
                           .handler = select_command});
  engine.register_command(
      {.name = "swapdb", .arity = 3, .flags = kCmdWrite | kCmdFast, .handler = swapdb_command});
  engine.register_command({.name = "move",
                           .arity = 3,
                           .flags = kCmdWrite | kCmdFast,
                           .first_key = 1,
                           .last_key = 1,
                           .key_step = 1,
                           .handler = move_command});
  engine.register_command({.name = "copy",
                           .arity = -3,
                           .flags = kCmdWrite | kCmdDenyOom,
                           .first_key = 1,
                           .last_key = 2,
                           .key_step = 1,
                           .handler = copy_command});
  engine.register_command(
      {.name = "flushdb", .arity = -1, .flags = kCmdWrite, .handler = flushdb_command});
  engine.register_command(
      {.name = "flushall", .arity = -1, .flags = kCmdWrite, .handler = flushall_command});
}

}  // namespace amber::keys
