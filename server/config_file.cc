// redis.conf parsing (config.c: loadServerConfigFromString and
// loadServerConfig) and redis-server's command line (server.c: main), so
// that a file or a command line written for Redis 7.0 configures amber the
// same way and a bad one is refused with the same message, line number and
// echo of the offending line.
//
// File order is the order of effect: a later directive overrides an earlier
// one, except `save`, whose lines accumulate (the first one replaces the
// defaults). `include` splices another file (a glob pattern may match none).
// Relative paths are resolved against the current `dir`, which is where
// Redis would be after chdir'ing to it.
#include <glob.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "core/args.h"
#include "server/config_impl.h"
#include "server/config_syntax.h"

namespace amber {

namespace {

constexpr const char* kRedisVersion = "7.0.15";

std::string fatal(std::string_view reason) {
  return std::string("\n*** FATAL CONFIG FILE ERROR (Redis ") + kRedisVersion + ") ***\n" +
         std::string(reason);
}

std::string fatal_at(int line_number, std::string_view line, std::string_view reason) {
  return std::string("\n*** FATAL CONFIG FILE ERROR (Redis ") + kRedisVersion + ") ***\n" +
         "Reading the configuration file, at line " + std::to_string(line_number) + "\n>>> '" +
         std::string(line) + "'\n" + std::string(reason);
}

// Directives Redis 7.0 still accepts (and ignores) for compatibility.
bool is_deprecated(const std::vector<std::string>& argv) {
  static constexpr const char* kDeprecated[] = {"list-max-ziplist-entries",
                                                "list-max-ziplist-value", "lua-replicate-commands"};
  for (const char* name : kDeprecated) {
    if (equals_ignore_case(argv[0], name) && argv.size() == 2) return true;
  }
  return false;
}

bool read_whole_file(const std::string& path, std::string* content, std::string* error) {
  int error_number = 0;
  if (!config::read_text_file(path, content, &error_number)) {
    *error = "Fatal error, can't open config file '" + path + "': " + std::strerror(error_number);
    return false;
  }
  return true;
}

bool has_wildcard(const std::string& path) {
  return path.find_first_of("*?[") != std::string::npos;
}

}  // namespace

bool config::read_text_file(const std::string& path, std::string* out, int* error_number) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error_number = errno;
    return false;
  }
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  bool ok = std::ferror(f) == 0;
  *error_number = ok ? 0 : EIO;
  std::fclose(f);
  return ok;
}

std::string Config::Impl::resolve_path(const std::string& path) const {
  if (path.empty() || path[0] == '/') return path;
  return state.special.dir + "/" + path;
}

// Reads a file (or every file a glob pattern matches, none being fine) and
// appends its text.
bool Config::Impl::load_file(const std::string& path, std::string* content, std::string* error) {
  if (!has_wildcard(path)) return read_whole_file(resolve_path(path), content, error);
  glob_t matches;
  if (::glob(resolve_path(path).c_str(), 0, nullptr, &matches) == 0) {
    for (size_t i = 0; i < matches.gl_pathc; ++i) {
      if (!read_whole_file(matches.gl_pathv[i], content, error)) {
        ::globfree(&matches);
        return false;
      }
    }
  }
  ::globfree(&matches);
  return true;
}

// One directive that is not a parameter. Returns the error reason, or "".
std::string Config::Impl::apply_directive(std::vector<std::string>& argv,
                                          std::string* include_error, bool* include_failed) {
  Impl& impl = *this;
  const std::string& name = argv[0];
  if (name == "include" && argv.size() == 2) {
    std::string text;
    if (!impl.load_file(argv[1], &text, include_error) || !impl.load_text(text, include_error)) {
      *include_failed = true;
    }
    // Redis's nested load ends its "reading a file" state.
    impl.reading_file = false;
  } else if (name == "rename-command" && argv.size() == 3) {
    impl.renamed_commands.emplace_back(argv[1], argv[2]);
  } else if (name == "user" && argv.size() >= 2) {
    impl.user_directives.emplace_back(argv.begin() + 1, argv.end());
  } else if (name == "loadmodule" && argv.size() >= 2) {
    impl.loadmodule_directives.emplace_back(argv.begin() + 1, argv.end());
  } else if (name.find('.') != std::string::npos) {
    if (argv.size() < 2) return "Module config specified without value";
    std::string value = argv[1];
    for (size_t i = 2; i < argv.size(); ++i) value += " " + argv[i];
    impl.module_configs.emplace_back(name, value);
  } else if (name == "sentinel") {
    if (argv.size() != 1) return "sentinel directive while not in sentinel mode";
  } else {
    return "Bad directive or wrong number of arguments";
  }
  return "";
}

// Applies one parameter line. Returns the error reason, or "".
std::string Config::Impl::apply_parameter(size_t index, std::vector<std::string>& argv) {
  Impl& impl = *this;
  bool multi = impl.spec(index).flags & config::kMultiArg;
  if (!multi && argv.size() != 2) return "wrong number of arguments";
  std::vector<std::string> args;
  if (multi && argv.size() == 2 && !argv[1].empty()) {
    // `--save "900 1 300 10"` arrives as one word: split it again.
    args = config::split_args(argv[1]).value_or(std::vector<std::string>{});
  } else {
    args.assign(argv.begin() + 1, argv.end());
  }
  std::string reason;
  if (impl.set_param(index, args, &reason) == config::SetResult::kError) return reason;
  return "";
}

bool Config::Impl::load_text(std::string_view text, std::string* error) {
  reading_file = true;
  int line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = config::trim(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.empty() || line[0] == '#') continue;

    std::optional<std::vector<std::string>> argv = config::split_args(line);
    if (!argv) {
      *error = fatal_at(line_number, line, "Unbalanced quotes in configuration line");
      reading_file = false;
      return false;
    }
    if (argv->empty()) continue;
    (*argv)[0] = config::to_lower((*argv)[0]);

    std::string reason;
    if (const config::NameEntry* entry = find((*argv)[0])) {
      reason = apply_parameter(entry->index, *argv);
    } else if (!is_deprecated(*argv)) {
      bool include_failed = false;
      reason = apply_directive(*argv, error, &include_failed);
      if (include_failed) {
        reading_file = false;
        return false;
      }
    }
    if (!reason.empty()) {
      *error = fatal_at(line_number, line, reason);
      reading_file = false;
      return false;
    }
  }
  return finish_load(error);
}

bool Config::Impl::finish_load(std::string* error) {
  reading_file = false;
  std::string logfile = state.values[find("logfile")->index].str.value_or("");
  if (!logfile.empty()) {
    // Redis checks it can open the log file before it starts.
    std::FILE* f = std::fopen(resolve_path(logfile).c_str(), "a");
    if (f == nullptr) {
      *error = fatal(std::string("Can't open the log file: ") + std::strerror(errno));
      return false;
    }
    std::fclose(f);
  }
  if (state.values[find("cluster-enabled")->index].num != 0 && state.special.master) {
    *error = fatal("replicaof directive not allowed in cluster mode");
    return false;
  }
  apply_hz_bounds();
  return true;
}

// redis-server [config-file] [--name value ...]: the options become
// directive lines appended after the file, each value quoted as Redis
// quotes it. A bare `--save` (last, or followed by another option) means
// `save ""`.
bool Config::Impl::load_args(int argc, const char* const* argv, std::string* error) {
  std::string options;
  int j = 1;
  if (argc >= 2 && argv[1][0] != '-') {
    config_file = std::filesystem::absolute(argv[1]).lexically_normal().string();
    j = 2;
  }
  bool last_option_has_value = true;
  for (; j < argc; ++j) {
    std::string_view arg = argv[j];
    if (arg == "-" && (j == 1 || j == argc - 1)) {
      *error = "Reading the configuration from stdin is not supported";
      return false;
    }
    bool next_is_option = j + 1 < argc && std::strncmp(argv[j + 1], "--", 2) == 0;
    if (last_option_has_value && arg.size() >= 2 && arg.substr(0, 2) == "--") {
      if (!options.empty()) options += "\n";
      options.append(arg.substr(2)).append(" ");
      auto words = config::split_args(arg);
      if (words && words->size() == 1) {
        last_option_has_value = false;
        if (equals_ignore_case(arg, "--save") && (next_is_option || j == argc - 1)) {
          options += "\"\"";
          last_option_has_value = next_is_option;
        } else if (equals_ignore_case(arg, "--sentinel") && next_is_option) {
          last_option_has_value = true;
        }
      } else {
        last_option_has_value = true;  // "--port 6380" as one argument
      }
    } else {
      options += config::quote(arg) + " ";
      last_option_has_value = true;
    }
  }
  std::string text;
  if (!config_file.empty() && !load_file(config_file, &text, error)) return false;
  if (!options.empty()) text += "\n" + options;
  return load_text(text, error);
}

}  // namespace amber
