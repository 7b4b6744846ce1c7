// The CONFIG command (config.c: configGetCommand, configSetCommand,
// configHelpCommand, configResetStatCommand, configRewriteCommand), a
// container command whose subcommands have Redis's arity and flags.
//
// CONFIG GET answers a map (a flat array in RESP2) with each parameter at
// most once: an exact name is echoed as the client spelled it, a glob
// pattern (matched without case) lists every non-hidden name it matches,
// aliases included. The order is amber's table order; Redis's is its hash
// table's, which clients do not rely on.
#include <string>
#include <utility>
#include <vector>

#include "core/args.h"
#include "core/command.h"
#include "core/engine.h"
#include "core/glob.h"
#include "core/reply.h"
#include "server/config_impl.h"

namespace amber {

namespace {

constexpr const char* kHelp[] = {
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void reply_help(CommandContext& ctx) {
  ctx.reply.array(std::size(kHelp) + 3);
  ctx.reply.simple(upper(ctx.argv[0]) +
                   " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* line : kHelp) ctx.reply.simple(line);
  ctx.reply.simple("HELP");
  ctx.reply.simple("    Prints this help.");
}

constexpr uint32_t kConfigFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;

CommandSpec subcommand(const char* name, int arity, uint32_t flags, CommandHandler handler) {
  CommandSpec spec;
  spec.name = std::string("config|") + name;
  spec.arity = arity;
  spec.flags = flags;
  spec.handler = std::move(handler);
  return spec;
}

}  // namespace

void Config::register_commands(Engine& engine, std::function<void()> reset_stats) {
  Impl* impl = impl_.get();

  auto get = [impl](CommandContext& ctx) {
    // (name as it will be printed, parameter index), each name once.
    std::vector<std::pair<std::string, size_t>> matches;
    auto seen = [&matches](std::string_view name) {
      for (const auto& m : matches) {
        if (equals_ignore_case(m.first, name)) return true;
      }
      return false;
    };
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      std::string_view pattern = ctx.argv[i];
      if (pattern.find_first_of("[*?") == std::string_view::npos) {
        const config::NameEntry* entry = impl->find(pattern);
        if (entry != nullptr && !seen(pattern)) matches.emplace_back(pattern, entry->index);
        continue;
      }
      for (size_t index = 0; index < impl->table.size(); ++index) {
        const config::ParamSpec& p = impl->table[index];
        if (p.flags & config::kHidden) continue;
        for (const char* name : {p.name, p.alias}) {
          if (name == nullptr || seen(name) || !glob_match(pattern, name, true)) continue;
          matches.emplace_back(name, index);
        }
      }
    }
    ctx.reply.map(matches.size());
    for (const auto& [name, index] : matches) {
      ctx.reply.bulk(name);
      ctx.reply.bulk(impl->get_param(index));
    }
  };

  auto set = [impl](CommandContext& ctx) {
    if (ctx.argv.size() % 2 != 0) {
      ctx.reply.error("ERR syntax error");
      return;
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    for (size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
      pairs.emplace_back(ctx.argv[i], ctx.argv[i + 1]);
    }
    bool local = impl->local_client_probe && impl->local_client_probe(ctx.session);
    std::string error;
    if (impl->set_pairs(pairs, local, &error)) {
      ctx.reply.ok();
    } else {
      ctx.reply.error(error);
    }
  };

  auto resetstat = [reset_stats = std::move(reset_stats)](CommandContext& ctx) {
    if (reset_stats) reset_stats();
    ctx.reply.ok();
  };

  auto rewrite = [impl](CommandContext& ctx) {
    if (impl->config_file.empty()) {
      ctx.reply.error("ERR The server is running without a config file");
      return;
    }
    std::string error;
    if (impl->rewrite(&error)) {
      ctx.reply.ok();
    } else {
      ctx.reply.error("ERR Rewriting config file: " + error);
    }
  };

  CommandSpec container;
  container.name = "config";
  container.arity = -2;
  container.subcommands.push_back(subcommand("get", -3, kConfigFlags, get));
  container.subcommands.push_back(subcommand("set", -4, kConfigFlags, set));
  container.subcommands.push_back(subcommand("resetstat", 2, kConfigFlags, resetstat));
  container.subcommands.push_back(subcommand("rewrite", 2, kConfigFlags, rewrite));
  container.subcommands.push_back(
      subcommand("help", 2, kCmdLoading | kCmdStale, [](CommandContext& ctx) { reply_help(ctx); }));
  engine.register_command(std::move(container));
}

}  // namespace amber
