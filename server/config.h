// Config: every configuration parameter of Redis 7.0, by its Redis name, with
// Redis's defaults, validation and error texts. Sources, in order: built-in
// defaults, a redis.conf-syntax file (first command-line argument), then
// `--name value ...` overrides (as redis-server); at runtime CONFIG SET.
//
// Parameters amber does not act on yet are still stored and returned, so that
// tools and test suites that tune them keep working. The parts of amber that
// act on a parameter read it with the typed getters at start and subscribe
// with on_change() for runtime changes.
//
// Thread: the server's event-loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amber {

class Engine;
struct Session;

class Config {
 public:
  Config();
  ~Config();
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;

  // redis-server's command line: [config-file] [--name value ...] (a lone
  // "-" as config file reads stdin is not supported). On error returns false
  // with Redis's "*** FATAL CONFIG FILE ERROR ..." text in `error`.
  bool load_from_args(int argc, const char* const* argv, std::string* error);
  // Applies redis.conf-syntax text (directives, quoting, `include`).
  bool load_from_text(std::string_view text, std::string* error);

  // CONFIG SET semantics: all pairs are validated and applied, or none
  // (on_change hooks that fail roll every pair back). `error` gets Redis's
  // full error text (without '-').
  bool set(const std::vector<std::pair<std::string, std::string>>& pairs, std::string* error);

  // Current value as CONFIG GET prints it. REQUIRES: `name` is a known
  // parameter (or alias).
  std::string get(std::string_view name) const;
  bool exists(std::string_view name) const;
  // Typed getters; REQUIRE the parameter to be of that kind. Memory values
  // are in bytes, time values in the parameter's own unit.
  int64_t get_int(std::string_view name) const;
  bool get_bool(std::string_view name) const;
  std::string get_string(std::string_view name) const;  // same as get()

  // `apply` runs after `name` changed at runtime (CONFIG SET). Returning
  // false (with `error`) makes CONFIG SET fail and roll back.
  void on_change(std::string_view name, std::function<bool(std::string* error)> apply);

  // The path of the loaded config file ("" if none), for CONFIG REWRITE and
  // INFO's config_file.
  const std::string& config_file() const;

  // Registers CONFIG GET / SET / RESETSTAT / REWRITE / HELP. `reset_stats` is
  // what CONFIG RESETSTAT does (the server clears its and the engine's
  // statistics).
  void register_commands(Engine& engine, std::function<void()> reset_stats);

  // --- additions (config helper) ---

  // set() for a given client: `client_is_local` (unix socket or loopback)
  // matters when enable-protected-configs is "local".
  bool set(const std::vector<std::pair<std::string, std::string>>& pairs, bool client_is_local,
           std::string* error);
  // CONFIG SET of a DENY_LOADING parameter (appendonly, dir, ...) answers
  // -LOADING while this returns true. Default: never loading.
  void set_loading_probe(std::function<bool()> is_loading);
  // Whether the CONFIG command's client is local. Default: not local.
  void set_local_client_probe(std::function<bool(const Session&)> is_local);
  // CONFIG REWRITE's `user ...` lines (ACL). Default: the default user's
  // line when requirepass is unset, none otherwise.
  void set_user_lines_provider(std::function<std::vector<std::string>()> lines);

  // Directives of the config file that other modules act on, in file order:
  // rename-command (old, new; new "" deletes), user (words after "user"),
  // loadmodule (path, args), module configs ("module.name", value).
  const std::vector<std::pair<std::string, std::string>>& renamed_commands() const;
  const std::vector<std::vector<std::string>>& user_directives() const;
  const std::vector<std::vector<std::string>>& loadmodule_directives() const;
  const std::vector<std::pair<std::string, std::string>>& module_configs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace amber
