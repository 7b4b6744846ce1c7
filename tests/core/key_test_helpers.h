// Helpers for the key-space command tests: place keys straight into a
// database (so these tests do not depend on the string commands) and spell
// RESP replies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/entry.h"
#include "tests/core/engine_harness.h"

namespace amber::keytest {

// Makes `key` hold `value` (fresh, no TTL, encoded as SET would) in `db`.
inline Entry* put(EngineHarness& h, std::string_view key, std::string_view value, int db = 0) {
  Db& d = h.engine.db(db);
  d.erase(key);
  Entry* e = d.insert(key, value, encoding_for_new_string(value));
  e->lru = h.engine.lru_clock();
  return e;
}

// The same with a TTL of `ttl_ms` from the harness clock's now.
inline Entry* put_ttl(EngineHarness& h, std::string_view key, std::string_view value,
                      int64_t ttl_ms, int db = 0) {
  Entry* e = put(h, key, value, db);
  h.engine.db(db).set_expire(e, h.clock.now_ms() + ttl_ms);
  return e;
}

inline std::string bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

inline std::string integer(int64_t v) { return ":" + std::to_string(v) + "\r\n"; }

inline std::string error(std::string_view message) { return "-" + std::string(message) + "\r\n"; }

}  // namespace amber::keytest
