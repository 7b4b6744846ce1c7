// The reference model (see model.h). Each command is written from Redis's
// documented behaviour (t_string.c, db.c, expire.c), not from amber's
// handlers, so that a bug in the engine cannot hide itself in the checker.
// Only the effect on the keyspace matters here; replies are not modelled.
#include "sim/model.h"

#include <xxhash.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace amber::sim {

namespace {

std::string lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parse_any_int64(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  if (s[0] == '-') v = -v;
  if (v < std::numeric_limits<int64_t>::min() || v > std::numeric_limits<int64_t>::max()) {
    return false;
  }
  *out = static_cast<int64_t>(v);
  return true;
}

}  // namespace

bool parse_strict_int64(const std::string& s, int64_t* out) {
  if (s == "0") {
    *out = 0;
    return true;
  }
  size_t first = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (first >= s.size() || s[first] < '1' || s[first] > '9') return false;
  return parse_any_int64(s, out);
}

uint64_t entry_digest(int db, const std::string& key, const ModelValue& v) {
  uint64_t h = XXH64(key.data(), key.size(), static_cast<uint64_t>(db) + 1);
  h = XXH64(v.value.data(), v.value.size(), h);
  return XXH64(&v.expire_ms, sizeof(v.expire_ms), h);
}

Model::Model(int databases) : dbs_(static_cast<size_t>(databases)) {}

void Model::account(int db, const std::string& key, const ModelValue& v, bool add) {
  if (!alive_at(v, observe_ms_)) return;
  uint64_t h = entry_digest(db, key, v);
  digest_ = add ? digest_ + h : digest_ - h;
}

void Model::account_db(int db, bool add) {
  for (const auto& [key, v] : dbs_[static_cast<size_t>(db)]) account(db, key, v, add);
}

void Model::set_observe_time(int64_t observe_ms) {
  observe_ms_ = observe_ms;
  digest_ = 0;
  for (int db = 0; db < static_cast<int>(dbs_.size()); ++db) account_db(db, true);
}

KeyspaceImage Model::image(int64_t now_ms) const {
  KeyspaceImage out;
  for (int db = 0; db < static_cast<int>(dbs_.size()); ++db) {
    for (const auto& [key, v] : dbs_[static_cast<size_t>(db)]) {
      if (alive_at(v, now_ms)) out[{db, key}] = v;
    }
  }
  return out;
}

ModelValue* Model::find(int db, const std::string& key, int64_t now) {
  Db& d = dbs_[static_cast<size_t>(db)];
  auto it = d.find(key);
  if (it == d.end()) return nullptr;
  if (!alive_at(it->second, now)) {
    erase(db, key);
    return nullptr;
  }
  return &it->second;
}

void Model::put(int db, const std::string& key, ModelValue v) {
  Db& d = dbs_[static_cast<size_t>(db)];
  auto it = d.find(key);
  if (it != d.end()) {
    account(db, key, it->second, false);
    it->second = std::move(v);
    account(db, key, it->second, true);
  } else {
    account(db, key, v, true);
    d.emplace(key, std::move(v));
  }
}

void Model::erase(int db, const std::string& key) {
  Db& d = dbs_[static_cast<size_t>(db)];
  auto it = d.find(key);
  if (it == d.end()) return;
  account(db, key, it->second, false);
  d.erase(it);
}

void Model::apply(int* db, const std::vector<std::string>& argv, int64_t now) {
  const std::string cmd = lower(argv[0]);
  const int d = *db;
  if (cmd == "select") {
    *db = std::stoi(argv[1]);
  } else if (cmd == "set") {
    set(d, argv, now);
  } else if (cmd == "incr") {
    incr(d, argv[1], now);
  } else if (cmd == "append") {
    ModelValue* v = find(d, argv[1], now);
    ModelValue nv = v ? *v : ModelValue{};
    nv.value += argv[2];
    put(d, argv[1], std::move(nv));
  } else if (cmd == "setrange") {
    setrange(d, argv, now);
  } else if (cmd == "del" || cmd == "unlink") {
    for (size_t i = 1; i < argv.size(); ++i) {
      if (find(d, argv[i], now)) erase(d, argv[i]);
    }
  } else if (cmd == "expire" || cmd == "pexpire") {
    expire(d, argv, now, cmd == "expire" ? 1000 : 1);
  } else if (cmd == "persist") {
    ModelValue* v = find(d, argv[1], now);
    if (v && v->expire_ms >= 0) put(d, argv[1], ModelValue{v->value, -1});
  } else if (cmd == "rename") {
    rename(d, argv[1], argv[2], now);
  } else if (cmd == "copy") {
    copy(d, argv, now);
  } else if (cmd == "move") {
    move(d, argv[1], std::stoi(argv[2]), now);
  } else if (cmd == "flushdb") {
    account_db(d, false);
    dbs_[static_cast<size_t>(d)].clear();
  } else if (cmd == "flushall") {
    for (size_t i = 0; i < dbs_.size(); ++i) dbs_[i].clear();
    digest_ = 0;
  } else if (cmd == "swapdb") {
    int a = std::stoi(argv[1]), b = std::stoi(argv[2]);
    account_db(a, false);
    account_db(b, false);
    std::swap(dbs_[static_cast<size_t>(a)], dbs_[static_cast<size_t>(b)]);
    account_db(a, true);
    account_db(b, true);
  }
}

void Model::set(int db, const std::vector<std::string>& argv, int64_t now) {
  bool nx = false, xx = false, keepttl = false;
  int64_t expire = -1;
  for (size_t i = 3; i < argv.size(); ++i) {
    const std::string opt = lower(argv[i]);
    if (opt == "nx") nx = true;
    if (opt == "xx") xx = true;
    if (opt == "keepttl") keepttl = true;
    if ((opt == "ex" || opt == "px") && i + 1 < argv.size()) {
      int64_t n = 0;
      if (!parse_any_int64(argv[++i], &n) || n <= 0) return;  // invalid expire time
      expire = now + (opt == "ex" ? n * 1000 : n);
    }
  }
  ModelValue* old = find(db, argv[1], now);
  if ((nx && old) || (xx && !old)) return;
  ModelValue v{argv[2], expire};
  if (keepttl && old) v.expire_ms = old->expire_ms;
  put(db, argv[1], std::move(v));
}

void Model::incr(int db, const std::string& key, int64_t now) {
  ModelValue* old = find(db, key, now);
  int64_t n = 0;
  if (old && !parse_strict_int64(old->value, &n)) return;  // not an integer
  if (n == std::numeric_limits<int64_t>::max()) return;    // would overflow
  ModelValue v = old ? *old : ModelValue{};
  v.value = std::to_string(n + 1);
  put(db, key, std::move(v));
}

void Model::setrange(int db, const std::vector<std::string>& argv, int64_t now) {
  int64_t offset = 0;
  if (!parse_any_int64(argv[2], &offset) || offset < 0) return;
  const std::string& bytes = argv[3];
  ModelValue* old = find(db, argv[1], now);
  if (bytes.empty()) return;  // no change, not even a creation
  ModelValue v = old ? *old : ModelValue{};
  const size_t end = static_cast<size_t>(offset) + bytes.size();
  if (v.value.size() < end) v.value.resize(end, '\0');
  v.value.replace(static_cast<size_t>(offset), bytes.size(), bytes);
  put(db, argv[1], std::move(v));
}

void Model::expire(int db, const std::vector<std::string>& argv, int64_t now, int64_t unit_ms) {
  int64_t n = 0;
  if (!parse_any_int64(argv[2], &n)) return;
  ModelValue* v = find(db, argv[1], now);
  if (!v) return;
  const int64_t when = now + n * unit_ms;
  if (when <= now) {
    erase(db, argv[1]);
  } else {
    put(db, argv[1], ModelValue{v->value, when});
  }
}

void Model::rename(int db, const std::string& from, const std::string& to, int64_t now) {
  ModelValue* v = find(db, from, now);
  if (!v || from == to) return;
  ModelValue moved = *v;
  erase(db, from);
  find(db, to, now);
  put(db, to, std::move(moved));
}

void Model::copy(int db, const std::vector<std::string>& argv, int64_t now) {
  bool replace = false;
  for (size_t i = 3; i < argv.size(); ++i) replace |= lower(argv[i]) == "replace";
  if (argv[1] == argv[2]) return;  // same object
  ModelValue* v = find(db, argv[1], now);
  if (!v) return;
  ModelValue value = *v;
  if (find(db, argv[2], now) && !replace) return;
  put(db, argv[2], std::move(value));
}

void Model::move(int db, const std::string& key, int target, int64_t now) {
  if (target == db) return;
  ModelValue* v = find(db, key, now);
  if (!v) return;
  if (find(target, key, now)) return;
  ModelValue moved = *v;
  erase(db, key);
  put(target, key, std::move(moved));
}

}  // namespace amber::sim
