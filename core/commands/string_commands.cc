// The string command group: its entries in the command table and the
// keyspace steps every string handler shares (type check, read, store,
// length limit). The handlers live in string_set_commands.cc (GET/SET and
// friends), string_counter_commands.cc (INCR family),
// string_range_commands.cc (APPEND, STRLEN, GETRANGE, SETRANGE) and
// string_lcs_command.cc (LCS).
//
// Arity, flags and key positions are Redis 7.0's (src/commands/*.json), as
// COMMAND INFO reports them; clients route and cluster proxies split on them.
#include "core/commands/string_commands.h"

#include <algorithm>
#include <cstdint>

#include "core/engine.h"
#include "core/errors.h"

namespace amber {
namespace strings {
namespace {

// Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
constexpr size_t kEmbstrSizeLimit = 44;

}  // namespace

bool reply_wrong_type(CommandContext& ctx, const Entry* e) {
  if (e == nullptr || e->value_type() == ValueType::kString) return false;
  ctx.reply.error(errors::kWrongType);
  return true;
}

bool reply_value(CommandContext& ctx, std::string_view key) {
  const Entry* e = ctx.engine.lookup_read(ctx.session.db, key, ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.null();
    return true;
  }
  if (reply_wrong_type(ctx, e)) return false;
  ctx.reply.bulk(e->value());
  return true;
}

Entry* create(CommandContext& ctx, std::string_view key, std::string_view value,
              Encoding encoding) {
  Entry* e = ctx.db().insert(key, value, encoding);
  e->lru = lru_clock_at(ctx.now_ms);
  return e;
}

Entry* store(CommandContext& ctx, std::string_view key, std::string_view value, bool keep_ttl) {
  return store_encoded(ctx, key, value, encoding_for_new_string(value), keep_ttl);
}

Entry* store_encoded(CommandContext& ctx, std::string_view key, std::string_view value,
                     Encoding encoding, bool keep_ttl) {
  Entry* current = ctx.engine.lookup_write(ctx.session.db, key, ctx.now_ms);
  return store_over(ctx, current, key, value, encoding, keep_ttl);
}

Entry* store_over(CommandContext& ctx, Entry* current, std::string_view key, std::string_view value,
                  Encoding encoding, bool keep_ttl) {
  Db& db = ctx.db();
  Entry* e = current;
  if (e != nullptr && e->value_type() != ValueType::kString) {
    // Another type's value is an object the string path cannot reuse.
    int64_t expire_ms = e->expire_ms;
    db.erase(key);
    e = db.insert(key, value, encoding);
    if (keep_ttl && expire_ms != kNoExpire) db.set_expire(e, expire_ms);
  } else if (e != nullptr) {
    e = db.replace_value(e, value, encoding);
    if (!keep_ttl) db.clear_expire(e);
  } else {
    e = db.insert(key, value, encoding);
  }
  e->lru = lru_clock_at(ctx.now_ms);
  ctx.engine.signal_modified(ctx.session.db, key, e);
  return e;
}

bool check_length(CommandContext& ctx, uint64_t size, uint64_t append) {
  // An Entry holds at most UINT32_MAX value bytes, whatever the config says.
  uint64_t limit = std::min<uint64_t>(
      static_cast<uint64_t>(ctx.engine.options().proto_max_bulk_len), UINT32_MAX);
  if (size > limit || append > limit || size + append > limit) {
    ctx.reply.error(errors::kStringTooLong);
    return false;
  }
  return true;
}

Encoding created_string_encoding(size_t size) {
  return size <= kEmbstrSizeLimit ? Encoding::kEmbstr : Encoding::kRaw;
}

}  // namespace strings

namespace {

struct StringCommand {
  const char* name;
  int arity;
  uint32_t flags;
  int first_key;
  int last_key;
  int key_step;
  CommandHandler handler;
};

constexpr uint32_t kRead = kCmdReadonly;
constexpr uint32_t kReadFast = kCmdReadonly | kCmdFast;
constexpr uint32_t kWrite = kCmdWrite | kCmdDenyOom;
constexpr uint32_t kWriteFast = kCmdWrite | kCmdDenyOom | kCmdFast;
// GETDEL and GETEX never grow memory, so Redis lets them run past maxmemory.
constexpr uint32_t kWriteFastMayShrink = kCmdWrite | kCmdFast;

}  // namespace

void register_string_commands(Engine& engine) {
  using namespace strings;
  const StringCommand commands[] = {
      {"get", 2, kReadFast, 1, 1, 1, get_command},
      {"set", -3, kWrite, 1, 1, 1, set_command},
      {"setnx", 3, kWriteFast, 1, 1, 1, setnx_command},
      {"setex", 4, kWrite, 1, 1, 1, setex_command},
      {"psetex", 4, kWrite, 1, 1, 1, psetex_command},
      {"getset", 3, kWriteFast, 1, 1, 1, getset_command},
      {"getdel", 2, kWriteFastMayShrink, 1, 1, 1, getdel_command},
      {"getex", -2, kWriteFastMayShrink, 1, 1, 1, getex_command},
      {"mget", -2, kReadFast, 1, -1, 1, mget_command},
      {"mset", -3, kWrite, 1, -1, 2, mset_command},
      {"msetnx", -3, kWrite, 1, -1, 2, msetnx_command},
      {"incr", 2, kWriteFast, 1, 1, 1, incr_command},
      {"decr", 2, kWriteFast, 1, 1, 1, decr_command},
      {"incrby", 3, kWriteFast, 1, 1, 1, incrby_command},
      {"decrby", 3, kWriteFast, 1, 1, 1, decrby_command},
      {"incrbyfloat", 3, kWriteFast, 1, 1, 1, incrbyfloat_command},
      {"append", 3, kWriteFast, 1, 1, 1, append_command},
      {"strlen", 2, kReadFast, 1, 1, 1, strlen_command},
      {"getrange", 4, kRead, 1, 1, 1, getrange_command},
      {"substr", 4, kRead, 1, 1, 1, getrange_command},
      {"setrange", 4, kWrite, 1, 1, 1, setrange_command},
      {"lcs", -3, kRead, 1, 2, 1, lcs_command},
  };
  for (const StringCommand& c : commands) {
    engine.register_command(CommandSpec{.name = c.name,
                                        .arity = c.arity,
                                        .flags = c.flags,
                                        .first_key = c.first_key,
                                        .last_key = c.last_key,
                                        .key_step = c.key_step,
                                        .handler = c.handler});
  }
}

}  // namespace amber
