// Shared argument parsing for command handlers, with Redis 7.0's rules
// (util.c: string2ll, string2ld; t_string.c: parseExtendedStringArgumentsOrReply)
// so that the same malformed argument gets the same error everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace amber {

// Redis's string2ll: optional '-', no '+', no spaces, no leading zeros.
bool parse_int64(std::string_view s, int64_t* out);
// Redis's getDoubleFromObject: strtod over the whole string, no spaces,
// not NaN.
bool parse_double(std::string_view s, double* out);
// Redis's string2ld (INCRBYFLOAT): strtold over the whole string, no spaces,
// not NaN.
bool parse_long_double(std::string_view s, long double* out);
// Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf" with trailing zeros (and
// a trailing '.') removed; used for INCRBYFLOAT replies and stored values.
std::string format_long_double(long double value);

bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace amber
