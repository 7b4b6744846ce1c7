// Time-to-live commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with Redis
// 7.0's NX | XX | GT | LT conditions), TTL, PTTL, EXPIRETIME, PEXPIRETIME,
// PERSIST.
//
// An expire time that is already due deletes the key at once instead of
// storing a time in the past, as Redis does on a master: the key must not
// linger until active expiry finds it, and persistence logs a plain DEL.
// Redis checks the options before the number, so "EXPIRE k abc foo" reports
// the bad option; the order of the checks below is Redis's.
#include <string>

#include "core/args.h"
#include "core/commands/key_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber::keys {
namespace {

enum ExpireCondition : uint32_t {
  kExpireNx = 1 << 0,
  kExpireXx = 1 << 1,
  kExpireGt = 1 << 2,
  kExpireLt = 1 << 3,
};

// Parses the NX | XX | GT | LT words after the time argument.
bool parse_conditions_or_reply(CommandContext& ctx, uint32_t* conditions) {
  static constexpr struct {
    std::string_view word;
    ExpireCondition flag;
  } kWords[] = {{"nx", kExpireNx}, {"xx", kExpireXx}, {"gt", kExpireGt}, {"lt", kExpireLt}};
  for (size_t i = 3; i < ctx.argv.size(); ++i) {
    uint32_t flag = 0;
    for (const auto& w : kWords) {
      if (option_is(ctx.argv[i], w.word)) flag = w.flag;
    }
    if (flag == 0) {
      ctx.reply.error("ERR Unsupported option " + std::string(c_string(ctx.argv[i])));
      return false;
    }
    *conditions |= flag;
  }
  if ((*conditions & kExpireNx) && (*conditions & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*conditions & kExpireGt) && (*conditions & kExpireLt)) {
    ctx.reply.error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the conditions allow replacing `current_ms` (kNoExpire: none) by
// `when_ms`. A key without a TTL counts as an infinite one for GT and LT.
bool conditions_allow(uint32_t conditions, int64_t current_ms, int64_t when_ms) {
  const bool has_ttl = current_ms != kNoExpire;
  if ((conditions & kExpireNx) && has_ttl) return false;
  if ((conditions & kExpireXx) && !has_ttl) return false;
  if ((conditions & kExpireGt) && (!has_ttl || when_ms <= current_ms)) return false;
  if ((conditions & kExpireLt) && has_ttl && when_ms >= current_ms) return false;
  return true;
}

// Redis 7.0 records every EXPIRE form as PEXPIREAT with the absolute time,
// keeping the other arguments (NX/XX/GT/LT) as given.
void propagate_pexpireat(CommandContext& ctx, TimeUnit unit, bool relative, int64_t when_ms) {
  std::vector<std::string> argv(ctx.argv.begin(), ctx.argv.end());
  if (ctx.spec.name != "pexpireat") argv[0] = "PEXPIREAT";
  if (relative || unit == TimeUnit::kSeconds) argv[2] = std::to_string(when_ms);
  ctx.propagate_as(std::move(argv));
}

void expire_generic(CommandContext& ctx, TimeUnit unit, bool relative) {
  const int db = ctx.session.db;
  std::string_view key = ctx.argv[1];
  uint32_t conditions = 0;
  if (!parse_conditions_or_reply(ctx, &conditions)) return;
  int64_t value;
  if (!parse_int64(ctx.argv[2], &value)) {
    ctx.reply.error(errors::kNotInteger);
    return;
  }
  int64_t when_ms;
  if (!expire_to_absolute_ms(value, unit, relative ? ctx.now_ms : 0, &when_ms)) {
    ctx.reply.error(invalid_expire_time_error(ctx.spec.name));
    return;
  }
  Entry* e = ctx.engine.lookup_write(db, key, ctx.now_ms);
  if (e == nullptr || !conditions_allow(conditions, e->expire_ms, when_ms)) {
    ctx.reply.integer(0);
    return;
  }
  if (when_ms <= ctx.now_ms && !ctx.engine.loading()) {  // checkAlreadyExpired
    ctx.engine.delete_key(db, key);
    ctx.propagate_as(
        {ctx.engine.options().lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(key)});
  } else {
    ctx.engine.db(db).set_expire(e, when_ms);
    if (ctx.propagating()) propagate_pexpireat(ctx, unit, relative, when_ms);
  }
  ctx.engine.signal_modified(db, key);
  ctx.engine.add_dirty(1);
  ctx.reply.integer(1);
}

void expire_command(CommandContext& ctx) { expire_generic(ctx, TimeUnit::kSeconds, true); }
void pexpire_command(CommandContext& ctx) { expire_generic(ctx, TimeUnit::kMilliseconds, true); }
void expireat_command(CommandContext& ctx) { expire_generic(ctx, TimeUnit::kSeconds, false); }
void pexpireat_command(CommandContext& ctx) { expire_generic(ctx, TimeUnit::kMilliseconds, false); }

// TTL and friends: -2 for no key, -1 for no expire, else the time left (or
// the absolute time), never negative. Seconds are rounded to nearest.
void ttl_generic(CommandContext& ctx, bool in_ms, bool absolute) {
  const Entry* e = lookup_read_no_touch(ctx, ctx.argv[1]);
  if (e == nullptr) {
    ctx.reply.integer(-2);
    return;
  }
  if (!e->has_expire()) {
    ctx.reply.integer(-1);
    return;
  }
  int64_t ms = absolute ? e->expire_ms : e->expire_ms - ctx.now_ms;
  if (ms < 0) ms = 0;
  // Rounded to the nearest second without overflowing near INT64_MAX (what
  // redis-server's build answers there too).
  ctx.reply.integer(in_ms ? ms : static_cast<int64_t>((static_cast<uint64_t>(ms) + 500) / 1000));
}

void ttl_command(CommandContext& ctx) { ttl_generic(ctx, false, false); }
void pttl_command(CommandContext& ctx) { ttl_generic(ctx, true, false); }
void expiretime_command(CommandContext& ctx) { ttl_generic(ctx, false, true); }
void pexpiretime_command(CommandContext& ctx) { ttl_generic(ctx, true, true); }

void persist_command(CommandContext& ctx) {
  const int db = ctx.session.db;
  Entry* e = ctx.engine.lookup_write(db, ctx.argv[1], ctx.now_ms);
  if (e == nullptr || !e->has_expire()) {
    ctx.reply.integer(0);
    return;
  }
  ctx.engine.db(db).clear_expire(e);
  ctx.engine.signal_modified(db, ctx.argv[1]);
  ctx.engine.add_dirty(1);
  ctx.reply.integer(1);
}

CommandSpec one_key(std::string name, int arity, uint32_t flags, CommandHandler handler) {
  return {.name = std::move(name),
          .arity = arity,
          .flags = flags,
          .first_key = 1,
          .last_key = 1,
          .key_step = 1,
          .handler = std::move(handler)};
}

}  // namespace

void register_expire_commands(Engine& engine) {
  constexpr uint32_t kWriteFast = kCmdWrite | kCmdFast;
  constexpr uint32_t kReadFast = kCmdReadonly | kCmdFast;
  engine.register_command(one_key("expire", -3, kWriteFast, expire_command));
  engine.register_command(one_key("pexpire", -3, kWriteFast, pexpire_command));
  engine.register_command(one_key("expireat", -3, kWriteFast, expireat_command));
  engine.register_command(one_key("pexpireat", -3, kWriteFast, pexpireat_command));
  engine.register_command(one_key("ttl", 2, kReadFast, ttl_command));
  engine.register_command(one_key("pttl", 2, kReadFast, pttl_command));
  engine.register_command(one_key("expiretime", 2, kReadFast, expiretime_command));
  engine.register_command(one_key("pexpiretime", 2, kReadFast, pexpiretime_command));
  engine.register_command(one_key("persist", 2, kWriteFast, persist_command));
}

}  // namespace amber::keys
