// What the string command files (core/commands/string_*.cc) share: Redis's
// checkType, getGenericCommand, setKey and checkStringLength in amber's
// terms, and the handlers that register_string_commands puts in the table.
// Internal to core/commands/; other modules go through the command table.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/command.h"
#include "core/entry.h"

namespace amber::strings {

// Redis's checkType: true (and a WRONGTYPE reply) if `e` exists and holds
// something other than a string.
bool reply_wrong_type(CommandContext& ctx, const Entry* e);

// Redis's getGenericCommand: replies the string at `key` (read lookup: hits,
// misses, lazy expiry) or nil. Returns false after a WRONGTYPE reply.
bool reply_value(CommandContext& ctx, std::string_view key);

// Adds `key` (REQUIRES: absent) with a fresh access time. No signal, no
// dirty count: the caller does both once its write is complete.
Entry* create(CommandContext& ctx, std::string_view key, std::string_view value, Encoding encoding);

// Redis's setKey: makes `key` hold `value` with the encoding Redis would give
// a new string, dropping the TTL unless `keep_ttl`, and signals the write.
// The caller adds the dirty count. Returns the (possibly moved) entry.
Entry* store(CommandContext& ctx, std::string_view key, std::string_view value,
             bool keep_ttl = false);
// The same with an explicit encoding (INCRBYFLOAT stores "embstr"/"raw",
// SETRANGE "raw").
Entry* store_encoded(CommandContext& ctx, std::string_view key, std::string_view value,
                     Encoding encoding, bool keep_ttl);
// The same when the caller already holds `current`, the result of its own
// lookup_write of `key` (null if absent): saves a second hash lookup on the
// hot read-modify-write paths (INCR).
Entry* store_over(CommandContext& ctx, Entry* current, std::string_view key, std::string_view value,
                  Encoding encoding, bool keep_ttl);

// Redis's checkStringLength: false (and the proto-max-bulk-len error) if a
// string of `size` + `append` bytes would be too long.
bool check_length(CommandContext& ctx, uint64_t size, uint64_t append);

// The encoding of a string built from scratch (not an argument): Redis's
// createStringObject, "embstr" up to 44 bytes, else "raw".
Encoding created_string_encoding(size_t size);

void get_command(CommandContext& ctx);
void set_command(CommandContext& ctx);
void setnx_command(CommandContext& ctx);
void setex_command(CommandContext& ctx);
void psetex_command(CommandContext& ctx);
void getset_command(CommandContext& ctx);
void getdel_command(CommandContext& ctx);
void getex_command(CommandContext& ctx);
void mget_command(CommandContext& ctx);
void mset_command(CommandContext& ctx);
void msetnx_command(CommandContext& ctx);

void incr_command(CommandContext& ctx);
void decr_command(CommandContext& ctx);
void incrby_command(CommandContext& ctx);
void decrby_command(CommandContext& ctx);
void incrbyfloat_command(CommandContext& ctx);

void append_command(CommandContext& ctx);
void strlen_command(CommandContext& ctx);
void getrange_command(CommandContext& ctx);
void setrange_command(CommandContext& ctx);
void lcs_command(CommandContext& ctx);

}  // namespace amber::strings
