// The text rules of redis.conf and CONFIG SET values, as Redis's sds.c and
// util.c define them: how a line splits into words (quotes, escapes), how a
// value is quoted back, how memory sizes with units parse and print. Kept
// apart from the parameter logic so that the file parser, CONFIG SET and
// CONFIG REWRITE agree byte for byte.
//
// Internal to server/config*.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sds_text.h"

namespace amber::config {

// Word splitting and quoting are sds.c's, shared with the AOF manifest.
using ::amber::quote;
using ::amber::split_args;

// Redis's sdssplitlen(value, " "): every single space separates, so empty
// words are possible; an empty value has no words at all.
std::vector<std::string> split_spaces(std::string_view value);

// Redis's memtoull: digits followed by nothing, b, k, kb, m, mb, g or gb
// (any case). Digits overflowing saturate and the multiplication wraps, as
// in Redis. nullopt when it is not a memory value.
std::optional<uint64_t> parse_memory(std::string_view value);

// Redis's rewriteConfigFormatMemory: the largest of gb/mb/kb dividing the
// value exactly, else plain bytes.
std::string format_memory(int64_t bytes);

// strtoll(value, &end, base) over the whole value (leading blanks and a
// sign allowed, as C's strtoll does); nullopt if characters remain.
// Out-of-range input saturates, as strtoll does.
std::optional<int64_t> parse_c_integer(std::string_view value, int base = 10);

// Redis's string2d: strtod over the whole value, no leading blank, no NaN,
// no overflow.
std::optional<double> parse_c_double(std::string_view value);

// "%f" with trailing zeros (and a trailing '.') removed.
std::string format_trimmed_double(double value);

std::string to_lower(std::string_view s);

// Redis's sdstrim(line, " \t\r\n").
std::string_view trim(std::string_view line);

}  // namespace amber::config
