// Commands that walk the keyspace rather than name keys: KEYS, SCAN,
// RANDOMKEY, DBSIZE.
//
// SCAN is Redis's: the cursor is a position in the reverse-binary walk of the
// hash table (Db::scan), which guarantees that a key present for the whole
// scan is returned at least once however the table grows or shrinks between
// calls. COUNT is a hint of work per call, not of keys returned: one call
// visits buckets until COUNT keys were collected or 10*COUNT more buckets
// were visited, and then filters them (MATCH, TYPE, expired), so a call may
// return fewer keys, or none, with a non-zero cursor.
//
// KEYS and DBSIZE see the table as it is: KEYS skips keys whose time is up
// without deleting them (it must not write), DBSIZE counts them.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "core/args.h"
#include "core/commands/key_commands.h"
#include "core/engine.h"
#include "core/errors.h"
#include "core/glob.h"

namespace amber::keys {
namespace {

constexpr int64_t kDefaultScanCount = 10;

void keys_command(CommandContext& ctx) {
  std::string_view pattern = ctx.argv[1];
  const bool all = pattern == "*";
  size_t handle = ctx.reply.begin_deferred_array();
  size_t n = 0;
  ctx.db().for_each([&](Entry* e) {
    if (!all && !glob_match(pattern, e->key())) return;
    if (ctx.engine.key_is_expired(e, ctx.now_ms)) return;
    ctx.reply.bulk(e->key());
    ++n;
  });
  ctx.reply.end_deferred_array(handle, n);
}

// Redis parses the cursor with strtoul on the C string: an optional sign (a
// negative value wraps around), decimal digits, then the end or a NUL byte;
// an empty string is cursor 0.
bool parse_cursor(std::string_view arg, uint64_t* cursor) {
  if (!arg.empty() && std::isspace(static_cast<unsigned char>(arg[0]))) return false;
  std::string text(arg);  // strtoul needs the terminator an argument lacks
  errno = 0;
  char* end = nullptr;
  unsigned long value = std::strtoul(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *cursor = value;
  return true;
}

struct ScanOptions {
  int64_t count = kDefaultScanCount;
  std::string_view pattern;
  bool use_pattern = false;
  std::string_view type;
  bool use_type = false;
};

bool parse_scan_options_or_reply(CommandContext& ctx, ScanOptions* opts) {
  for (size_t i = 2; i < ctx.argv.size(); i += 2) {
    const bool has_value = i + 1 < ctx.argv.size();
    std::string_view opt = ctx.argv[i];
    if (option_is(opt, "count") && has_value) {
      if (!parse_int64(ctx.argv[i + 1], &opts->count)) {
        ctx.reply.error(errors::kNotInteger);
        return false;
      }
      if (opts->count < 1) {
        ctx.reply.error(errors::kSyntax);
        return false;
      }
    } else if (option_is(opt, "match") && has_value) {
      opts->pattern = ctx.argv[i + 1];
      opts->use_pattern = opts->pattern != "*";  // "*" matches everything
    } else if (option_is(opt, "type") && has_value) {
      opts->type = ctx.argv[i + 1];
      opts->use_type = true;
    } else {
      ctx.reply.error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// Redis drops a key from the page if it fails MATCH, then if its TYPE
// differs (a lookup that counts a hit or miss and may expire the key), then
// if its time is up (deleting it).
bool keep_scanned_key(CommandContext& ctx, const ScanOptions& opts, std::string_view key) {
  if (opts.use_pattern && !glob_match(opts.pattern, key)) return false;
  if (opts.use_type) {
    std::string_view type = type_name(lookup_read_no_touch(ctx, key));
    if (!equals_ignore_case(c_string(opts.type), type)) return false;
  }
  return !expire_if_due(ctx, ctx.session.db, key);
}

void scan_command(CommandContext& ctx) {
  uint64_t cursor;
  if (!parse_cursor(ctx.argv[1], &cursor)) {
    ctx.reply.error("ERR invalid cursor");
    return;
  }
  ScanOptions opts;
  if (!parse_scan_options_or_reply(ctx, &opts)) return;
  const uint64_t count = static_cast<uint64_t>(opts.count);
  // Bounds the buckets visited in a sparse table; Redis's count*10, saturated.
  uint64_t budget = count > std::numeric_limits<uint64_t>::max() / 10
                        ? std::numeric_limits<uint64_t>::max()
                        : count * 10;
  std::vector<std::string> page;
  do {
    cursor = ctx.db().scan(cursor, [&](Entry* e) { page.emplace_back(e->key()); });
  } while (cursor != 0 && budget-- != 0 && page.size() < count);
  std::vector<std::string_view> kept;
  for (const std::string& key : page) {
    if (keep_scanned_key(ctx, opts, key)) kept.push_back(key);
  }
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(cursor));
  ctx.reply.array(kept.size());
  for (std::string_view key : kept) ctx.reply.bulk(key);
}

// A random key that is not expired; expired ones met on the way are deleted.
// Ends: every retry deletes a key.
void randomkey_command(CommandContext& ctx) {
  const int db = ctx.session.db;
  for (;;) {
    Entry* e = ctx.db().random_entry(ctx.engine.random());
    if (e == nullptr) {
      ctx.reply.null();
      return;
    }
    if (ctx.engine.key_is_expired(e, ctx.now_ms)) {
      ctx.engine.expire_entry(db, e);
      continue;
    }
    ctx.reply.bulk(e->key());
    return;
  }
}

void dbsize_command(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.db().size()));
}

}  // namespace

void register_scan_commands(Engine& engine) {
  engine.register_command(
      {.name = "keys", .arity = 2, .flags = kCmdReadonly, .handler = keys_command});
  engine.register_command(
      {.name = "scan", .arity = -2, .flags = kCmdReadonly, .handler = scan_command});
  engine.register_command(
      {.name = "randomkey", .arity = 1, .flags = kCmdReadonly, .handler = randomkey_command});
  engine.register_command(
      {.name = "dbsize", .arity = 1, .flags = kCmdReadonly | kCmdFast, .handler = dbsize_command});
}

}  // namespace amber::keys
