// Key extraction from a command's arguments, as Redis 7.0's
// getKeysFromCommandWithSpecs (db.c) does it for COMMAND GETKEYS: walk the
// key specifications when they are complete and their flags reliable, and
// fall back to the command's special function (SET's GET, SORT's STORE,
// MIGRATE's KEYS, ...) otherwise. The results, including their quirks (a
// numkeys of 0 makes a keynum spec invalid; SORT's last STORE wins), are
// Redis's, because clients and cluster proxies rely on them.
#include <cctype>
#include <cstdlib>

#include "core/args.h"
#include "server/command_docs.h"

namespace amber::command_docs {
namespace {

uint16_t all_spec_flags(const CommandDoc& doc, bool inverted) {
  uint16_t flags = 0;
  for (uint16_t i = 0; i < doc.specs_count; ++i) {
    uint16_t f = tables().key_specs[doc.specs_first + i].flags;
    flags |= inverted ? static_cast<uint16_t>(~f) : f;
  }
  return flags;
}

// C's atoi on an argument (Redis uses it for counts in its getkeys helpers).
int lenient_atoi(std::string_view s) {
  std::string copy(s);
  return std::atoi(copy.c_str());
}

// Where a spec's keys start, or 0 if its keyword is absent; -1 for an
// unknown begin_search.
int spec_first_index(const KeySpecDoc& ks, ArgList argv) {
  int argc = static_cast<int>(argv.size());
  auto begin = static_cast<BeginSearch>(ks.begin_type);
  if (begin == BeginSearch::kIndex) return ks.begin_arg;
  if (begin != BeginSearch::kKeyword) return -1;
  bool forward = ks.begin_arg > 0;
  int start = forward ? ks.begin_arg : argc + ks.begin_arg;
  int end = forward ? argc - 1 : 1;  // exclusive
  for (int i = start; i != end; i += (start <= end ? 1 : -1)) {
    if (i >= argc || i < 1) break;
    if (equals_ignore_case(argv[static_cast<size_t>(i)], ks.keyword)) return i + 1;
  }
  return 0;
}

// Appends the keys of one spec. Returns false if the spec does not fit the
// arguments (or is incomplete), which invalidates the whole search.
bool keys_of_spec(const KeySpecDoc& ks, ArgList argv, std::vector<KeyRef>* keys) {
  int argc = static_cast<int>(argv.size());
  int first = spec_first_index(ks, argv);
  if (first < 0) return false;
  if (first == 0) return true;  // keyword not present: no keys from this spec
  int last, step;
  auto find = static_cast<FindKeys>(ks.find_type);
  if (find == FindKeys::kRange) {
    step = ks.find_b;
    if (ks.find_a >= 0) {
      last = first + ks.find_a;
    } else if (ks.find_c == 0) {
      last = argc + ks.find_a;
    } else {
      last = first + ((argc - first) / ks.find_c + ks.find_a);
    }
  } else if (find == FindKeys::kKeynum) {
    step = ks.find_c;
    int numkeys_pos = first + ks.find_a;
    int64_t numkeys;
    if (ks.find_a >= argc || numkeys_pos >= argc) return false;
    if (!parse_int64(argv[static_cast<size_t>(numkeys_pos)], &numkeys) || numkeys < 0) return false;
    first += ks.find_b;
    last = first + static_cast<int>(numkeys) - 1;
  } else {
    return false;
  }
  if (last >= argc || last < first || first >= argc) return false;
  for (int i = first; i <= last; i += step) keys->push_back({i, ks.flags});
  return !(ks.flags & kKeyIncomplete);
}

int keys_from_specs(const CommandDoc& doc, ArgList argv, std::vector<KeyRef>* keys) {
  for (uint16_t i = 0; i < doc.specs_count; ++i) {
    const KeySpecDoc& ks = tables().key_specs[doc.specs_first + i];
    if (ks.flags & kKeyNotKey) continue;
    if (!keys_of_spec(ks, argv, keys)) {
      keys->clear();
      return -1;
    }
  }
  return static_cast<int>(keys->size());
}

// genericGetKeys: [store] numkeys key [key ...].
int numkeys_style(int store_pos, int count_pos, int first_pos, ArgList argv,
                  std::vector<KeyRef>* keys) {
  int argc = static_cast<int>(argv.size());
  int num = lenient_atoi(argv[static_cast<size_t>(count_pos)]);
  if (num < 1 || num > argc - first_pos) return 0;
  for (int i = 0; i < num; ++i) keys->push_back({first_pos + i, 0});
  if (store_pos != 0) keys->push_back({store_pos, 0});
  return static_cast<int>(keys->size());
}

int sort_keys(ArgList argv, std::vector<KeyRef>* keys) {
  keys->push_back({1, kKeyRo | kKeyAccess});
  int argc = static_cast<int>(argv.size());
  int store = 0;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[static_cast<size_t>(i)];
    // LIMIT takes two values, GET and BY one; the last STORE wins.
    if (equals_ignore_case(arg, "limit")) {
      i += 2;
    } else if (equals_ignore_case(arg, "get") || equals_ignore_case(arg, "by")) {
      i += 1;
    } else if (equals_ignore_case(arg, "store") && i + 1 < argc) {
      store = i + 1;
    }
  }
  if (store != 0) keys->push_back({store, kKeyOw | kKeyUpdate});
  return static_cast<int>(keys->size());
}

int migrate_keys(ArgList argv, std::vector<KeyRef>* keys) {
  int argc = static_cast<int>(argv.size());
  int first = 3, num = 1;
  for (int i = 6; i < argc; ++i) {
    std::string_view arg = argv[static_cast<size_t>(i)];
    if (equals_ignore_case(arg, "keys")) {
      if (!argv[3].empty()) {
        num = 0;  // a key and KEYS together: MIGRATE itself reports the error
      } else {
        first = i + 1;
        num = argc - first;
      }
      break;
    }
    if (equals_ignore_case(arg, "auth")) i += 1;
    if (equals_ignore_case(arg, "auth2")) i += 2;
  }
  for (int i = 0; i < num; ++i) keys->push_back({first + i, kKeyRw | kKeyAccess | kKeyDelete});
  return num;
}

int georadius_keys(ArgList argv, std::vector<KeyRef>* keys) {
  int argc = static_cast<int>(argv.size());
  int stored = -1;
  for (int i = 5; i < argc; ++i) {
    std::string_view arg = argv[static_cast<size_t>(i)];
    if ((equals_ignore_case(arg, "store") || equals_ignore_case(arg, "storedist")) &&
        i + 1 < argc) {
      stored = i + 1;
      ++i;
    }
  }
  keys->push_back({1, 0});
  if (stored != -1) keys->push_back({stored, 0});
  return static_cast<int>(keys->size());
}

int xread_keys(ArgList argv, std::vector<KeyRef>* keys) {
  int argc = static_cast<int>(argv.size());
  int streams = -1;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[static_cast<size_t>(i)];
    if (equals_ignore_case(arg, "block") || equals_ignore_case(arg, "count")) {
      ++i;
    } else if (equals_ignore_case(arg, "group")) {
      i += 2;
    } else if (equals_ignore_case(arg, "noack")) {
      continue;
    } else {
      if (equals_ignore_case(arg, "streams")) streams = i;
      break;
    }
  }
  int num = streams == -1 ? 0 : argc - streams - 1;
  if (streams == -1 || num == 0 || num % 2 != 0) return 0;
  for (int i = 0; i < num / 2; ++i) keys->push_back({streams + 1 + i, 0});
  return num / 2;
}

int set_keys(ArgList argv, std::vector<KeyRef>* keys) {
  uint16_t flags = kKeyOw | kKeyUpdate;
  for (size_t i = 3; i < argv.size(); ++i) {
    // Exactly "GET" (case-insensitive): the old value is read.
    if (equals_ignore_case(argv[i], "get")) {
      flags = kKeyRw | kKeyAccess | kKeyUpdate;
      break;
    }
  }
  keys->push_back({1, flags});
  return 1;
}

int bitfield_keys(ArgList argv, std::vector<KeyRef>* keys) {
  int argc = static_cast<int>(argv.size());
  bool readonly = true;
  for (int i = 2; i < argc; ++i) {
    int remaining = argc - i - 1;
    std::string_view arg = argv[static_cast<size_t>(i)];
    if (equals_ignore_case(arg, "get") && remaining >= 2) {
      i += 2;
    } else if ((equals_ignore_case(arg, "set") || equals_ignore_case(arg, "incrby")) &&
               remaining >= 3) {
      readonly = false;
      break;
    } else if (equals_ignore_case(arg, "overflow") && remaining >= 1) {
      i += 1;
    } else {
      readonly = false;  // a syntax error: assume the worst
      break;
    }
  }
  keys->push_back({1, static_cast<uint16_t>(readonly ? kKeyRo | kKeyAccess
                                                     : kKeyRw | kKeyAccess | kKeyUpdate)});
  return 1;
}

int keys_from_proc(GetKeysProc proc, ArgList argv, std::vector<KeyRef>* keys) {
  switch (proc) {
    case GetKeysProc::kNone:
      return 0;
    case GetKeysProc::kSet:
      return set_keys(argv, keys);
    case GetKeysProc::kBitfield:
      return bitfield_keys(argv, keys);
    case GetKeysProc::kSort:
      return sort_keys(argv, keys);
    case GetKeysProc::kSortRo:
      keys->push_back({1, kKeyRo | kKeyAccess});
      return 1;
    case GetKeysProc::kMigrate:
      return migrate_keys(argv, keys);
    case GetKeysProc::kGeoradius:
      return georadius_keys(argv, keys);
    case GetKeysProc::kXread:
      return xread_keys(argv, keys);
    case GetKeysProc::kSintercard:
    case GetKeysProc::kZunionInterDiff:
    case GetKeysProc::kLmpop:
    case GetKeysProc::kZmpop:
      return numkeys_style(0, 1, 2, argv, keys);
    case GetKeysProc::kZunionInterDiffStore:
      return numkeys_style(1, 2, 3, argv, keys);
    case GetKeysProc::kEval:
    case GetKeysProc::kFunction:
    case GetKeysProc::kBlmpop:
    case GetKeysProc::kBzmpop:
      return numkeys_style(0, 2, 3, argv, keys);
  }
  return 0;
}

}  // namespace

bool has_keys(const CommandDoc& doc) {
  return doc.getkeys != static_cast<uint8_t>(GetKeysProc::kNone) ||
         (all_spec_flags(doc, true) & kKeyNotKey);
}

int extract_keys(const CommandDoc& doc, ArgList argv, std::vector<KeyRef>* keys) {
  keys->clear();
  bool has_real_spec = all_spec_flags(doc, true) & kKeyNotKey;
  bool variable_flags = all_spec_flags(doc, false) & kKeyVariableFlags;
  if (has_real_spec && !variable_flags) {
    int n = keys_from_specs(doc, argv, keys);
    if (n >= 0) return n;
  }
  return keys_from_proc(static_cast<GetKeysProc>(doc.getkeys), argv, keys);
}

}  // namespace amber::command_docs
