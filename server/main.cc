// amber-server: `amber-server [config-file] [--name value ...]`, as
// redis-server. Loads the configuration, seeds the engine's randomness from
// /dev/urandom, opens the sockets, and serves until SHUTDOWN, SIGTERM or
// SIGINT. SIGPIPE is ignored: a client that went away shows up as a failed
// write on its socket, handled there.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "core/io/random.h"
#include "server/aof_persistence.h"
#include "server/command_docs.h"
#include "server/config.h"
#include "server/debug_command.h"
#include "server/logger.h"
#include "server/memory_command.h"
#include "server/nvm_persistence_host.h"
#include "server/rdb_persistence.h"
#include "server/server.h"
#include "server/system_clock.h"

namespace {

uint64_t urandom_seed() {
  std::random_device device;  // /dev/urandom on Linux
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

std::string executable_path(const char* argv0) {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string(argv0);
}

void write_pidfile(const std::string& path) {
  if (path.empty()) return;
  std::ofstream(path) << getpid() << "\n";
}

// COMMAND, DEBUG and MEMORY, with the server state they report on.
void register_introspection_commands(amber::Server& server, amber::Config& config) {
  amber::Engine& engine = server.engine();
  amber::register_command_command(engine);
  amber::DebugHooks debug;
  debug.change_repl_id = [&server] { server.change_replid(); };
  debug.log_warning = [&server](std::string_view line) {
    server.logger().log(amber::LogLevel::kWarning, std::string(line));
  };
  debug.rdb_compression = [&config] { return config.get_bool("rdbcompression"); };
  debug.extra = server.rdb().debug_subcommands();
  for (amber::DebugSubcommand& sub : server.aof().debug_subcommands()) {
    debug.extra.push_back(std::move(sub));
  }
  amber::register_debug_command(engine, std::move(debug));
  amber::MemoryHooks memory;
  memory.connected_clients = [&server] { return static_cast<uint64_t>(server.clients().size()); };
  amber::register_memory_command(engine, std::move(memory));
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  amber::Config config;
  std::string error;
  if (!config.load_from_args(argc, argv, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  amber::Logger logger;
  amber::SystemClock clock;
  amber::SeededRandom random(urandom_seed());
  logger.log(amber::LogLevel::kWarning, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
  amber::Server server(config, clock, random, logger, executable_path(argv[0]));
  logger.log(amber::LogLevel::kWarning,
             "Redis version=" + std::string(amber::Server::kRedisVersion) + " (amber " +
                 std::string(amber::Server::kAmberVersion) +
                 "), bits=64, pid=" + std::to_string(getpid()) + ", just started");
  logger.log(amber::LogLevel::kWarning,
             argc > 1 ? "Configuration loaded"
                      : "Warning: no config file specified, using the default config. In order to "
                        "specify a config file use " +
                            std::string(argv[0]) + " /path/to/redis.conf");

  register_introspection_commands(server, config);

  // Listen first: while the dataset loads, clients connect and get -LOADING
  // (INFO and the other "loading" commands work), as with redis-server.
  if (!server.listen(&error)) return 1;
  server.begin_loading();
  if (!server.aof().start(&error)) return 1;
  if (!server.nvm().start(&error)) return 1;
  // The NVM store is the dataset when NVM mode is on: no RDB on top of it
  // (the first start in NVM mode imported the RDB there).
  if (!server.nvm().enabled() && !server.rdb().load_at_startup(&error)) return 1;
  server.end_loading();
  if (!server.handle_signals()) {
    std::fprintf(stderr, "could not install signal handling\n");
    return 1;
  }
  std::string pidfile = config.get_string("pidfile");
  write_pidfile(pidfile);
  logger.log(amber::LogLevel::kWarning, "Server initialized");
  logger.log(amber::LogLevel::kNotice, "Ready to accept connections");
  server.run();
  if (!pidfile.empty()) unlink(pidfile.c_str());
  return 0;
}
