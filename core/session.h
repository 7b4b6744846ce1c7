// Session: what the engine remembers about one client between commands —
// the selected database, the RESP version, a MULTI queue and WATCHed keys.
// The server owns one per connection; the simulator owns its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace amber {

struct WatchedKey {
  int db;
  std::string key;
  bool expired_at_watch;  // Redis 7.0: a key already expired when WATCHed
};

struct Session {
  uint64_t id = 0;
  int db = 0;
  int protocol = 2;

  // MULTI state.
  bool in_multi = false;
  bool multi_aborted = false;  // a queue-time error was seen: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> queued;

  // WATCH state; `watch_dirty` is set when any watched key is touched.
  std::vector<WatchedKey> watched;
  bool watch_dirty = false;

  // The host's own per-client object (the server's Client), for commands the
  // host registers. The engine never looks inside.
  void* host = nullptr;
};

}  // namespace amber
