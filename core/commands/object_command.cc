// OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP: a look at how a value
// is stored, for tools and tests that tune memory. A container command: the
// dispatcher finds the subcommand, checks its arity and answers unknown ones.
//
// The lookups neither refresh the access clock nor notify, but they do count
// keyspace hits and misses, as Redis's do. Values are not reference counted
// in amber, so REFCOUNT reports what Redis would: its shared integers
// (0..9999 stored with the "int" encoding) are reported as
// OBJ_SHARED_REFCOUNT, any other value as 1.
#include <cctype>
#include <iterator>
#include <string>

#include "core/commands/key_commands.h"
#include "core/engine.h"

namespace amber::keys {
namespace {

// lfu-decay-time: minutes for the LFU counter to lose one step (Redis default).
constexpr uint64_t kLfuDecayMinutes = 1;

constexpr std::string_view kLfuSelected =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
    "switching between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr std::string_view kLfuNotSelected =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";

constexpr std::string_view kHelp[] = {
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Prints this help.",
};

// Redis's names for its encoding numbers (strEncoding).
std::string_view encoding_name(uint32_t encoding) {
  switch (encoding) {
    case 0:
      return "raw";
    case 1:
      return "int";
    case 2:
      return "hashtable";
    case 6:
      return "intset";
    case 7:
      return "skiplist";
    case 8:
      return "embstr";
    case 9:
      return "quicklist";
    case 10:
      return "stream";
    case 11:
      return "listpack";
    default:
      return "unknown";
  }
}

// The key's entry, or a null reply and nullptr.
Entry* lookup_or_null(CommandContext& ctx) {
  Entry* e = lookup_read_no_touch(ctx, ctx.argv[2]);
  if (e == nullptr) ctx.reply.null();
  return e;
}

void encoding_command(CommandContext& ctx) {
  if (Entry* e = lookup_or_null(ctx)) ctx.reply.bulk(encoding_name(e->encoding));
}

void refcount_command(CommandContext& ctx) {
  Entry* e = lookup_or_null(ctx);
  if (e == nullptr) return;
  ctx.reply.integer(e->is_shared_integer() ? kSharedRefcount : 1);
}

void idletime_command(CommandContext& ctx) {
  Entry* e = lookup_or_null(ctx);
  if (e == nullptr) return;
  if (ctx.engine.options().lfu_policy) {
    ctx.reply.error(kLfuSelected);
    return;
  }
  ctx.reply.integer(static_cast<int64_t>(lru_idle_s(lru_clock_at(ctx.now_ms), e->lru)));
}

// Under an LFU policy the entry's clock field holds Redis's LFU layout:
// minutes of the last decrement (16 bits) and a logarithmic counter (8 bits).
void freq_command(CommandContext& ctx) {
  Entry* e = lookup_or_null(ctx);
  if (e == nullptr) return;
  if (!ctx.engine.options().lfu_policy) {
    ctx.reply.error(kLfuNotSelected);
    return;
  }
  const uint64_t now_min = static_cast<uint64_t>(ctx.now_ms / 1000 / 60) & 65535;
  const uint64_t last_min = e->lru >> 8;
  uint64_t counter = e->lru & 255;
  const uint64_t elapsed = now_min >= last_min ? now_min - last_min : 65535 - last_min + now_min;
  const uint64_t periods = elapsed / kLfuDecayMinutes;
  counter = periods > counter ? 0 : counter - periods;
  ctx.reply.integer(static_cast<int64_t>(counter));
}

void help_command(CommandContext& ctx) {
  std::string name(ctx.argv[0]);
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.reply.array(std::size(kHelp) + 1);
  ctx.reply.simple(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view line : kHelp) ctx.reply.simple(line);
}

CommandSpec key_subcommand(std::string name, CommandHandler handler) {
  return {.name = std::move(name),
          .arity = 3,
          .flags = kCmdReadonly,
          .first_key = 2,
          .last_key = 2,
          .key_step = 1,
          .handler = std::move(handler)};
}

}  // namespace

void register_object_command(Engine& engine) {
  CommandSpec object{.name = "object", .arity = -2};
  object.subcommands.push_back(key_subcommand("object|encoding", encoding_command));
  object.subcommands.push_back(key_subcommand("object|freq", freq_command));
  object.subcommands.push_back(key_subcommand("object|idletime", idletime_command));
  object.subcommands.push_back(key_subcommand("object|refcount", refcount_command));
  object.subcommands.push_back({.name = "object|help",
                                .arity = 2,
                                .flags = kCmdLoading | kCmdStale,
                                .handler = help_command});
  engine.register_command(std::move(object));
}

}  // namespace amber::keys
