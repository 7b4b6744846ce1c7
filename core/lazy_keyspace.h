// LazyKeyspace: keys that belong to the databases but are not in DRAM yet.
// NVM mode restarts by mapping its persistent store instead of loading it:
// the keyspace is logically complete at once, and its keys move into the
// Dbs on demand (a lookup that misses DRAM faults the key in) and in
// bounded background steps. Db consults it, so everything above Db (engine,
// commands, snapshots) sees one complete keyspace:
//
//   Db::find(key) miss ──> fault_in(db, key)   one key, if it exists
//   Db::size/for_each/scan/clear/swap/snapshot ──> fill_all()
//                                               (a whole-keyspace view
//                                                needs every key resident)
//
// fill_all() ends the lazy phase: it detaches itself from every Db, so
// afterwards a miss costs nothing. Neither call is a modification: nothing
// is signalled, logged or counted as dirty. Single-threaded: the engine's.
#pragma once

#include <string_view>

namespace amber {

class Db;
struct Entry;

class LazyKeyspace {
 public:
  LazyKeyspace() = default;
  LazyKeyspace(const LazyKeyspace&) = delete;
  LazyKeyspace& operator=(const LazyKeyspace&) = delete;
  virtual ~LazyKeyspace() = default;

  // Makes `key` of `db` resident if it logically exists and returns its
  // entry (possibly already expired), else nullptr. REQUIRES: key not
  // resident in db.
  virtual Entry* fault_in(Db& db, std::string_view key) = 0;
  // Makes every remaining key resident and detaches from all Dbs.
  virtual void fill_all() = 0;
};

}  // namespace amber
