// DEBUG: Redis 7.0's test and introspection command (debug.c). amber runs
// the subcommands that test suites and tools rely on — HELP, SLEEP,
// SET-ACTIVE-EXPIRE, OBJECT, POPULATE, DIGEST, DIGEST-VALUE, PROTOCOL,
// CHANGE-REPL-ID, ERROR, LOG — and answers Redis's "unknown subcommand" error
// for the rest, so a client can tell "not here" from "failed". The host adds
// the ones that need its machinery (RELOAD, LOADAOF, ...) through DebugHooks.
//
// DEBUG is one command of arity -2 whose handler parses the subcommand, as in
// Redis (it is not a container in the command table). Whether a client may
// run it at all (enable-debug-command, the "protected" flag) is the host's
// admission check, not this module's.
//
// Handlers run on the engine thread; DEBUG SLEEP blocks it on purpose.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/command.h"
#include "server/sha1.h"

namespace amber {

class Engine;
class Db;

// A DEBUG subcommand the host provides. `min_argc`/`max_argc` count the
// whole argv ("DEBUG RELOAD" is 2); max_argc -1 means no upper bound.
struct DebugSubcommand {
  std::string name;  // matched case-insensitively, e.g. "reload"
  int min_argc = 2;
  int max_argc = 2;
  CommandHandler handler;
  // Lines for DEBUG HELP (usage line, then indented description lines).
  std::vector<std::string> help;
};

// What DEBUG needs from the server. Every member may be left empty.
struct DebugHooks {
  // CHANGE-REPL-ID: give the server a new random replication ID and clear
  // the secondary one (changeReplicationId + clearReplicationId2). Empty: the
  // server has no replication state yet; the subcommand just answers OK.
  std::function<void()> change_repl_id;
  // SLEEP: block the serving thread for `us` microseconds. Empty: nanosleep.
  // The simulator passes one that advances its clock instead.
  std::function<void(int64_t us)> sleep_us;
  // LOG: write `line` to the server log at warning level. Empty: dropped.
  std::function<void(std::string_view line)> log_warning;
  // The rdbcompression setting, for OBJECT's serializedlength. Empty: yes,
  // Redis's default.
  std::function<bool()> rdb_compression;
  // More subcommands (RELOAD, LOADAOF, JMAP, ...), checked after the
  // built-in ones and listed in DEBUG HELP.
  std::vector<DebugSubcommand> extra;
};

void register_debug_command(Engine& engine, DebugHooks hooks = {});

// Redis's DEBUG DIGEST of the whole keyspace (computeDatasetDigest): all
// zeros when every database is empty. Logically expired keys still count.
Sha1Digest dataset_digest(Engine& engine);
// Redis's digest of one key and its value (xorObjectDigest), without the key
// name; all zeros if absent.
Sha1Digest key_value_digest(Db& db, std::string_view key);
std::string digest_hex(const Sha1Digest& digest);

}  // namespace amber
