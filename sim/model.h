// Model: the checker's reference keyspace — deliberately simple and
// independent of the engine (no dict, no Entry, no command table): per
// database a std::map of key -> (value, absolute expire ms). It applies the
// write commands the workload issues (SET with EX/PX/NX/XX/KEEPTTL, INCR,
// APPEND, SETRANGE, DEL, EXPIRE/PEXPIRE/PERSIST, RENAME, COPY, MOVE,
// FLUSHDB, FLUSHALL, SWAPDB, SELECT) with Redis's semantics, at the
// simulated time each ran. A key is expired when now > expire (Redis's
// keyIsExpired); expired keys are dropped when touched.
//
// For the checker it keeps, incrementally, a 64-bit digest of the keys
// alive at an observation time (set_observe_time): the sum of a hash of
// (db, key, value, expire) over those keys. Two keyspaces observed at the
// same time with the same digest are (almost surely) equal; the checker
// confirms a match with a full comparison.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace amber::sim {

struct ModelValue {
  std::string value;
  int64_t expire_ms = -1;  // -1: none
  bool operator==(const ModelValue&) const = default;
};

// (db, key) -> value of every key alive at some time.
using KeyspaceImage = std::map<std::pair<int, std::string>, ModelValue>;

uint64_t entry_digest(int db, const std::string& key, const ModelValue& v);

class Model {
 public:
  explicit Model(int databases = 16);

  // Applies one command as session `*db` ran it at `now_ms` (SELECT moves
  // *db). Commands outside the set above are ignored (reads).
  void apply(int* db, const std::vector<std::string>& argv, int64_t now_ms);

  // Digest of the keys alive at `observe_ms` (see the header comment).
  void set_observe_time(int64_t observe_ms);
  uint64_t digest() const { return digest_; }
  // The keys alive at `now_ms`.
  KeyspaceImage image(int64_t now_ms) const;

 private:
  using Db = std::map<std::string, ModelValue>;
  bool alive_at(const ModelValue& v, int64_t t) const {
    return v.expire_ms < 0 || t <= v.expire_ms;
  }
  // Lookup with lazy expiry at `now`.
  ModelValue* find(int db, const std::string& key, int64_t now);
  void put(int db, const std::string& key, ModelValue v);
  void erase(int db, const std::string& key);
  void account(int db, const std::string& key, const ModelValue& v, bool add);
  void account_db(int db, bool add);

  void set(int db, const std::vector<std::string>& argv, int64_t now);
  void incr(int db, const std::string& key, int64_t now);
  void setrange(int db, const std::vector<std::string>& argv, int64_t now);
  void expire(int db, const std::vector<std::string>& argv, int64_t now, int64_t unit_ms);
  void rename(int db, const std::string& from, const std::string& to, int64_t now);
  void copy(int db, const std::vector<std::string>& argv, int64_t now);
  void move(int db, const std::string& key, int target, int64_t now);

  std::vector<Db> dbs_;
  int64_t observe_ms_ = 0;
  uint64_t digest_ = 0;
};

// Redis's string2ll as INCR uses it: canonical decimal int64 only.
bool parse_strict_int64(const std::string& s, int64_t* out);

}  // namespace amber::sim
