// DEBUG (debug.c in Redis 7.0). One handler parses the subcommand and its
// argument count exactly as Redis does, so a wrong count gets the same
// "unknown subcommand or wrong number of arguments" error as an unknown name.
//
// DIGEST is Redis's order-independent dataset hash: per key, SHA-1 chains
// ("mix") the key, the type and the value; the per-key digests are XORed
// together, so iteration order does not matter, and each non-empty database
// mixes its index in first. Same data, same 40 hex digits as redis-server,
// which is how test suites compare two servers or a server before and after
// a restart.
//
// POPULATE fills a database fast (a million keys in well under a second):
// it writes entries straight into the Db, as Redis's dbAdd does, without the
// per-command overhead of SET.
#include "server/debug_command.h"

#include <arpa/inet.h>
#include <time.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/args.h"
#include "core/engine.h"
#include "core/errors.h"
#include "core/persist/rdb_writer.h"
#include "core/reply.h"

namespace amber {
namespace {

// Redis shares integer objects 0..9999 (OBJ_SHARED_INTEGERS); DEBUG OBJECT
// reports their refcount as OBJ_SHARED_REFCOUNT.

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void subcommand_error(CommandContext& ctx) {
  std::string message = "ERR unknown subcommand or wrong number of arguments for '";
  message.append(ctx.argv[1].substr(0, 128))
      .append("'. Try ")
      .append(upper(ctx.argv[0]))
      .append(" HELP.");
  ctx.reply.error(message);
}

// xorDigest: digest ^= SHA1(data).
void xor_digest(Sha1Digest& digest, const void* data, size_t len) {
  Sha1Digest h = Sha1::of(data, len);
  for (size_t i = 0; i < digest.size(); ++i) digest[i] ^= h[i];
}

// mixDigest: digest = SHA1(digest ^ SHA1(data)), so order matters.
void mix_digest(Sha1Digest& digest, const void* data, size_t len) {
  xor_digest(digest, data, len);
  digest = Sha1::of(digest.data(), digest.size());
}

// xorObjectDigest: the type, the value, and whether the key has a TTL.
void mix_value(Sha1Digest& digest, const Entry& e) {
  uint32_t type = htonl(static_cast<uint32_t>(e.value_type()));
  mix_digest(digest, &type, sizeof(type));
  // Strings (every encoding) hash their decoded bytes; later types add
  // their own element walk here.
  std::string_view value = e.value();
  mix_digest(digest, value.data(), value.size());
  if (e.has_expire()) xor_digest(digest, "!!expire!!", 10);
}

void debug_help(CommandContext& ctx, const DebugHooks& hooks) {
  static constexpr const char* kLines[] = {
      "CHANGE-REPL-ID",
      "    Change the replication IDs of the instance.",
      "    Dangerous: should be used only for testing the replication subsystem.",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "ERROR <string>",
      "    Return a Redis protocol error with <string> as message. Useful for clients",
      "    unit tests to simulate Redis errors.",
      "LOG <message>",
      "    Write <message> to the server log.",
      "OBJECT <key>",
      "    Show low level info about `key` and associated value.",
      "POPULATE <count> [<prefix>] [<size>]",
      "    Create <count> string keys named key:<num>. If <prefix> is specified then",
      "    it is used instead of the 'key' prefix. These are not propagated to",
      "    replicas. Cluster slots are not respected so keys not belonging to the",
      "    current node can be created in cluster mode.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed."};
  size_t extra_lines = 0;
  for (const DebugSubcommand& sub : hooks.extra) extra_lines += sub.help.size();
  ctx.reply.array(1 + std::size(kLines) + extra_lines + 2);
  ctx.reply.simple(upper(ctx.argv[0]) +
                   " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* line : kLines) ctx.reply.simple(line);
  for (const DebugSubcommand& sub : hooks.extra) {
    for (const std::string& line : sub.help) ctx.reply.simple(line);
  }
  ctx.reply.simple("HELP");
  ctx.reply.simple("    Prints this help.");
}

// rdbSavedObjectLen for a string value: the bytes DEBUG OBJECT reports.
size_t serialized_length(const Entry& e, bool compress) {
  std::string out, scratch;
  append_rdb_string(&out, e.value(), compress, &scratch);
  return out.size();
}

void debug_object(CommandContext& ctx, const DebugHooks& hooks) {
  // A debugging view: logically expired keys are shown, not deleted.
  Entry* e = ctx.db().find(ctx.argv[2]);
  if (e == nullptr) return ctx.reply.error(errors::kNoSuchKey);
  static constexpr const char* kEncodingNames[] = {"raw", "int", "", "", "", "", "", "", "embstr"};
  bool shared = e->is_shared_integer();
  uint64_t idle_s = lru_idle_s(lru_clock_at(ctx.now_ms), e->lru);
  bool compress = hooks.rdb_compression ? hooks.rdb_compression() : true;
  char line[256];
  std::snprintf(
      line, sizeof(line),
      "Value at:%p refcount:%lld encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%llu",
      static_cast<void*>(e), static_cast<long long>(shared ? kSharedRefcount : 1),
      kEncodingNames[e->encoding], serialized_length(*e, compress), static_cast<unsigned>(e->lru),
      static_cast<unsigned long long>(idle_s));
  ctx.reply.simple(line);
}

// getPositiveLongFromObjectOrReply with Redis's default message.
bool positive_long(CommandContext& ctx, std::string_view arg, int64_t* out) {
  if (parse_int64(arg, out) && *out >= 0) return true;
  ctx.reply.error("ERR value is out of range, must be positive");
  return false;
}

void debug_populate(CommandContext& ctx) {
  int64_t count, size = 0;
  if (!positive_long(ctx, ctx.argv[2], &count)) return;
  if (ctx.argv.size() == 5 && !positive_long(ctx, ctx.argv[4], &size)) return;
  // Redis formats into a C string: the prefix ends at a NUL byte and the key
  // is cut to 127 bytes.
  std::string prefix(ctx.argv.size() >= 4 ? ctx.argv[3] : std::string_view("key"));
  prefix.resize(std::strlen(prefix.c_str()));
  Db& db = ctx.db();
  std::string value;
  char key[128];
  for (int64_t j = 0; j < count; ++j) {
    int n = std::snprintf(key, sizeof(key), "%s:%lld", prefix.c_str(), static_cast<long long>(j));
    std::string_view name(key, std::min<size_t>(static_cast<size_t>(n), sizeof(key) - 1));
    if (ctx.engine.lookup_write(ctx.session.db, name, ctx.now_ms) != nullptr) continue;
    value = "value:" + std::to_string(j);
    if (size > 0) value.resize(static_cast<size_t>(size), '\0');
    db.insert(name, value, value.size() <= 44 ? Encoding::kEmbstr : Encoding::kRaw);
    ctx.engine.signal_modified(ctx.session.db, name);
  }
  ctx.reply.ok();
}

void debug_digest_value(CommandContext& ctx) {
  ctx.reply.array(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    ctx.reply.simple(digest_hex(key_value_digest(ctx.db(), ctx.argv[i])));
  }
}

void debug_protocol(CommandContext& ctx) {
  std::string_view name = ctx.argv[2];
  Reply& r = ctx.reply;
  auto is = [&](std::string_view n) { return equals_ignore_case(name, n); };
  if (is("string")) return r.bulk("Hello World");
  if (is("integer")) return r.integer(12345);
  if (is("double")) return r.double_value(3.141);
  if (is("bignum")) {
    constexpr std::string_view kBig = "1234567999999999999999999999999999999";
    if (r.protocol() < 3) return r.bulk(kBig);
    return r.raw("(" + std::string(kBig) + "\r\n");
  }
  if (is("null")) return r.null();
  if (is("array") || is("set")) {
    is("array") ? r.array(3) : r.set(3);
    for (int j = 0; j < 3; ++j) r.integer(j);
    return;
  }
  if (is("map")) {
    r.map(3);
    for (int j = 0; j < 3; ++j) {
      r.integer(j);
      r.boolean(j == 1);
    }
    return;
  }
  if (is("attrib")) {
    // An attribute is not a reply by itself: a real reply follows it.
    if (r.protocol() >= 3) r.raw("|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
    return r.bulk("Some real reply following the attribute");
  }
  if (is("push")) {
    if (r.protocol() < 3) return r.error("ERR RESP2 is not supported by this command");
    r.push(2);
    r.bulk("server-cpu-usage");
    r.integer(42);
    return r.bulk("Some real reply following the push reply");
  }
  if (is("true") || is("false")) return r.boolean(is("true"));
  if (is("verbatim")) return r.verbatim("This is a verbatim\nstring", "txt");
  r.error(
      "ERR Wrong protocol type name. Please use one of the following: "
      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

void debug_sleep(CommandContext& ctx, const DebugHooks& hooks) {
  // strtod without error checking, as Redis: "abc" sleeps 0 seconds.
  std::string arg(ctx.argv[2]);
  auto us = static_cast<int64_t>(std::strtod(arg.c_str(), nullptr) * 1000000);
  if (hooks.sleep_us) {
    hooks.sleep_us(us);
  } else if (us > 0) {
    timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>((us % 1000000) * 1000)};
    nanosleep(&ts, nullptr);
  }
  ctx.reply.ok();
}

int atoi_arg(std::string_view s) { return std::atoi(std::string(s).c_str()); }

// Runs the built-in subcommand named by argv[1]; false if none matches
// (name and argument count).
bool run_builtin(CommandContext& ctx, const DebugHooks& hooks) {
  std::string_view sub = ctx.argv[1];
  size_t argc = ctx.argv.size();
  auto is = [&](std::string_view n) { return equals_ignore_case(sub, n); };
  if (is("help") && argc == 2) {
    debug_help(ctx, hooks);
  } else if (is("object") && argc == 3) {
    debug_object(ctx, hooks);
  } else if (is("populate") && argc >= 3 && argc <= 5) {
    debug_populate(ctx);
  } else if (is("digest") && argc == 2) {
    ctx.reply.simple(digest_hex(dataset_digest(ctx.engine)));
  } else if (is("digest-value")) {
    debug_digest_value(ctx);
  } else if (is("protocol") && argc == 3) {
    debug_protocol(ctx);
  } else if (is("sleep") && argc == 3) {
    debug_sleep(ctx, hooks);
  } else if (is("set-active-expire") && argc == 3) {
    ctx.engine.options().active_expire = atoi_arg(ctx.argv[2]) != 0;
    ctx.reply.ok();
  } else if (is("change-repl-id") && argc == 2) {
    if (hooks.log_warning)
      hooks.log_warning("Changing replication IDs after receiving DEBUG change-repl-id");
    if (hooks.change_repl_id) hooks.change_repl_id();
    ctx.reply.ok();
  } else if (is("error") && argc == 3) {
    ctx.reply.error(ctx.argv[2]);
  } else if (is("log") && argc == 3) {
    if (hooks.log_warning) hooks.log_warning("DEBUG LOG: " + std::string(ctx.argv[2]));
    ctx.reply.ok();
  } else {
    return false;
  }
  return true;
}

void debug_command(CommandContext& ctx, const DebugHooks& hooks) {
  if (run_builtin(ctx, hooks)) return;
  int argc = static_cast<int>(ctx.argv.size());
  for (const DebugSubcommand& sub : hooks.extra) {
    bool fits = argc >= sub.min_argc && (sub.max_argc < 0 || argc <= sub.max_argc);
    if (fits && equals_ignore_case(ctx.argv[1], sub.name)) return sub.handler(ctx);
  }
  subcommand_error(ctx);
}

}  // namespace

Sha1Digest dataset_digest(Engine& engine) {
  Sha1Digest final_digest{};
  for (int j = 0; j < engine.db_count(); ++j) {
    Db& db = engine.db(j);
    if (db.size() == 0) continue;
    uint32_t index = htonl(static_cast<uint32_t>(j));
    mix_digest(final_digest, &index, sizeof(index));
    EntryScratch scratch;
    db.for_each([&](Entry* e) {
      Sha1Digest digest{};
      std::string_view key = e->key();
      mix_digest(digest, key.data(), key.size());
      mix_value(digest, db.readable(*e, &scratch));
      xor_digest(final_digest, digest.data(), digest.size());
    });
  }
  return final_digest;
}

Sha1Digest key_value_digest(Db& db, std::string_view key) {
  Sha1Digest digest{};
  if (Entry* e = db.find(key)) mix_value(digest, *e);
  return digest;
}

std::string digest_hex(const Sha1Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

void register_debug_command(Engine& engine, DebugHooks hooks) {
  CommandSpec spec;
  spec.name = "debug";
  spec.arity = -2;
  spec.flags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  spec.handler = [hooks = std::move(hooks)](CommandContext& ctx) { debug_command(ctx, hooks); };
  engine.register_command(std::move(spec));
}

}  // namespace amber
