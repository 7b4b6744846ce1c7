// KeyspaceObserver: what a physical persistence mode (NVM) learns about each
// change to the keyspace, as it happens. The engine calls it from
// signal_modified / signal_db_replaced, the same points that invalidate
// WATCH, so every write, every deletion (DEL, RENAME, expiry, lazy or
// active) and every FLUSHDB/FLUSHALL/SWAPDB reaches it. The observer only
// learns *which* key or database changed; it reads the final state itself
// when the engine hands the write unit to the PropagationSink.
//
// Calls come before or after the change (before, for db replacement: the
// contents are swapped or cleared after the call). SWAPDB a b calls
// on_db_replaced twice: (a, b) then (b, a).
// Single-threaded: the engine's.
#pragma once

#include <string_view>

namespace amber {

struct Entry;

class KeyspaceObserver {
 public:
  KeyspaceObserver() = default;
  KeyspaceObserver(const KeyspaceObserver&) = delete;
  KeyspaceObserver& operator=(const KeyspaceObserver&) = delete;
  virtual ~KeyspaceObserver() = default;

  // `key` of database `db` was written, had its expire changed, or was
  // deleted. `written` (or null): the key's entry as the write left it,
  // which stays its entry while its Db's entry_epoch() does not change.
  virtual void on_key_modified(int db, std::string_view key, Entry* written) = 0;
  // Database `db` is about to be emptied (with = -1) or swapped with `with`.
  virtual void on_db_replaced(int db, int with) = 0;
};

}  // namespace amber
