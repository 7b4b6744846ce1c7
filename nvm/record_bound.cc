// RecordBound: per-command rules for how large a key can become (see
// record_bound.h for why the host needs this before a unit runs).
#include "nvm/record_bound.h"

#include <algorithm>
#include <numeric>

#include "core/args.h"
#include "core/assert.h"
#include "nvm/log_record.h"

namespace amber::nvm {
namespace {

// The longest value an INCR-family command can leave (Redis's
// MAX_LONG_DOUBLE_CHARS for INCRBYFLOAT).
constexpr uint64_t kCounterBytes = 5 * 1024;

bool is(const CommandSpec& spec, std::string_view name) { return spec.name == name; }

bool parse_db(std::string_view arg, int db_count, int* db) {
  int64_t v;
  if (!parse_int64(arg, &v) || v < 0 || v >= db_count) return false;
  *db = static_cast<int>(v);
  return true;
}

uint64_t arg_bytes(ArgList args) {
  return std::accumulate(args.begin(), args.end(), uint64_t{0},
                         [](uint64_t sum, std::string_view a) { return sum + a.size(); });
}

}  // namespace

RecordBound::RecordBound(int db_count, const SizeOf* size_of)
    : size_of_(size_of), db_count_(db_count) {}

RecordBound::Tracked& RecordBound::track(int db, std::string_view key) {
  int origin = origin_.empty() ? db : origin_[static_cast<size_t>(db)];
  for (Tracked& t : keys_) {
    if (t.origin_db == origin && t.key == key) return t;
  }
  keys_.push_back({origin, key, 0, false});
  return keys_.back();
}

uint64_t& RecordBound::current(int db, std::string_view key) {
  Tracked& t = track(db, key);
  if (!t.known) {
    t.size = (*size_of_)(t.origin_db, key);
    t.known = true;
  }
  return t.size;
}

void RecordBound::at_least(int db, std::string_view key, uint64_t bytes) {
  uint64_t& size = current(db, key);
  size = std::max(size, bytes);
}

void RecordBound::assign(int db, std::string_view key, uint64_t bytes) {
  Tracked& t = track(db, key);
  t.size = bytes;
  t.known = true;
}

void RecordBound::add(const CommandSpec& spec, ArgList argv, int* db) {
  if (is(spec, "select")) {
    if (argv.size() == 2) parse_db(argv[1], db_count_, db);
    return;
  }
  if (!(spec.flags & kCmdWrite)) return;
  if (is(spec, "flushdb") || is(spec, "flushall")) {
    structural_bytes_ += kStructuralOpBytes;
    return;
  }
  if (is(spec, "swapdb")) {
    int a, b;
    if (argv.size() != 3 || !parse_db(argv[1], db_count_, &a) ||
        !parse_db(argv[2], db_count_, &b)) {
      return;
    }
    structural_bytes_ += kStructuralOpBytes;
    if (origin_.empty()) {
      origin_.resize(static_cast<size_t>(db_count_));
      std::iota(origin_.begin(), origin_.end(), 0);
    }
    std::swap(origin_[static_cast<size_t>(a)], origin_[static_cast<size_t>(b)]);
    return;
  }
  add_to_keys(spec, argv, *db);
}

void RecordBound::add_to_keys(const CommandSpec& spec, ArgList argv, int db) {
  const size_t argc = argv.size();
  if (is(spec, "set") || is(spec, "getset")) {
    if (argc < 3) return;
    // Without NX/XX a SET replaces the value whatever it was.
    bool conditional = false;
    for (size_t i = 3; i < argc; ++i) {
      conditional |= equals_ignore_case(argv[i], "nx") || equals_ignore_case(argv[i], "xx");
    }
    if (conditional) return at_least(db, argv[1], argv[2].size());
    return assign(db, argv[1], argv[2].size());
  }
  if (is(spec, "setex") || is(spec, "psetex")) {
    if (argc == 4) assign(db, argv[1], argv[3].size());
    return;
  }
  if (is(spec, "setnx")) {
    if (argc == 3) at_least(db, argv[1], argv[2].size());
    return;
  }
  if (is(spec, "mset") || is(spec, "msetnx")) {
    for (size_t i = 1; i + 1 < argc; i += 2) at_least(db, argv[i], argv[i + 1].size());
    return;
  }
  if (is(spec, "append")) {
    if (argc == 3) current(db, argv[1]) += argv[2].size();
    return;
  }
  if (is(spec, "setrange")) {
    int64_t offset;
    if (argc != 4 || !parse_int64(argv[2], &offset) || offset < 0) return;
    at_least(db, argv[1], static_cast<uint64_t>(offset) + argv[3].size());
    return;
  }
  if (is(spec, "incr") || is(spec, "decr") || is(spec, "incrby") || is(spec, "decrby") ||
      is(spec, "incrbyfloat")) {
    if (argc >= 2) at_least(db, argv[1], kCounterBytes);
    return;
  }
  if (is(spec, "copy") || is(spec, "rename") || is(spec, "renamenx") || is(spec, "move")) {
    if (argc < 3) return;
    int to_db = db;
    std::string_view to_key = argv[2];
    if (is(spec, "move")) {
      if (!parse_db(argv[2], db_count_, &to_db)) return;
      to_key = argv[1];
    }
    for (size_t i = 3; is(spec, "copy") && i + 1 < argc; ++i) {
      if (equals_ignore_case(argv[i], "db") && !parse_db(argv[i + 1], db_count_, &to_db)) return;
    }
    uint64_t source = current(db, argv[1]);
    at_least(to_db, to_key, source);
    return;
  }
  if (is(spec, "del") || is(spec, "unlink") || is(spec, "getdel")) {
    // Removed: the record says so in a few bytes, whatever the value was.
    for (size_t i = 1; i < argc; ++i) assign(db, argv[i], 0);
    return;
  }
  // Any other write keeps its keys' values (EXPIRE, PERSIST, GETEX, ...)
  // or, for a command these rules do not know yet, grows each key by at
  // most all of its arguments.
  const uint64_t growth = arg_bytes(argv.subspan(1));
  for_each_key_position(spec, argc, [&](size_t i) { current(db, argv[i]) += growth; });
}

uint64_t RecordBound::bytes() const {
  uint64_t total = kRecordPrefixBytes + structural_bytes_;
  for (const Tracked& t : keys_) total += kUpsertOverheadBytes + t.key.size() + t.size;
  return total;
}

// A key whose bound is past `link_above` may still end shorter and be
// logged whole: it counts as an upsert of at most `link_above` (a link op
// is smaller than any upsert).
uint64_t RecordBound::bytes_with_links(uint64_t link_above, uint64_t* largest_linked) const {
  *largest_linked = 0;
  if (structural_bytes_ > 0) return bytes();
  static_assert(kLinkOverheadBytes <= kUpsertOverheadBytes);
  uint64_t total = kRecordPrefixBytes;
  for (const Tracked& t : keys_) {
    total += kUpsertOverheadBytes + t.key.size() + std::min(t.size, link_above);
    if (t.size > link_above) *largest_linked = std::max(*largest_linked, t.key.size() + t.size);
  }
  return total;
}

}  // namespace amber::nvm
