// RecordBound: an upper bound, computed before a command or a transaction
// runs, of the bytes of the NVM log record it will produce. A record holds
// the final state of every key the unit touches (nvm/log_record.h), so a
// short command on a long value (APPEND, SETRANGE past the end, EXPIRE,
// COPY, RENAME, MOVE) can need a record larger than the log takes, or (a
// long value, linked from the record instead: bytes_with_links) more room
// than the store has. Such a unit could not be logged once it had run, and
// a write that cannot be logged must not be acknowledged: the server would
// have to stop. The host refuses it before it runs instead (-ERR;
// EXECABORT for a transaction).
//
// The bound follows each key through the unit: a key's size starts as the
// value it holds now (looked up only when a command keeps or copies it: a
// plain SET needs no lookup) and grows by what each command can add — its
// own arguments, SETRANGE's offset, the source's size for COPY, RENAME and
// MOVE — with databases followed through SELECT and SWAPDB. It may exceed
// the record, never fall short of it.
// Threads: the engine's.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/command.h"

namespace amber::nvm {

class RecordBound {
 public:
  // The value size of `key` in database `db` now (0 if absent).
  using SizeOf = std::function<uint64_t(int db, std::string_view key)>;

  // REQUIRES: size_of outlives the bound.
  RecordBound(int db_count, const SizeOf* size_of);

  // Accounts for `argv` (resolved to `spec`) about to run in database *db;
  // SELECT moves *db as it will when it runs. The argument bytes must stay
  // valid while the bound is used.
  void add(const CommandSpec& spec, ArgList argv, int* db);
  // The bound on the record's payload bytes.
  uint64_t bytes() const;
  // The bound when every value longer than `link_above` is linked, not
  // logged (NvmPersistence::link_threshold_bytes; never in a unit with a
  // FLUSHDB, FLUSHALL or SWAPDB). *largest_linked: the largest key and
  // value together that may be linked (0: none).
  uint64_t bytes_with_links(uint64_t link_above, uint64_t* largest_linked) const;

 private:
  struct Tracked {
    int origin_db;  // the database that held the key's contents when the unit began
    std::string_view key;
    uint64_t size;
    bool known;  // size holds a bound (else: not looked up yet)
  };

  Tracked& track(int db, std::string_view key);
  // The key's bound, looked up if the unit has not set it yet.
  uint64_t& current(int db, std::string_view key);
  void at_least(int db, std::string_view key, uint64_t bytes);
  // The key ends the command holding exactly `bytes` (0: removed).
  void assign(int db, std::string_view key, uint64_t bytes);
  void add_to_keys(const CommandSpec& spec, ArgList argv, int db);

  const SizeOf* size_of_;
  // Logical database -> where its contents were when the unit began; empty
  // until a SWAPDB (the identity).
  std::vector<int> origin_;
  int db_count_;
  boost::container::small_vector<Tracked, 4> keys_;
  uint64_t structural_bytes_ = 0;
};

}  // namespace amber::nvm
