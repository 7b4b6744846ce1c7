// Fuzz target for the redis.conf parser (Config::load_from_text): quoting,
// escapes, every parameter's validation, multi-argument parameters (save,
// client-output-buffer-limit, ...), enum and memory-unit parsing.
//
// Two directives touch the file system and are dropped before the text is
// loaded: `include` (would read whatever path the fuzzer spells, /dev/zero
// included) and `logfile` (is opened for appending, creating files).
// Everything else is validation on strings. Checks: the outcome is the same
// when the same text is loaded into a second Config (no hidden state), a
// failure carries Redis's fatal-error banner, and a success leaves every
// parameter the text names readable.
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_targets.h"
#include "server/config.h"
#include "server/config_syntax.h"

namespace amber::fuzz {
namespace {

bool touches_files(std::string_view line) {
  std::optional<std::vector<std::string>> argv = config::split_args(config::trim(line));
  if (!argv || argv->empty()) return false;
  std::string name = config::to_lower((*argv)[0]);
  return name == "include" || name == "logfile";
}

// The text with file-touching lines blanked (kept as empty lines so that
// line numbers in errors stay those of the input).
std::string without_file_directives(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!touches_files(line)) out.append(line);
    if (end < text.size()) out.push_back('\n');
    start = end + 1;
  }
  return out;
}

// Names of the parameters the text sets (first word of each line).
std::vector<std::string> named_parameters(const Config& config, std::string_view text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < text.size() && names.size() < 64) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto argv = config::split_args(config::trim(text.substr(start, end - start)));
    if (argv && !argv->empty() && config.exists((*argv)[0])) names.push_back((*argv)[0]);
    start = end + 1;
  }
  return names;
}

}  // namespace

int fuzz_config(const uint8_t* data, size_t size) {
  std::string text =
      without_file_directives(std::string_view(reinterpret_cast<const char*>(data), size));
  Config first;
  std::string first_error;
  bool first_ok = first.load_from_text(text, &first_error);
  Config second;
  std::string second_error;
  bool second_ok = second.load_from_text(text, &second_error);
  FUZZ_CHECK(first_ok == second_ok && first_error == second_error,
             "same text, different outcome: '%s' vs '%s'", first_error.c_str(),
             second_error.c_str());
  if (!first_ok) {
    FUZZ_CHECK(first_error.rfind("\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n", 0) == 0,
               "error without Redis's banner: '%s'", first_error.c_str());
    return 0;
  }
  for (const std::string& name : named_parameters(first, text)) {
    FUZZ_CHECK(first.get(name) == second.get(name), "parameter '%s' differs", name.c_str());
  }
  return 0;
}

}  // namespace amber::fuzz
