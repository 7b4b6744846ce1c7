// INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT: a string read as a number,
// changed, and written back in place of the old value, keeping its TTL
// (Redis's dbOverwrite). A missing key counts as 0.
//
// Integer results are stored with the "int" encoding (their decimal text is
// always canonical). INCRBYFLOAT stores the formatted result as a freshly
// created string, "embstr" or "raw" even when it looks like an integer, as
// Redis does; its text is long double arithmetic printed with "%.17Lf".
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "core/args.h"
#include "core/assert.h"
#include "core/commands/string_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber::strings {
namespace {

constexpr std::string_view kDecrementOverflow = "ERR decrement would overflow";

bool add_would_overflow(int64_t value, int64_t incr) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  return (incr < 0 && value < 0 && incr < kMin - value) ||
         (incr > 0 && value > 0 && incr > kMax - value);
}

void incr_decr(CommandContext& ctx, int64_t incr) {
  std::string_view key = ctx.argv[1];
  Entry* e = ctx.engine.lookup_write(ctx.session.db, key, ctx.now_ms);
  if (reply_wrong_type(ctx, e)) return;
  int64_t value = 0;
  if (e != nullptr && !parse_int64(e->value(), &value)) {
    ctx.reply.error(errors::kNotInteger);
    return;
  }
  if (add_would_overflow(value, incr)) {
    ctx.reply.error(errors::kOverflow);
    return;
  }
  value += incr;
  char text[24];  // an int64 in decimal, sign included
  auto [end, ec] = std::to_chars(text, text + sizeof(text), value);
  AMBER_ASSERT(ec == std::errc());
  store_over(ctx, e, key, std::string_view(text, end - text), Encoding::kInt, /*keep_ttl=*/true);
  ctx.engine.add_dirty(1);
  ctx.reply.integer(value);
}

// The increment argument of INCRBY/DECRBY, or false after the error reply.
bool increment_or_reply(CommandContext& ctx, int64_t* incr) {
  if (parse_int64(ctx.argv[2], incr)) return true;
  ctx.reply.error(errors::kNotInteger);
  return false;
}

}  // namespace

void incr_command(CommandContext& ctx) { incr_decr(ctx, 1); }

void decr_command(CommandContext& ctx) { incr_decr(ctx, -1); }

void incrby_command(CommandContext& ctx) {
  int64_t incr = 0;
  if (increment_or_reply(ctx, &incr)) incr_decr(ctx, incr);
}

void decrby_command(CommandContext& ctx) {
  int64_t incr = 0;
  if (!increment_or_reply(ctx, &incr)) return;
  if (incr == std::numeric_limits<int64_t>::min()) {
    ctx.reply.error(kDecrementOverflow);
    return;
  }
  incr_decr(ctx, -incr);
}

void incrbyfloat_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  Entry* e = ctx.engine.lookup_write(ctx.session.db, key, ctx.now_ms);
  if (reply_wrong_type(ctx, e)) return;
  long double value = 0;
  long double incr = 0;
  if ((e != nullptr && !parse_long_double(e->value(), &value)) ||
      !parse_long_double(ctx.argv[2], &incr)) {
    ctx.reply.error(errors::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.error(errors::kIncrFloatNanOrInf);
    return;
  }
  std::string text = format_long_double(value);
  store_encoded(ctx, key, text, created_string_encoding(text.size()), /*keep_ttl=*/true);
  ctx.engine.add_dirty(1);
  // Replaying a float increment could round differently: record the result.
  if (ctx.propagating()) ctx.propagate_as({"SET", std::string(key), text, "KEEPTTL"});
  ctx.reply.bulk(text);
}

}  // namespace amber::strings
