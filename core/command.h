// Command table types: what a command is (name, arity, flags, key positions)
// and what its handler gets (CommandContext). Handlers are short: parse
// arguments with the shared helpers (core/args.h), act on the keyspace
// through the context, reply.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amber {

class Engine;
class Reply;
class Db;
struct Entry;
struct Session;

using ArgList = std::span<const std::string_view>;

// Redis's command flags that the dispatcher acts on.
enum CommandFlag : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadonly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdAdmin = 1 << 3,
  kCmdFast = 1 << 4,
  kCmdNoMulti = 1 << 5,  // rejected inside MULTI ("ERR Command not allowed inside a transaction")
  kCmdLoading = 1 << 6,  // allowed while loading
  kCmdStale = 1 << 7,    // allowed while replica is stale
  kCmdNoAuth = 1 << 8,   // allowed before AUTH
  kCmdAllowBusy = 1 << 9,
  kCmdMayReplicate = 1 << 10,
  kCmdNoScript = 1 << 11,
  kCmdTransaction = 1 << 12,  // MULTI/EXEC/DISCARD/WATCH/UNWATCH, QUIT, RESET: never queued
};

struct CommandContext;
using CommandHandler = std::function<void(CommandContext&)>;

struct CommandSpec {
  std::string name;  // lower case; for subcommands "container|sub"
  int arity = 0;     // Redis convention: N exactly, -N at least N
  uint32_t flags = 0;
  int first_key = 0;  // key positions (0 = none); last_key -1 = through the end
  int last_key = 0;
  int key_step = 0;
  CommandHandler handler;
  std::vector<CommandSpec> subcommands;  // non-empty for container commands (CONFIG, OBJECT, ...)

  // Statistics for INFO commandstats.
  mutable uint64_t calls = 0;
  mutable uint64_t usec = 0;
  mutable uint64_t rejected_calls = 0;
  mutable uint64_t failed_calls = 0;
};

// Calls fn(i) for each argument position i < argc that holds a key by the
// command's legacy range (first_key, last_key, key_step), as COMMAND INFO
// reports it.
template <typename Fn>
void for_each_key_position(const CommandSpec& spec, size_t argc, Fn&& fn) {
  if (spec.first_key <= 0) return;
  const int count = static_cast<int>(argc);
  const int last = spec.last_key < 0 ? count + spec.last_key : spec.last_key;
  const int step = spec.key_step > 1 ? spec.key_step : 1;
  for (int i = spec.first_key; i <= last && i < count; i += step) fn(static_cast<size_t>(i));
}

struct CommandContext {
  Engine& engine;
  Session& session;
  Reply& reply;
  ArgList argv;
  const CommandSpec& spec;
  int64_t now_ms;  // time is read once per command, so a command sees one instant

  Db& db();

  // Propagation (core/propagation.h): what the AOF records for this command.
  // Replaces the command's own op (only when it changes `dirty`).
  void propagate_as(std::vector<std::string> argv_out);
  // Adds an op of its own, before the command's.
  void also_propagate(int db_index, std::vector<std::string> argv_out);
  // The command's own op is not recorded.
  void prevent_propagation();
  // Whether a sink listens (lets handlers skip building rewrites).
  bool propagating() const;
};

}  // namespace amber
