// GET, SET (and its older forms SETNX, SETEX, PSETEX, GETSET), GETDEL, GETEX,
// MGET, MSET and MSETNX.
//
// SET's steps run in Redis 7.0's order, because the order decides which
// error a client sees first: the expire argument is validated, then GET
// replies the old value (or WRONGTYPE, which stops the command), then NX/XX
// decide whether to write. A SET with EXAT/PXAT in the past stores the key
// with that expire time, as 7.0 does; the next access expires it. GETEX, in
// contrast, deletes the key at once when EXAT/PXAT is already due.
#include <string>

#include "core/args.h"
#include "core/commands/string_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber::strings {
namespace {

// What SET-like commands answer when they write / when NX or XX stop them.
enum class SetReply { kOkOrNull, kOneOrZero };

void reply_outcome(CommandContext& ctx, SetReply style, bool written) {
  if (style == SetReply::kOneOrZero) {
    ctx.reply.integer(written ? 1 : 0);
  } else if (written) {
    ctx.reply.ok();
  } else {
    ctx.reply.null();
  }
}

// Redis's getExpireMillisecondsOrReply: the absolute expire time in ms.
bool expire_or_reply(CommandContext& ctx, const StringOptions& options, int64_t* when_ms) {
  int64_t value = 0;
  if (!parse_int64(options.expire_arg, &value)) {
    ctx.reply.error(errors::kNotInteger);
    return false;
  }
  if (!string_expire_to_ms(value, options.unit(), options.relative(), ctx.now_ms, when_ms)) {
    ctx.reply.error(invalid_expire_time_error(ctx.spec.name));
    return false;
  }
  return true;
}

// Redis 7.0 records a SET with an expire as SET key value PXAT <abs ms>, and
// one with GET (and no expire) without the GET argument.
void propagate_set(CommandContext& ctx, const StringOptions& options, std::string_view key,
                   std::string_view value, int64_t when_ms) {
  if (options.has_expire()) {
    ctx.propagate_as(
        {"SET", std::string(key), std::string(value), "PXAT", std::to_string(when_ms)});
  } else if (options.flags & kStrGet) {
    std::vector<std::string> argv;
    for (std::string_view arg : ctx.argv) {
      if (!equals_ignore_case(arg, "get")) argv.emplace_back(arg);
    }
    ctx.propagate_as(std::move(argv));
  }
}

void set_generic(CommandContext& ctx, const StringOptions& options, std::string_view key,
                 std::string_view value, SetReply style) {
  int64_t when_ms = 0;
  if (options.has_expire() && !expire_or_reply(ctx, options, &when_ms)) return;
  const bool get = (options.flags & kStrGet) != 0;
  if (get && !reply_value(ctx, key)) return;
  bool found = ctx.engine.lookup_write(ctx.session.db, key, ctx.now_ms) != nullptr;
  if (((options.flags & kStrNx) && found) || ((options.flags & kStrXx) && !found)) {
    if (!get) reply_outcome(ctx, style, false);
    return;
  }
  Entry* e = store(ctx, key, value, (options.flags & kStrKeepTtl) != 0);
  ctx.engine.add_dirty(1);
  if (options.has_expire()) ctx.db().set_expire(e, when_ms);
  if (!get) reply_outcome(ctx, style, true);
  if (ctx.propagating()) propagate_set(ctx, options, key, value, when_ms);
}

void reply_arity_error(CommandContext& ctx) {
  ctx.reply.error("ERR wrong number of arguments for '" + ctx.spec.name + "' command");
}

void mset_generic(CommandContext& ctx, bool nx) {
  if (ctx.argv.size() % 2 == 0) {
    reply_arity_error(ctx);
    return;
  }
  if (nx) {
    for (size_t j = 1; j < ctx.argv.size(); j += 2) {
      if (ctx.engine.lookup_write(ctx.session.db, ctx.argv[j], ctx.now_ms) != nullptr) {
        ctx.reply.integer(0);
        return;
      }
    }
  }
  for (size_t j = 1; j < ctx.argv.size(); j += 2) store(ctx, ctx.argv[j], ctx.argv[j + 1]);
  ctx.engine.add_dirty((ctx.argv.size() - 1) / 2);
  if (nx) {
    ctx.reply.integer(1);
  } else {
    ctx.reply.ok();
  }
}

// GETEX's effect on the TTL once the value has been replied.
void apply_getex_ttl(CommandContext& ctx, const StringOptions& options, Entry* e, int64_t when_ms) {
  std::string_view key = ctx.argv[1];
  const bool absolute = (options.flags & (kStrExat | kStrPxat)) != 0;
  const bool lazy = ctx.engine.options().lazyfree_lazy_expire;
  if (absolute && when_ms <= ctx.now_ms && !ctx.engine.loading()) {
    ctx.engine.delete_key(ctx.session.db, key);
    ctx.propagate_as({lazy ? "UNLINK" : "DEL", std::string(key)});
  } else if (options.has_expire()) {
    ctx.db().set_expire(e, when_ms);
    ctx.propagate_as({"PEXPIREAT", std::string(key), std::to_string(when_ms)});
  } else if ((options.flags & kStrPersist) && e->has_expire()) {
    ctx.db().clear_expire(e);
    ctx.propagate_as({"PERSIST", std::string(key)});
  } else {
    return;
  }
  ctx.engine.signal_modified(ctx.session.db, key);
  ctx.engine.add_dirty(1);
}

}  // namespace

void get_command(CommandContext& ctx) { reply_value(ctx, ctx.argv[1]); }

void set_command(CommandContext& ctx) {
  StringOptions options;
  if (!parse_string_options(ctx.argv, 3, StringCommandKind::kSet, &options)) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  set_generic(ctx, options, ctx.argv[1], ctx.argv[2], SetReply::kOkOrNull);
}

void setnx_command(CommandContext& ctx) {
  StringOptions options{.flags = kStrNx};
  set_generic(ctx, options, ctx.argv[1], ctx.argv[2], SetReply::kOneOrZero);
}

void setex_command(CommandContext& ctx) {
  StringOptions options{.flags = kStrEx, .expire_arg = ctx.argv[2]};
  set_generic(ctx, options, ctx.argv[1], ctx.argv[3], SetReply::kOkOrNull);
}

void psetex_command(CommandContext& ctx) {
  StringOptions options{.flags = kStrPx, .expire_arg = ctx.argv[2]};
  set_generic(ctx, options, ctx.argv[1], ctx.argv[3], SetReply::kOkOrNull);
}

void getset_command(CommandContext& ctx) {
  if (!reply_value(ctx, ctx.argv[1])) return;
  store(ctx, ctx.argv[1], ctx.argv[2]);
  ctx.engine.add_dirty(1);
  if (ctx.propagating()) {
    ctx.propagate_as({"SET", std::string(ctx.argv[1]), std::string(ctx.argv[2])});
  }
}

void getdel_command(CommandContext& ctx) {
  if (!reply_value(ctx, ctx.argv[1])) return;
  if (ctx.engine.delete_key(ctx.session.db, ctx.argv[1])) {
    ctx.engine.signal_modified(ctx.session.db, ctx.argv[1]);
    ctx.engine.add_dirty(1);
    const bool lazy = ctx.engine.options().lazyfree_lazy_user_del;
    ctx.propagate_as({lazy ? "UNLINK" : "DEL", std::string(ctx.argv[1])});
  }
}

void getex_command(CommandContext& ctx) {
  StringOptions options;
  if (!parse_string_options(ctx.argv, 2, StringCommandKind::kGet, &options)) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  Entry* e = ctx.engine.lookup_read_to_change(ctx.session.db, ctx.argv[1], ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.null();
    return;
  }
  if (reply_wrong_type(ctx, e)) return;
  int64_t when_ms = 0;
  if (options.has_expire() && !expire_or_reply(ctx, options, &when_ms)) return;
  ctx.reply.bulk(e->value());
  apply_getex_ttl(ctx, options, e, when_ms);
}

void mget_command(CommandContext& ctx) {
  ctx.reply.array(ctx.argv.size() - 1);
  for (size_t j = 1; j < ctx.argv.size(); ++j) {
    const Entry* e = ctx.engine.lookup_read(ctx.session.db, ctx.argv[j], ctx.now_ms);
    if (e == nullptr || e->value_type() != ValueType::kString) {
      ctx.reply.null();
    } else {
      ctx.reply.bulk(e->value());
    }
  }
}

void mset_command(CommandContext& ctx) { mset_generic(ctx, /*nx=*/false); }

void msetnx_command(CommandContext& ctx) { mset_generic(ctx, /*nx=*/true); }

}  // namespace amber::strings
