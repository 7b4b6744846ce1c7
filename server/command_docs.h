// Command metadata: Redis 7.0's facts about every command (flags, ACL
// categories, key specifications, tips, documentation, arguments), kept as
// compact constant tables in command_docs_data.cc, and the COMMAND command
// that serves them (COMMAND, COUNT, INFO, DOCS, LIST, GETKEYS,
// GETKEYSANDFLAGS, HELP).
//
// The engine's command table decides *which* commands exist and their arity;
// these tables only describe them. So COMMAND COUNT, COMMAND LIST and the
// rest show exactly what amber runs, and a command that joins the engine
// later gets its documentation for free.
//
// Everything here is read-only after start; called from the engine thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/command.h"

namespace amber {

class Engine;
class Reply;

// Registers COMMAND (a container with its subcommands) in the engine.
void register_command_command(Engine& engine);

namespace command_docs {

// Command flags, in the order COMMAND INFO lists them (server.c:
// addReplyFlagsForCommand). Bits from kFlagMayReplicate on are never shown.
enum CommandDocFlag : uint32_t {
  kFlagWrite = 1u << 0,
  kFlagReadonly = 1u << 1,
  kFlagDenyOom = 1u << 2,
  kFlagModule = 1u << 3,
  kFlagAdmin = 1u << 4,
  kFlagPubsub = 1u << 5,
  kFlagNoScript = 1u << 6,
  kFlagBlocking = 1u << 7,
  kFlagLoading = 1u << 8,
  kFlagStale = 1u << 9,
  kFlagSkipMonitor = 1u << 10,
  kFlagSkipSlowlog = 1u << 11,
  kFlagAsking = 1u << 12,
  kFlagFast = 1u << 13,
  kFlagNoAuth = 1u << 14,
  kFlagNoMandatoryKeys = 1u << 15,
  kFlagNoAsyncLoading = 1u << 16,
  kFlagNoMulti = 1u << 17,
  kFlagMovableKeys = 1u << 18,
  kFlagAllowBusy = 1u << 19,
  kFlagMayReplicate = 1u << 20,
  kFlagSentinel = 1u << 21,
  kFlagOnlySentinel = 1u << 22,
  kFlagProtected = 1u << 23,  // DEBUG, MODULE: gated by enable-*-command
  kFlagTouchesArbitraryKeys = 1u << 24,
};
inline constexpr int kShownCommandFlags = 20;

// Key-spec flags, in the order Redis lists them (addReplyFlagsForKeyArgs).
enum KeySpecFlag : uint16_t {
  kKeyRo = 1 << 0,
  kKeyRw = 1 << 1,
  kKeyOw = 1 << 2,
  kKeyRm = 1 << 3,
  kKeyAccess = 1 << 4,
  kKeyUpdate = 1 << 5,
  kKeyInsert = 1 << 6,
  kKeyDelete = 1 << 7,
  kKeyNotKey = 1 << 8,
  kKeyIncomplete = 1 << 9,
  kKeyVariableFlags = 1 << 10,
};
inline constexpr int kKeySpecFlagCount = 11;

// ACL categories are bits in the order of acl.c's ACLCommandCategories.
inline constexpr int kAclCategoryCount = 21;
inline constexpr uint32_t kAclSlow = 1u << 15;

enum class BeginSearch : uint8_t { kUnknown = 0, kIndex = 1, kKeyword = 2 };
enum class FindKeys : uint8_t { kUnknown = 0, kRange = 1, kKeynum = 2 };

// Redis's special key-extraction functions (db.c *GetKeys), for commands
// whose key specs cannot say everything.
enum class GetKeysProc : uint8_t {
  kNone,
  kSet,
  kBitfield,
  kSort,
  kSortRo,
  kMigrate,
  kGeoradius,
  kXread,
  kSintercard,
  kZunionInterDiff,
  kZunionInterDiffStore,
  kEval,
  kFunction,
  kLmpop,
  kBlmpop,
  kZmpop,
  kBzmpop,
};

enum ArgFlag : uint8_t { kArgOptional = 1, kArgMultiple = 2, kArgMultipleToken = 4 };

struct ArgDoc {
  const char* name;
  const char* token;             // nullptr: none
  const char* since;             // nullptr: none
  const char* deprecated_since;  // nullptr: none
  uint8_t type;                  // index into the type names (string, integer, ...)
  int8_t key_spec_index;         // -1: not a key
  uint8_t flags;                 // ArgFlag
  uint16_t first_child;          // oneof/block: children in kArgs[first, first+n)
  uint16_t num_children;
};

struct KeySpecDoc {
  const char* notes;  // nullptr: none
  uint16_t flags;     // KeySpecFlag
  uint8_t begin_type;
  int16_t begin_arg;  // index: pos; keyword: startfrom
  const char* keyword;
  uint8_t find_type;
  // range: lastkey, keystep, limit; keynum: keynumidx, firstkey, keystep.
  int16_t find_a, find_b, find_c;
};

struct HistoryDoc {
  const char* since;
  const char* changes;
};

struct CommandDoc {
  const char* name;  // full name, lower case: "get", "config|get"
  const char* summary;
  const char* since;
  const char* complexity;  // nullptr: none
  const char* deprecated_since;
  const char* replaced_by;
  uint8_t group;      // index into the group names (generic, string, ...)
  uint8_t doc_flags;  // 1: deprecated, 2: syscmd
  int16_t arity;      // Redis's arity; the engine's is what COMMAND reports
  uint32_t flags;     // CommandDocFlag, movablekeys already derived
  uint32_t acl;       // ACL categories, implicit ones (@read, @slow, ...) included
  int8_t first_key, last_key, key_step;  // the legacy key range of COMMAND INFO
  uint8_t getkeys;                       // GetKeysProc
  uint16_t history_first, history_count;
  uint16_t tips_first, tips_count;
  uint16_t specs_first, specs_count;
  uint16_t args_first, args_count;
};

struct Tables {
  std::span<const CommandDoc> commands;  // sorted by name
  std::span<const ArgDoc> args;
  std::span<const KeySpecDoc> key_specs;
  std::span<const HistoryDoc> history;
  std::span<const char* const> tips;
};

// The generated tables (command_docs_data.cc).
const Tables& tables();

// The documentation of a command by full name ("get", "CONFIG|GET"), or
// nullptr if Redis 7.0 has no such command.
const CommandDoc* find(std::string_view full_name);

// The engine flags (kCmd*) that Redis 7.0 gives a command.
uint32_t engine_flags(const CommandDoc& doc);
// A CommandSpec for a Redis command with arity, flags and key range taken
// from the table (name and arity stay empty/0 if Redis has no such command).
CommandSpec make_spec(std::string_view full_name, CommandHandler handler);

// A key found in a command's arguments: its position in argv and the flags
// of the key spec (or special function) that found it.
struct KeyRef {
  int pos;
  uint16_t flags;
};

// Redis's getKeysFromCommandWithSpecs for `argv` (argv[0] is the command
// name, or the subcommand's container). Fills `keys` and returns how many
// there are; 0 also when the arguments do not fit the specs (COMMAND GETKEYS
// then answers "Invalid arguments specified for command").
// REQUIRES: the arity of `argv` was checked.
int extract_keys(const CommandDoc& doc, ArgList argv, std::vector<KeyRef>* keys);
// True if the command can have keys at all (doesCommandHaveKeys).
bool has_keys(const CommandDoc& doc);

// COMMAND INFO's entry for a command the engine runs: `spec` gives the name,
// arity and subcommands, the tables the rest. nullptr writes a null entry.
void reply_info(Reply& reply, const CommandSpec* spec);
// COMMAND DOCS's value (a map) for a command the engine runs.
void reply_docs(Reply& reply, const CommandSpec& spec);
// Writes a set of key-spec flag names ("RO", "access", ...).
void reply_key_flags(Reply& reply, uint16_t flags);

}  // namespace command_docs
}  // namespace amber
