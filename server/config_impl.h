// Config's private state, shared by the files that implement it:
// config.cc (values, CONFIG SET semantics, getters), config_special.cc (the
// hand-written parameters), config_file.cc (redis.conf and the command
// line), config_rewrite.cc (CONFIG REWRITE) and config_command.cc (the
// CONFIG command).
//
// Internal to server/config*.cc.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/config.h"
#include "server/config_table.h"

namespace amber {
struct Session;
}

namespace amber {

namespace config {

// State of the hand-written parameters (config.c's createSpecialConfig).
struct SpecialState {
  std::string dir;                            // absolute; amber never chdirs here (the server may)
  std::vector<std::pair<int64_t, int>> save;  // (seconds, changes)
  std::array<ClientBufferLimit, kClientClassCount> client_output_buffer_limit{};
  std::array<int, kOomScoreAdjCount> oom_score_adj_values{};
  int notify_keyspace_events = 0;
  std::vector<std::string> bind;
  std::optional<std::pair<std::string, int>> master;  // replicaof host port
  std::vector<double> latency_percentiles;
};

struct ParamValue {
  int64_t num = 0;                 // bool, enum, numeric
  std::optional<std::string> str;  // strings; nullopt is Redis's NULL
};

// Everything CONFIG SET can change: copied whole to roll a failed SET back.
struct State {
  std::vector<ParamValue> values;  // indexed like param_table()
  SpecialState special;
};

// Result of setting one parameter (config.c's set(): 0, 1, 2).
enum class SetResult { kError, kChanged, kUnchanged };

// A parameter's name as looked up: the primary or its alias.
struct NameEntry {
  size_t index;
  bool is_alias;
};

// Special parameters (config_special.cc).
SetResult set_special(const ParamSpec& spec, SpecialState& state, std::vector<std::string>& args,
                      bool reading_file, bool* save_loaded, std::string* error);
std::string get_special(const ParamSpec& spec, const SpecialState& state);
void init_special_defaults(SpecialState& state, std::string cwd);
// Redis's keyspace-events flag string <-> bits (notify.c).
int keyspace_events_from_string(std::string_view classes);  // -1 if invalid
std::string keyspace_events_to_string(int flags);
// Enum value for words (bit flags for multi-arg enums); nullopt if a word
// is not a name of the enum.
std::optional<int> enum_value(const ParamSpec& spec, const std::vector<std::string>& words);
std::string enum_name(const ParamSpec& spec, int value);

// Appends a file's bytes to `out`; on failure sets the errno value.
bool read_text_file(const std::string& path, std::string* out, int* error_number);

}  // namespace config

struct Config::Impl {
  Impl();

  const config::NameEntry* find(std::string_view name) const;
  const config::ParamSpec& spec(size_t index) const { return table[index]; }
  // The name a lookup entry stands for (alias or primary), lower case.
  const char* entry_name(const config::NameEntry& entry) const;

  // Sets one parameter from its words (config.c's interface.set).
  config::SetResult set_param(size_t index, std::vector<std::string>& args, std::string* error);
  // Sets from a CONFIG SET value: multi-word parameters split on spaces.
  config::SetResult set_from_value(size_t index, std::string_view value, std::string* error);
  std::string get_param(size_t index) const;

  // CONFIG SET: `client_is_local` decides enable-protected-configs "local".
  bool set_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                 bool client_is_local, std::string* error);
  bool protected_allowed(bool client_is_local) const;
  void apply_hz_bounds();

  // redis.conf (config_file.cc).
  bool load_text(std::string_view text, std::string* error);
  bool load_file(const std::string& path, std::string* content, std::string* error);
  bool load_args(int argc, const char* const* argv, std::string* error);
  std::string apply_parameter(size_t index, std::vector<std::string>& argv);
  std::string apply_directive(std::vector<std::string>& argv, std::string* include_error,
                              bool* include_failed);
  // End-of-file checks (log file, cluster + replicaof) and hz capping.
  bool finish_load(std::string* error);
  // A path as Redis would open it after chdir(dir).
  std::string resolve_path(const std::string& path) const;

  // CONFIG REWRITE (config_rewrite.cc); errno-style text on failure.
  bool rewrite(std::string* error);

  std::span<const config::ParamSpec> table;
  std::unordered_map<std::string, config::NameEntry> by_name;  // lower-case names
  config::State state;
  std::map<size_t, std::vector<std::function<bool(std::string*)>>> hooks;
  std::string config_file;

  // Redis quirks of save while reading a file: the first `save` line
  // replaces the defaults, later ones append; an `include` ends "reading".
  bool reading_file = false;
  bool save_loaded = false;

  // Directives that other parts of amber act on, kept in file order.
  std::vector<std::pair<std::string, std::string>> renamed_commands;
  std::vector<std::vector<std::string>> user_directives;
  std::vector<std::vector<std::string>> loadmodule_directives;
  std::vector<std::pair<std::string, std::string>> module_configs;

  std::function<bool()> loading_probe;
  std::function<bool(const Session&)> local_client_probe;
  std::function<std::vector<std::string>()> user_lines_provider;
};

}  // namespace amber
