// Helpers shared by the string command tests: look at a key's entry
// directly (encoding, TTL) and plant a key of another type to provoke
// WRONGTYPE before other value types exist.
#pragma once

#include <string_view>

#include "core/engine.h"
#include "tests/core/engine_harness.h"

namespace amber {

inline Entry* find_key(EngineHarness& h, std::string_view key) { return h.engine.db(0).find(key); }

inline Encoding encoding_of(EngineHarness& h, std::string_view key) {
  Entry* e = find_key(h, key);
  return e == nullptr ? Encoding::kRaw : e->value_encoding();
}

// A key whose type is not a string (the type number of Redis's OBJ_LIST).
inline void plant_non_string(EngineHarness& h, std::string_view key) {
  Entry* e = h.engine.db(0).insert(key, "", Encoding::kRaw);
  e->type = 1;
}

inline constexpr std::string_view kWrongTypeReply =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
inline constexpr std::string_view kNotIntegerReply =
    "-ERR value is not an integer or out of range\r\n";
inline constexpr std::string_view kSyntaxReply = "-ERR syntax error\r\n";

}  // namespace amber
