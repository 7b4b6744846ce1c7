// Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX,
// the helpers the other key-space files share (key_commands.h), and
// register_key_commands, which puts the whole group in the command table.
//
// Each command looks its keys up the way Redis's db.c does, because that
// decides what clients can observe: which lookups count keyspace hits and
// misses (INFO), which refresh the access clock (OBJECT IDLETIME), and which
// delete a key whose time is up before acting on it.
#include <cstring>
#include <string>

#include "core/args.h"
#include "core/commands/key_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber {
namespace keys {

Entry* lookup_read_no_touch(CommandContext& ctx, std::string_view key) {
  Entry* e = ctx.engine.lookup_no_touch(ctx.session.db, key, ctx.now_ms);
  if (e != nullptr) {
    ++ctx.engine.stats().keyspace_hits;
  } else {
    ++ctx.engine.stats().keyspace_misses;
  }
  return e;
}

bool expire_if_due(CommandContext& ctx, int db, std::string_view key) {
  Entry* e = ctx.engine.db(db).find(key);
  if (e == nullptr || !ctx.engine.key_is_expired(e, ctx.now_ms)) return false;
  ctx.engine.expire_entry(db, e);
  return true;
}

bool parse_int_or_reply(CommandContext& ctx, std::string_view arg, int* out,
                        std::string_view custom_error) {
  int64_t value;
  if (!parse_int64(arg, &value)) {
    ctx.reply.error(custom_error.empty() ? errors::kNotInteger : custom_error);
    return false;
  }
  if (value < INT32_MIN || value > INT32_MAX) {
    ctx.reply.error(custom_error.empty()
                        ? "ERR value is out of range, value must between -2147483648 and 2147483647"
                        : custom_error);
    return false;
  }
  *out = static_cast<int>(value);
  return true;
}

bool parse_db_index_or_reply(CommandContext& ctx, std::string_view arg, int* db) {
  if (!parse_int_or_reply(ctx, arg, db)) return false;
  if (*db < 0 || *db >= ctx.engine.db_count()) {
    ctx.reply.error(errors::kDbIndexOutOfRange);
    return false;
  }
  return true;
}

std::string_view type_name(const Entry* e) {
  if (e == nullptr) return "none";
  switch (e->value_type()) {
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

Entry* clone_entry(Db& dst, std::string_view key, const Entry& src, uint32_t lru) {
  Entry* e = dst.insert(key, src.value(), src.value_encoding());
  e->type = src.type;
  e->unshared = src.unshared;
  e->lru = lru;
  if (src.has_expire()) dst.set_expire(e, src.expire_ms);
  return e;
}

std::string_view c_string(std::string_view arg) {
  size_t nul = arg.find('\0');
  return nul == std::string_view::npos ? arg : arg.substr(0, nul);
}

bool option_is(std::string_view arg, std::string_view option) {
  return equals_ignore_case(c_string(arg), option);
}

}  // namespace keys

namespace {

// DEL and UNLINK: amber frees values at once either way.
void del_command(CommandContext& ctx) {
  const int db = ctx.session.db;
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view key = ctx.argv[i];
    keys::expire_if_due(ctx, db, key);  // an expired key counts as absent
    if (!ctx.engine.delete_key(db, key)) continue;
    ctx.engine.signal_modified(db, key);
    ctx.engine.add_dirty(1);
    ++deleted;
  }
  ctx.reply.integer(deleted);
}

// EXISTS counts a key once per time it is named.
void exists_command(CommandContext& ctx) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    if (keys::lookup_read_no_touch(ctx, ctx.argv[i]) != nullptr) ++found;
  }
  ctx.reply.integer(found);
}

void type_command(CommandContext& ctx) {
  ctx.reply.simple(keys::type_name(keys::lookup_read_no_touch(ctx, ctx.argv[1])));
}

void touch_command(CommandContext& ctx) {
  int64_t touched = 0;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    if (ctx.engine.lookup_read(ctx.session.db, ctx.argv[i], ctx.now_ms) != nullptr) ++touched;
  }
  ctx.reply.integer(touched);
}

void rename_generic(CommandContext& ctx, bool nx) {
  const int db = ctx.session.db;
  std::string_view key = ctx.argv[1];
  std::string_view new_key = ctx.argv[2];
  Entry* src = ctx.engine.lookup_write(db, key, ctx.now_ms);
  if (src == nullptr) {
    ctx.reply.error(errors::kNoSuchKey);
    return;
  }
  // Renaming a key to itself changes nothing, but only once it is known to exist.
  if (key == new_key) {
    nx ? ctx.reply.integer(0) : ctx.reply.ok();
    return;
  }
  if (ctx.engine.lookup_write(db, new_key, ctx.now_ms) != nullptr) {
    if (nx) {
      ctx.reply.integer(0);
      return;
    }
    ctx.engine.delete_key(db, new_key);
  }
  keys::clone_entry(ctx.engine.db(db), new_key, *src, lru_clock_at(ctx.now_ms));
  ctx.engine.delete_key(db, key);
  ctx.engine.signal_modified(db, key);
  ctx.engine.signal_modified(db, new_key);
  ctx.engine.add_dirty(1);
  nx ? ctx.reply.integer(1) : ctx.reply.ok();
}

void rename_command(CommandContext& ctx) { rename_generic(ctx, false); }
void renamenx_command(CommandContext& ctx) { rename_generic(ctx, true); }

}  // namespace

void register_key_commands(Engine& engine) {
  engine.register_command({.name = "del",
                           .arity = -2,
                           .flags = kCmdWrite,
                           .first_key = 1,
                           .last_key = -1,
                           .key_step = 1,
                           .handler = del_command});
  engine.register_command({.name = "unlink",
                           .arity = -2,
                           .flags = kCmdWrite | kCmdFast,
                           .first_key = 1,
                           .last_key = -1,
                           .key_step = 1,
                           .handler = del_command});
  engine.register_command({.name = "exists",
                           .arity = -2,
                           .flags = kCmdReadonly | kCmdFast,
                           .first_key = 1,
                           .last_key = -1,
                           .key_step = 1,
                           .handler = exists_command});
  engine.register_command({.name = "type",
                           .arity = 2,
                           .flags = kCmdReadonly | kCmdFast,
                           .first_key = 1,
                           .last_key = 1,
                           .key_step = 1,
                           .handler = type_command});
  engine.register_command({.name = "touch",
                           .arity = -2,
                           .flags = kCmdReadonly | kCmdFast,
                           .first_key = 1,
                           .last_key = -1,
                           .key_step = 1,
                           .handler = touch_command});
  engine.register_command({.name = "rename",
                           .arity = 3,
                           .flags = kCmdWrite,
                           .first_key = 1,
                           .last_key = 2,
                           .key_step = 1,
                           .handler = rename_command});
  engine.register_command({.name = "renamenx",
                           .arity = 3,
                           .flags = kCmdWrite | kCmdFast,
                           .first_key = 1,
                           .last_key = 2,
                           .key_step = 1,
                           .handler = renamenx_command});
  keys::register_expire_commands(engine);
  keys::register_scan_commands(engine);
  keys::register_db_commands(engine);
  keys::register_object_command(engine);
}

}  // namespace amber
