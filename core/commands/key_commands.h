// What the key-space command files (key_commands.cc, expire_commands.cc,
// scan_commands.cc, db_commands.cc, object_command.cc) share: the lookups
// Redis's db.c uses that the engine has no one-call form for, the DB-index
// argument rules, and each file's registration function, all called from
// register_key_commands. Internal to core/commands/.
#pragma once

#include <string_view>

#include "core/command.h"
#include "core/db.h"
#include "core/entry.h"

namespace amber::keys {

// Redis's lookupKeyReadWithFlags(LOOKUP_NOTOUCH): lazy expiry and a keyspace
// hit or miss, but the access clock is left alone (TYPE, EXISTS, TTL, OBJECT,
// SCAN ... TYPE).
Entry* lookup_read_no_touch(CommandContext& ctx, std::string_view key);

// Redis's expireIfNeeded for a key the caller is about to delete or filter:
// true if the key existed, was due, and has now been expired.
bool expire_if_due(CommandContext& ctx, int db, std::string_view key);

// Redis's getIntFromObjectOrReply: an int (32-bit) argument, or an error
// reply. `custom_error` (whole text, e.g. "ERR invalid first DB index")
// replaces every error text when not empty.
bool parse_int_or_reply(CommandContext& ctx, std::string_view arg, int* out,
                        std::string_view custom_error = {});

// A DB index argument (SELECT, MOVE, COPY ... DB): an int, then in range
// ("ERR DB index is out of range").
bool parse_db_index_or_reply(CommandContext& ctx, std::string_view arg, int* db);

// TYPE's name for an entry ("none" for nullptr).
std::string_view type_name(const Entry* e);

// Adds `key` (REQUIRES: absent from `dst`) holding a copy of `src`'s value,
// encoding and expire time, with access clock `lru`. For RENAME, MOVE, COPY.
Entry* clone_entry(Db& dst, std::string_view key, const Entry& src, uint32_t lru);

// Redis's strcasecmp on an argument: C string semantics, so the comparison
// stops at an embedded NUL byte.
bool option_is(std::string_view arg, std::string_view option);
// The argument as Redis's "%s" prints it: cut at the first NUL byte.
std::string_view c_string(std::string_view arg);

void register_expire_commands(Engine& engine);
void register_scan_commands(Engine& engine);
void register_db_commands(Engine& engine);
void register_object_command(Engine& engine);

}  // namespace amber::keys
