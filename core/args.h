// Shared argument parsing for command handlers, with Redis 7.0's rules
// (util.c: string2ll, string2d, string2ld; t_string.c:
// parseExtendedStringArgumentsOrReply; expire.c: expireGenericCommand) so
// that the same malformed argument gets the same error everywhere.
//
// Pure functions: no engine, no reply. Handlers turn a `false` into the
// matching error from core/errors.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/command.h"

namespace amber {

// Redis's string2ll: optional '-', no '+', no spaces, no leading zeros,
// at most 20 characters, within int64.
bool parse_int64(std::string_view s, int64_t* out);
// Redis's getDoubleFromObject (string2d): strtod over the whole string, no
// leading space, no overflow or underflow to zero, not NaN ("inf" is fine).
bool parse_double(std::string_view s, double* out);
// Redis's string2ld (INCRBYFLOAT): as parse_double with strtold, and at most
// 5119 characters.
bool parse_long_double(std::string_view s, long double* out);
// Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf" with trailing zeros (and
// a trailing '.') removed, "-0" written "0"; used for INCRBYFLOAT replies and
// stored values.
std::string format_long_double(long double value);

bool equals_ignore_case(std::string_view a, std::string_view b);

// --- expire times ---

enum class TimeUnit { kSeconds, kMilliseconds };

// SET / SETEX / PSETEX / GETEX: `value` must be > 0 and, converted to ms and
// (when `relative`) added to `now_ms`, must stay a positive int64. Returns
// false if not; the caller replies invalid_expire_time_error(command).
bool string_expire_to_ms(int64_t value, TimeUnit unit, bool relative, int64_t now_ms,
                         int64_t* when_ms);
// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT: negative values are allowed (the
// key is deleted), only an overflow of the unit conversion or of adding
// `base_ms` (0 for the *AT forms) is refused. REQUIRES: base_ms >= 0.
bool expire_to_absolute_ms(int64_t value, TimeUnit unit, int64_t base_ms, int64_t* when_ms);
// "ERR invalid expire time in '<command>' command" (command lower case, as
// Redis's fullname).
std::string invalid_expire_time_error(std::string_view command);

// --- SET / GETEX options ---

// Options of SET (NX XX GET KEEPTTL EX PX EXAT PXAT) and GETEX (PERSIST EX PX
// EXAT PXAT).
enum StringOption : uint32_t {
  kStrNx = 1 << 0,
  kStrXx = 1 << 1,
  kStrEx = 1 << 2,
  kStrPx = 1 << 3,
  kStrKeepTtl = 1 << 4,
  kStrGet = 1 << 5,
  kStrExat = 1 << 6,
  kStrPxat = 1 << 7,
  kStrPersist = 1 << 8,
};

struct StringOptions {
  uint32_t flags = 0;
  // The argument after EX/PX/EXAT/PXAT; empty data() when none was given.
  std::string_view expire_arg;
  bool has_expire() const { return (flags & (kStrEx | kStrPx | kStrExat | kStrPxat)) != 0; }
  TimeUnit unit() const {
    return (flags & (kStrPx | kStrPxat)) ? TimeUnit::kMilliseconds : TimeUnit::kSeconds;
  }
  bool relative() const { return (flags & (kStrEx | kStrPx)) != 0; }
};

enum class StringCommandKind { kGet, kSet };

// Parses argv[first..] as SET (kSet) or GETEX (kGet) options with Redis's
// rules: a repeated option is fine, a conflicting one (NX with XX, two
// different expire forms, KEEPTTL or PERSIST with an expire) or one missing
// its value is a syntax error. Returns false on a syntax error.
bool parse_string_options(ArgList argv, size_t first, StringCommandKind kind, StringOptions* out);

}  // namespace amber
