// APPEND, STRLEN, GETRANGE (and its old name SUBSTR) and SETRANGE: commands
// that treat a string as a byte array.
//
// APPEND and SETRANGE grow the value in place (Db::resize_value grows the
// allocation geometrically, as sds does, so repeated appends are amortised
// O(1)) and leave the "raw" encoding, as Redis's dbUnshareStringValue does;
// a resize may move the entry, so only the returned pointer is used after
// it. Both refuse results longer than proto-max-bulk-len. GETRANGE clamps
// its indexes the way Redis 7.0 does, including the quirk that two negative
// indexes with start > end give an empty string before any clamping.
#include <algorithm>
#include <cstring>
#include <utility>

#include "core/args.h"
#include "core/commands/string_commands.h"
#include "core/engine.h"
#include "core/errors.h"

namespace amber::strings {
namespace {

void write_at(CommandContext& ctx, Entry* e, size_t offset, std::string_view bytes) {
  // Through Db so that a running snapshot saves the old value first.
  e = ctx.db().write_value_range(e, offset, bytes);
  ctx.engine.signal_modified(ctx.session.db, ctx.argv[1]);
  ctx.engine.add_dirty(1);
  ctx.reply.integer(e->value_len);
}

// GETRANGE's index arithmetic: the [first, first + count) slice of a
// `len`-byte string, count 0 when empty.
std::pair<int64_t, int64_t> range_slice(int64_t start, int64_t end, int64_t len) {
  if (start < 0 && end < 0 && start > end) return {0, 0};
  if (start < 0) start += len;
  if (end < 0) end += len;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  end = std::min<int64_t>(end, len - 1);
  if (start > end || len == 0) return {0, 0};
  return {start, end - start + 1};
}

}  // namespace

void append_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  std::string_view suffix = ctx.argv[2];
  Entry* e = ctx.engine.lookup_write(ctx.session.db, key, ctx.now_ms);
  if (e == nullptr) {
    // A new key is stored like SET's argument: its encoding is chosen fresh.
    e = create(ctx, key, suffix, encoding_for_new_string(suffix));
    ctx.engine.signal_modified(ctx.session.db, key);
    ctx.engine.add_dirty(1);
    ctx.reply.integer(e->value_len);
    return;
  }
  if (reply_wrong_type(ctx, e)) return;
  if (!check_length(ctx, e->value_len, suffix.size())) return;
  write_at(ctx, e, e->value_len, suffix);
}

void strlen_command(CommandContext& ctx) {
  const Entry* e = ctx.engine.lookup_read(ctx.session.db, ctx.argv[1], ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.integer(0);
    return;
  }
  if (reply_wrong_type(ctx, e)) return;
  ctx.reply.integer(e->value_len);
}

void getrange_command(CommandContext& ctx) {
  int64_t start = 0;
  int64_t end = 0;
  if (!parse_int64(ctx.argv[2], &start) || !parse_int64(ctx.argv[3], &end)) {
    ctx.reply.error(errors::kNotInteger);
    return;
  }
  const Entry* e = ctx.engine.lookup_read(ctx.session.db, ctx.argv[1], ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.bulk("");
    return;
  }
  if (reply_wrong_type(ctx, e)) return;
  std::string_view value = e->value();
  auto [first, count] = range_slice(start, end, static_cast<int64_t>(value.size()));
  ctx.reply.bulk(value.substr(static_cast<size_t>(first), static_cast<size_t>(count)));
}

void setrange_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1];
  std::string_view bytes = ctx.argv[3];
  int64_t offset = 0;
  if (!parse_int64(ctx.argv[2], &offset)) {
    ctx.reply.error(errors::kNotInteger);
    return;
  }
  if (offset < 0) {
    ctx.reply.error(errors::kOffsetOutOfRange);
    return;
  }
  Entry* e = ctx.engine.lookup_write(ctx.session.db, key, ctx.now_ms);
  if (e != nullptr && reply_wrong_type(ctx, e)) return;
  // Writing nothing changes nothing: the current length (0 when missing),
  // before the length limit is even looked at.
  if (bytes.empty()) {
    ctx.reply.integer(e == nullptr ? 0 : e->value_len);
    return;
  }
  if (!check_length(ctx, static_cast<uint64_t>(offset), bytes.size())) return;
  if (e == nullptr) e = create(ctx, key, "", Encoding::kRaw);
  write_at(ctx, e, static_cast<size_t>(offset), bytes);
}

}  // namespace amber::strings
