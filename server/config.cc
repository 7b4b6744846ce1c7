// Config: the values of every Redis 7.0 parameter and CONFIG SET's
// all-or-nothing semantics. Values live in one State (a vector indexed like
// the parameter table plus the special parameters' state) so that a failed
// CONFIG SET restores the whole State copied before it, which is simpler and
// more exact than Redis's re-setting of each old value from its text.
//
// Generic kinds (bool, string, enum, numeric) are set here with Redis's
// parsing order and error texts (config.c: boolConfigSet, numericParseString,
// numericBoundaryCheck ...); the special ones in config_special.cc.
#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/args.h"
#include "core/assert.h"
#include "server/config_impl.h"
#include "server/config_syntax.h"

namespace amber {

using config::NameEntry;
using config::ParamSpec;
using config::ParamType;
using config::SetResult;

namespace {

std::string current_directory() {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

SetResult set_bool(const ParamSpec& spec, config::ParamValue& value, const std::string& arg,
                   std::string* error) {
  int64_t yes_no = -1;
  if (equals_ignore_case(arg, "yes")) yes_no = 1;
  if (equals_ignore_case(arg, "no")) yes_no = 0;
  if (yes_no < 0) {
    *error = "argument must be 'yes' or 'no'";
    return SetResult::kError;
  }
  if (spec.validate_num != nullptr && !spec.validate_num(yes_no, error)) return SetResult::kError;
  if (value.num == yes_no) return SetResult::kUnchanged;
  value.num = yes_no;
  return SetResult::kChanged;
}

SetResult set_string(const ParamSpec& spec, config::ParamValue& value, const std::string& arg,
                     std::string* error) {
  if (spec.validate_str != nullptr && !spec.validate_str(arg, error)) return SetResult::kError;
  bool to_null = spec.empty_is_null && arg.empty();
  bool same = to_null ? !value.str.has_value() : (value.str.has_value() && *value.str == arg);
  if (same) return SetResult::kUnchanged;
  if (to_null) {
    value.str.reset();
  } else {
    value.str = arg;
  }
  return SetResult::kChanged;
}

SetResult set_enum(const ParamSpec& spec, config::ParamValue& value,
                   const std::vector<std::string>& args, std::string* error) {
  std::optional<int> parsed = config::enum_value(spec, args);
  if (!parsed) {
    // Redis builds this text in a 256-byte buffer: keep its truncation.
    std::string message = "argument(s) must be one of the following: ";
    for (size_t i = 0; i < spec.enum_items.size(); ++i) {
      if (i > 0) message += ", ";
      message += spec.enum_items[i].name;
    }
    *error = message.substr(0, 255);
    return SetResult::kError;
  }
  if (spec.validate_num != nullptr && !spec.validate_num(*parsed, error)) return SetResult::kError;
  if (value.num == *parsed) return SetResult::kUnchanged;
  value.num = *parsed;
  return SetResult::kChanged;
}

// config.c's numericParseString: memory, then percent, then octal, then a
// plain integer only for parameters without any of those flags.
std::optional<int64_t> parse_numeric(const ParamSpec& spec, const std::string& arg,
                                     std::string* error) {
  if (spec.numeric_flags & config::kMemory) {
    if (auto bytes = config::parse_memory(arg)) return static_cast<int64_t>(*bytes);
  }
  int64_t parsed = 0;
  if ((spec.numeric_flags & config::kPercent) && arg.size() > 1 && arg.back() == '%' &&
      parse_int64(std::string_view(arg).substr(0, arg.size() - 1), &parsed) && parsed >= 0) {
    return -parsed;  // percentages are stored negative, as Redis does
  }
  if (spec.numeric_flags & config::kOctal) {
    if (auto octal = config::parse_c_integer(arg, 8); octal && errno == 0) return *octal;
  }
  if (spec.numeric_flags == config::kInteger && parse_int64(arg, &parsed)) return parsed;
  bool memory = spec.numeric_flags & config::kMemory;
  if (memory && (spec.numeric_flags & config::kPercent)) {
    *error = "argument must be a memory or percent value";
  } else if (memory) {
    *error = "argument must be a memory value";
  } else if (spec.numeric_flags & config::kOctal) {
    *error = "argument couldn't be parsed as an octal number";
  } else {
    *error = "argument couldn't be parsed into an integer";
  }
  return std::nullopt;
}

bool numeric_in_bounds(const ParamSpec& spec, int64_t value, std::string* error) {
  char buf[256];
  if (spec.unsigned_bounds) {
    auto v = static_cast<uint64_t>(value);
    auto lower = static_cast<uint64_t>(spec.lower);
    auto upper = static_cast<uint64_t>(spec.upper);
    if (v >= lower && v <= upper) return true;
    const char* format = (spec.numeric_flags & config::kOctal)
                             ? "argument must be between %llo and %llo inclusive"
                             : "argument must be between %llu and %llu inclusive";
    std::snprintf(buf, sizeof(buf), format, static_cast<unsigned long long>(lower),
                  static_cast<unsigned long long>(upper));
  } else if ((spec.numeric_flags & config::kPercent) && value < 0) {
    if (value >= spec.lower) return true;
    std::snprintf(buf, sizeof(buf), "percentage argument must be less or equal to %lld",
                  static_cast<long long>(-spec.lower));
  } else {
    if (value >= spec.lower && value <= spec.upper) return true;
    std::snprintf(buf, sizeof(buf), "argument must be between %lld and %lld inclusive",
                  static_cast<long long>(spec.lower), static_cast<long long>(spec.upper));
  }
  *error = buf;
  return false;
}

SetResult set_numeric(const ParamSpec& spec, config::ParamValue& value, const std::string& arg,
                      std::string* error) {
  errno = 0;
  std::optional<int64_t> parsed = parse_numeric(spec, arg, error);
  if (!parsed || !numeric_in_bounds(spec, *parsed, error)) return SetResult::kError;
  if (spec.validate_num != nullptr && !spec.validate_num(*parsed, error)) return SetResult::kError;
  if (value.num == *parsed) return SetResult::kUnchanged;
  value.num = *parsed;
  return SetResult::kChanged;
}

std::string format_numeric(const ParamSpec& spec, int64_t value) {
  if ((spec.numeric_flags & config::kPercent) && value < 0) return std::to_string(-value) + "%";
  if (spec.numeric_flags & config::kMemory) return std::to_string(static_cast<uint64_t>(value));
  if (spec.numeric_flags & config::kOctal) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(value));
    return buf;
  }
  return std::to_string(value);
}

}  // namespace

Config::Impl::Impl() : table(config::param_table()) {
  state.values.resize(table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    const ParamSpec& p = table[i];
    state.values[i].num = p.default_num;
    if (p.type == ParamType::kString && p.default_str != nullptr) {
      state.values[i].str = p.default_str;
    }
    by_name.emplace(p.name, NameEntry{i, false});
    if (p.alias != nullptr) by_name.emplace(p.alias, NameEntry{i, true});
  }
  config::init_special_defaults(state.special, current_directory());
}

const NameEntry* Config::Impl::find(std::string_view name) const {
  auto it = by_name.find(config::to_lower(name));
  return it == by_name.end() ? nullptr : &it->second;
}

const char* Config::Impl::entry_name(const NameEntry& entry) const {
  const ParamSpec& p = table[entry.index];
  return entry.is_alias ? p.alias : p.name;
}

SetResult Config::Impl::set_param(size_t index, std::vector<std::string>& args,
                                  std::string* error) {
  const ParamSpec& p = table[index];
  config::ParamValue& value = state.values[index];
  if (p.type == ParamType::kSpecial) {
    return config::set_special(p, state.special, args, reading_file, &save_loaded, error);
  }
  if (p.type == ParamType::kEnum) return set_enum(p, value, args, error);
  AMBER_ASSERT(args.size() == 1);
  switch (p.type) {
    case ParamType::kBool:
      return set_bool(p, value, args[0], error);
    case ParamType::kString:
      return set_string(p, value, args[0], error);
    default:
      return set_numeric(p, value, args[0], error);
  }
}

SetResult Config::Impl::set_from_value(size_t index, std::string_view value, std::string* error) {
  std::vector<std::string> args;
  if (table[index].flags & config::kMultiArg) {
    args = config::split_spaces(value);
  } else {
    args.emplace_back(value);
  }
  return set_param(index, args, error);
}

std::string Config::Impl::get_param(size_t index) const {
  const ParamSpec& p = table[index];
  const config::ParamValue& value = state.values[index];
  switch (p.type) {
    case ParamType::kBool:
      return value.num ? "yes" : "no";
    case ParamType::kString:
      return value.str.value_or("");
    case ParamType::kEnum:
      return config::enum_name(p, static_cast<int>(value.num));
    case ParamType::kNumeric:
      return format_numeric(p, value.num);
    case ParamType::kSpecial:
      return config::get_special(p, state.special);
  }
  return "";
}

// hz is a hint: out-of-range values are accepted and capped (updateHZ).
void Config::Impl::apply_hz_bounds() {
  const NameEntry* hz = find("hz");
  int64_t& value = state.values[hz->index].num;
  if (value < config::kMinHz) value = config::kMinHz;
  if (value > config::kMaxHz) value = config::kMaxHz;
}

// --- public API ---

Config::Config() : impl_(std::make_unique<Impl>()) {}
Config::~Config() = default;

bool Config::load_from_args(int argc, const char* const* argv, std::string* error) {
  return impl_->load_args(argc, argv, error);
}

bool Config::load_from_text(std::string_view text, std::string* error) {
  return impl_->load_text(text, error);
}

bool Config::set(const std::vector<std::pair<std::string, std::string>>& pairs,
                 std::string* error) {
  return impl_->set_pairs(pairs, false, error);
}

bool Config::set(const std::vector<std::pair<std::string, std::string>>& pairs,
                 bool client_is_local, std::string* error) {
  return impl_->set_pairs(pairs, client_is_local, error);
}

std::string Config::get(std::string_view name) const {
  const NameEntry* entry = impl_->find(name);
  AMBER_ASSERT(entry != nullptr);
  return impl_->get_param(entry->index);
}

bool Config::exists(std::string_view name) const { return impl_->find(name) != nullptr; }

int64_t Config::get_int(std::string_view name) const {
  const NameEntry* entry = impl_->find(name);
  AMBER_ASSERT(entry != nullptr);
  ParamType type = impl_->spec(entry->index).type;
  AMBER_ASSERT(type == ParamType::kNumeric || type == ParamType::kEnum || type == ParamType::kBool);
  return impl_->state.values[entry->index].num;
}

bool Config::get_bool(std::string_view name) const {
  const NameEntry* entry = impl_->find(name);
  AMBER_ASSERT(entry != nullptr && impl_->spec(entry->index).type == ParamType::kBool);
  return impl_->state.values[entry->index].num != 0;
}

std::string Config::get_string(std::string_view name) const { return get(name); }

void Config::on_change(std::string_view name, std::function<bool(std::string* error)> apply) {
  const NameEntry* entry = impl_->find(name);
  AMBER_ASSERT(entry != nullptr);
  impl_->hooks[entry->index].push_back(std::move(apply));
}

const std::string& Config::config_file() const { return impl_->config_file; }

void Config::set_loading_probe(std::function<bool()> is_loading) {
  impl_->loading_probe = std::move(is_loading);
}

void Config::set_local_client_probe(std::function<bool(const Session&)> is_local) {
  impl_->local_client_probe = std::move(is_local);
}

void Config::set_user_lines_provider(std::function<std::vector<std::string>()> lines) {
  impl_->user_lines_provider = std::move(lines);
}

const std::vector<std::pair<std::string, std::string>>& Config::renamed_commands() const {
  return impl_->renamed_commands;
}

const std::vector<std::vector<std::string>>& Config::user_directives() const {
  return impl_->user_directives;
}

const std::vector<std::vector<std::string>>& Config::loadmodule_directives() const {
  return impl_->loadmodule_directives;
}

const std::vector<std::pair<std::string, std::string>>& Config::module_configs() const {
  return impl_->module_configs;
}

}  // namespace amber
