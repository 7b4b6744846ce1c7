// The parameters whose syntax is their own (config.c's createSpecialConfig
// ones): dir, save, client-output-buffer-limit, oom-score-adj-values,
// notify-keyspace-events, bind, replicaof and
// latency-tracking-info-percentiles; plus enum name/value conversion, which
// multi-word enums (shutdown-on-sigint "save now") share with them. Each
// setter validates everything before it changes anything, except where
// Redis itself changes state first (replicaof forgets the old master).
//
// dir is not chdir'ed into here: the value is checked to be a searchable
// directory and stored as an absolute path; the server decides when to chdir.
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "core/args.h"
#include "server/config_impl.h"
#include "server/config_syntax.h"

namespace amber::config {
namespace {

constexpr const char* kWrongArgs = "wrong number of arguments";

// Emulates chdir(path) followed by getcwd() from `cwd`, without changing the
// process's directory: the same errors (strerror texts), the same
// symlink-free absolute result.
bool resolve_dir(const std::string& cwd, const std::string& path, std::string* out,
                 std::string* error) {
  std::string full = (!path.empty() && path[0] == '/') ? path : cwd + "/" + path;
  struct stat st;
  if (path.empty() || ::stat(full.c_str(), &st) != 0) {
    *error = std::strerror(path.empty() ? ENOENT : errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *error = std::strerror(ENOTDIR);
    return false;
  }
  if (::access(full.c_str(), X_OK) != 0) {
    *error = std::strerror(errno);
    return false;
  }
  char resolved[PATH_MAX];
  if (::realpath(full.c_str(), resolved) == nullptr) {
    *error = std::strerror(errno);
    return false;
  }
  *out = resolved;
  return true;
}

SetResult set_save(SpecialState& state, std::vector<std::string>& args, bool reading_file,
                   bool* save_loaded, std::string* error) {
  // A single "" means "no snapshots", even after earlier lines of a file.
  if (args.size() == 1 && args[0].empty()) {
    state.save.clear();
    args.clear();
  }
  bool valid = args.size() % 2 == 0;
  for (size_t j = 0; valid && j < args.size(); ++j) {
    std::optional<int64_t> v = parse_c_integer(args[j]);
    valid = v.has_value() && *v >= (j % 2 == 0 ? 1 : 0);
  }
  if (!valid) {
    *error = "Invalid save parameters";
    return SetResult::kError;
  }
  // In a config file the first `save` replaces the defaults and the next
  // ones add to it; CONFIG SET always replaces.
  if (!reading_file || !*save_loaded) state.save.clear();
  if (reading_file) *save_loaded = true;
  for (size_t j = 0; j < args.size(); j += 2) {
    state.save.emplace_back(*parse_c_integer(args[j]),
                            static_cast<int>(*parse_c_integer(args[j + 1])));
  }
  return SetResult::kChanged;
}

int client_class(std::string_view name) {
  if (equals_ignore_case(name, "normal")) return 0;
  if (equals_ignore_case(name, "slave") || equals_ignore_case(name, "replica")) return 1;
  if (equals_ignore_case(name, "pubsub")) return 2;
  return -1;  // "master" and anything else
}

SetResult set_client_output_buffer_limit(SpecialState& state, const std::vector<std::string>& args,
                                         std::string* error) {
  if (args.size() % 4 != 0) {
    *error = "Wrong number of arguments in buffer limit configuration.";
    return SetResult::kError;
  }
  auto limits = state.client_output_buffer_limit;
  for (size_t j = 0; j < args.size(); j += 4) {
    int cls = client_class(args[j]);
    if (cls < 0) {
      *error = "Invalid client class specified in buffer limit configuration.";
      return SetResult::kError;
    }
    auto hard = parse_memory(args[j + 1]);
    auto soft = parse_memory(args[j + 2]);
    auto seconds = parse_c_integer(args[j + 3]);
    if (!hard || !soft || !seconds || static_cast<int>(*seconds) < 0) {
      *error = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
      return SetResult::kError;
    }
    limits[static_cast<size_t>(cls)] = {*hard, *soft, static_cast<int>(*seconds)};
  }
  state.client_output_buffer_limit = limits;
  return SetResult::kChanged;
}

SetResult set_oom_score_adj_values(SpecialState& state, const std::vector<std::string>& args,
                                   std::string* error) {
  if (args.size() != kOomScoreAdjCount) {
    *error = kWrongArgs;
    return SetResult::kError;
  }
  std::array<int, kOomScoreAdjCount> values{};
  for (size_t i = 0; i < values.size(); ++i) {
    auto v = parse_c_integer(args[i]);
    if (!v || *v < -2000 || *v > 2000) {
      *error = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
      return SetResult::kError;
    }
    values[i] = static_cast<int>(*v);
  }
  if (values == state.oom_score_adj_values) return SetResult::kUnchanged;
  state.oom_score_adj_values = values;
  return SetResult::kChanged;
}

SetResult set_bind(SpecialState& state, const std::vector<std::string>& args, std::string* error) {
  if (args.size() > static_cast<size_t>(kBindAddrMax)) {
    *error = "Too many bind addresses specified.";
    return SetResult::kError;
  }
  if (args.size() == 1 && args[0].empty()) {
    state.bind.clear();
  } else {
    state.bind = args;
  }
  return SetResult::kChanged;
}

SetResult set_replicaof(SpecialState& state, const std::vector<std::string>& args,
                        std::string* error) {
  if (args.size() != 2) {
    *error = kWrongArgs;
    return SetResult::kError;
  }
  state.master.reset();
  if (equals_ignore_case(args[0], "no") && equals_ignore_case(args[1], "one")) {
    return SetResult::kChanged;
  }
  // strtol semantics: leading blanks and a sign are accepted.
  auto port = parse_c_integer(args[1]);
  if (!port || *port < 0 || *port > 65535) {
    *error = "Invalid master port";
    return SetResult::kError;
  }
  state.master.emplace(args[0], static_cast<int>(*port));
  return SetResult::kChanged;
}

SetResult set_latency_percentiles(SpecialState& state, const std::vector<std::string>& args,
                                  std::string* error) {
  std::vector<double> values;
  bool empty = args.empty() || (args.size() == 1 && args[0].empty());
  for (size_t j = 0; !empty && j < args.size(); ++j) {
    auto v = parse_c_double(args[j]);
    if (!v || *v > 100.0 || *v < 0.0) {
      *error = v ? "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                 : "Invalid latency-tracking-info-percentiles parameters";
      state.latency_percentiles.clear();  // Redis leaves the list empty on error
      return SetResult::kError;
    }
    values.push_back(*v);
  }
  state.latency_percentiles = std::move(values);
  return SetResult::kChanged;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += ' ';
    out += words[i];
  }
  return out;
}

}  // namespace

void init_special_defaults(SpecialState& state, std::string cwd) {
  state.dir = std::move(cwd);
  state.save = {{3600, 1}, {300, 100}, {60, 10000}};
  for (int i = 0; i < kClientClassCount; ++i) {
    state.client_output_buffer_limit[static_cast<size_t>(i)] = kDefaultClientBufferLimits[i];
  }
  for (int i = 0; i < kOomScoreAdjCount; ++i) {
    state.oom_score_adj_values[static_cast<size_t>(i)] = kDefaultOomScoreAdjValues[i];
  }
  state.notify_keyspace_events = 0;
  state.bind.assign(std::begin(kDefaultBind), std::end(kDefaultBind));
  state.master.reset();
  state.latency_percentiles = {50.0, 99.0, 99.9};
}

SetResult set_special(const ParamSpec& spec, SpecialState& state, std::vector<std::string>& args,
                      bool reading_file, bool* save_loaded, std::string* error) {
  switch (spec.special) {
    case Special::kDir:
      if (args.size() != 1) {
        *error = kWrongArgs;
        return SetResult::kError;
      }
      return resolve_dir(state.dir, args[0], &state.dir, error) ? SetResult::kChanged
                                                                : SetResult::kError;
    case Special::kSave:
      return set_save(state, args, reading_file, save_loaded, error);
    case Special::kClientOutputBufferLimit:
      return set_client_output_buffer_limit(state, args, error);
    case Special::kOomScoreAdjValues:
      return set_oom_score_adj_values(state, args, error);
    case Special::kNotifyKeyspaceEvents: {
      int flags = args.size() == 1 ? keyspace_events_from_string(args[0]) : -1;
      if (flags < 0) {
        *error =
            args.size() != 1 ? kWrongArgs : "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        return SetResult::kError;
      }
      state.notify_keyspace_events = flags;
      return SetResult::kChanged;
    }
    case Special::kBind:
      return set_bind(state, args, error);
    case Special::kReplicaOf:
      return set_replicaof(state, args, error);
    case Special::kLatencyTrackingInfoPercentiles:
      return set_latency_percentiles(state, args, error);
    case Special::kNone:
      break;
  }
  return SetResult::kError;
}

std::string get_special(const ParamSpec& spec, const SpecialState& state) {
  std::string out;
  switch (spec.special) {
    case Special::kDir:
      return state.dir;
    case Special::kSave:
      for (const auto& [seconds, changes] : state.save) {
        if (!out.empty()) out += ' ';
        out += std::to_string(seconds) + " " + std::to_string(changes);
      }
      return out;
    case Special::kClientOutputBufferLimit:
      for (int i = 0; i < kClientClassCount; ++i) {
        const ClientBufferLimit& l = state.client_output_buffer_limit[static_cast<size_t>(i)];
        if (i > 0) out += ' ';
        out += std::string(kClientClassNames[i]) + " " + std::to_string(l.hard_bytes) + " " +
               std::to_string(l.soft_bytes) + " " + std::to_string(l.soft_seconds);
      }
      return out;
    case Special::kOomScoreAdjValues:
      for (size_t i = 0; i < state.oom_score_adj_values.size(); ++i) {
        if (i > 0) out += ' ';
        out += std::to_string(state.oom_score_adj_values[i]);
      }
      return out;
    case Special::kNotifyKeyspaceEvents:
      return keyspace_events_to_string(state.notify_keyspace_events);
    case Special::kBind:
      return join(state.bind);
    case Special::kReplicaOf:
      if (!state.master) return "";
      return state.master->first + " " + std::to_string(state.master->second);
    case Special::kLatencyTrackingInfoPercentiles:
      for (double p : state.latency_percentiles) {
        if (!out.empty()) out += ' ';
        out += format_trimmed_double(p);
      }
      return out;
    case Special::kNone:
      break;
  }
  return out;
}

// --- keyspace event classes (notify.c) ---

namespace {
constexpr int kNotifyKeyspace = 1 << 0;  // K
constexpr int kNotifyKeyevent = 1 << 1;  // E
constexpr int kNotifyKeyMiss = 1 << 11;  // m, not part of A
struct EventClass {
  char letter;
  int flag;
};
// In the order Redis prints them.
constexpr EventClass kEventClasses[] = {
    {'g', 1 << 2}, {'$', 1 << 3}, {'l', 1 << 4},  {'s', 1 << 5},  {'h', 1 << 6},  {'z', 1 << 7},
    {'x', 1 << 8}, {'e', 1 << 9}, {'t', 1 << 10}, {'d', 1 << 13}, {'n', 1 << 14},
};
constexpr int kNotifyAll = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) |
                           (1 << 8) | (1 << 9) | (1 << 10) | (1 << 13);
}  // namespace

int keyspace_events_from_string(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    if (c == '\0') break;  // Redis reads a C string
    int flag = -1;
    if (c == 'A') flag = kNotifyAll;
    if (c == 'K') flag = kNotifyKeyspace;
    if (c == 'E') flag = kNotifyKeyevent;
    if (c == 'm') flag = kNotifyKeyMiss;
    for (const EventClass& ec : kEventClasses) {
      if (ec.letter == c) flag = ec.flag;
    }
    if (flag < 0) return -1;
    flags |= flag;
  }
  return flags;
}

std::string keyspace_events_to_string(int flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out += 'A';
  } else {
    for (const EventClass& ec : kEventClasses) {
      if (flags & ec.flag) out += ec.letter;
    }
  }
  if (flags & kNotifyKeyspace) out += 'K';
  if (flags & kNotifyKeyevent) out += 'E';
  if (flags & kNotifyKeyMiss) out += 'm';
  return out;
}

// --- enums ---

std::optional<int> enum_value(const ParamSpec& spec, const std::vector<std::string>& words) {
  bool bitflags = spec.flags & kMultiArg;
  if (words.empty() || (!bitflags && words.size() != 1)) return std::nullopt;
  int value = 0;
  for (const std::string& word : words) {
    bool matched = false;
    for (const EnumItem& item : spec.enum_items) {
      if (equals_ignore_case(word, item.name)) {
        value |= item.value;
        matched = true;
      }
    }
    if (!matched) return std::nullopt;
  }
  return value;
}

// A value's name: the first exact match, else (for flag sets) the names of
// the flags it is made of, else "unknown" (config.c: configEnumGetName).
std::string enum_name(const ParamSpec& spec, int value) {
  bool bitflags = spec.flags & kMultiArg;
  std::string names;
  int unmatched = value;
  for (const EnumItem& item : spec.enum_items) {
    if (item.value == value) return item.name;
    if (bitflags && item.value != 0 && item.value == (unmatched & item.value)) {
      if (!names.empty()) names += ' ';
      names += item.name;
      unmatched &= ~item.value;
    }
  }
  if (names.empty() || unmatched != 0) return "unknown";
  return names;
}

}  // namespace amber::config
