// The COMMAND command (server.c: commandCommand and friends). It answers from
// the engine's command table, so a client sees what amber really runs, and
// from the Redis 7.0 metadata tables for everything else. redis-cli 7 calls
// COMMAND DOCS at start to build its hints, so this is on the path of every
// interactive session.
#include <algorithm>
#include <cctype>
#include <string>

#include "core/args.h"
#include "core/engine.h"
#include "core/errors.h"
#include "core/glob.h"
#include "core/reply.h"
#include "server/command_docs.h"

namespace amber {
namespace {

using command_docs::CommandDoc;
using command_docs::KeyRef;

constexpr const char* kAclCategoryNames[command_docs::kAclCategoryCount] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};

const CommandSpec* find_subcommand(const CommandSpec& container, std::string_view name) {
  for (const CommandSpec& sub : container.subcommands) {
    std::string_view short_name = std::string_view(sub.name).substr(container.name.size() + 1);
    if (equals_ignore_case(short_name, name)) return &sub;
  }
  return nullptr;
}

// Redis's lookupCommandBySds: "name" or "container|sub", one level only.
const CommandSpec* lookup_full_name(const Engine& engine, std::string_view full) {
  size_t bar = full.find('|');
  if (bar == std::string_view::npos) return engine.find_command(full);
  std::string_view rest = full.substr(bar + 1);
  if (rest.find('|') != std::string_view::npos) return nullptr;
  const CommandSpec* base = engine.find_command(full.substr(0, bar));
  if (base == nullptr || base->subcommands.empty()) return nullptr;
  return find_subcommand(*base, rest);
}

void reply_all_info(CommandContext& ctx) {
  std::vector<const CommandSpec*> all = ctx.engine.all_commands();
  ctx.reply.array(all.size());
  for (const CommandSpec* spec : all) command_docs::reply_info(ctx.reply, spec);
}

void command_info(CommandContext& ctx) {
  if (ctx.argv.size() == 2) {
    reply_all_info(ctx);
    return;
  }
  ctx.reply.array(ctx.argv.size() - 2);
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    command_docs::reply_info(ctx.reply, lookup_full_name(ctx.engine, ctx.argv[i]));
  }
}

void command_docs_reply(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  if (ctx.argv.size() == 2) {
    specs = ctx.engine.all_commands();
  } else {
    for (size_t i = 2; i < ctx.argv.size(); ++i) {
      const CommandSpec* spec = lookup_full_name(ctx.engine, ctx.argv[i]);
      if (spec != nullptr) specs.push_back(spec);
    }
  }
  ctx.reply.map(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.bulk(spec->name);
    command_docs::reply_docs(ctx.reply, *spec);
  }
}

void command_count(CommandContext& ctx) {
  ctx.reply.integer(static_cast<int64_t>(ctx.engine.all_commands().size()));
}

// COMMAND LIST's FILTERBY: true if `spec` is listed.
struct ListFilter {
  enum Kind { kNone, kModule, kAclCat, kPattern } kind = kNone;
  std::string_view arg;
  uint32_t acl_bit = 0;  // kAclCat: 0 when the category does not exist

  bool keeps(const CommandSpec& spec) const {
    switch (kind) {
      case kNone:
        return true;
      case kModule:
        return false;  // amber has no modules
      case kAclCat: {
        const CommandDoc* doc = command_docs::find(spec.name);
        return acl_bit != 0 && doc != nullptr && (doc->acl & acl_bit);
      }
      case kPattern:
        return glob_match(arg, spec.name, /*nocase=*/true);
    }
    return false;
  }
};

void command_list(CommandContext& ctx) {
  ListFilter filter;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    bool filterby = equals_ignore_case(ctx.argv[i], "filterby") && ctx.argv.size() - 1 - i == 2;
    if (!filterby) return ctx.reply.error(errors::kSyntax);
    std::string_view type = ctx.argv[i + 1];
    if (equals_ignore_case(type, "module")) {
      filter.kind = ListFilter::kModule;
    } else if (equals_ignore_case(type, "aclcat")) {
      filter.kind = ListFilter::kAclCat;
    } else if (equals_ignore_case(type, "pattern")) {
      filter.kind = ListFilter::kPattern;
    } else {
      return ctx.reply.error(errors::kSyntax);
    }
    filter.arg = ctx.argv[i + 2];
    i += 2;
  }
  if (filter.kind == ListFilter::kAclCat) {
    for (int b = 0; b < command_docs::kAclCategoryCount; ++b) {
      if (equals_ignore_case(filter.arg, kAclCategoryNames[b])) filter.acl_bit = 1u << b;
    }
  }
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : ctx.engine.all_commands()) {
    if (filter.keeps(*spec)) names.push_back(spec->name);
    for (const CommandSpec& sub : spec->subcommands) {
      if (filter.keeps(sub)) names.push_back(sub.name);
    }
  }
  ctx.reply.array(names.size());
  for (std::string_view name : names) ctx.reply.bulk(name);
}

// The command that argv[2..] names, as Redis's lookupCommand (not strict:
// "CONFIG GET x" finds config|get).
const CommandSpec* lookup_argv(const Engine& engine, ArgList args) {
  const CommandSpec* base = engine.find_command(args[0]);
  if (base == nullptr || args.size() == 1 || base->subcommands.empty()) return base;
  return find_subcommand(*base, args[1]);
}

bool arity_ok(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Keys of an amber command that Redis does not document: its legacy range.
int keys_from_range(const CommandSpec& spec, ArgList args, std::vector<KeyRef>* keys) {
  for_each_key_position(spec, args.size(), [&](size_t i) {
    keys->push_back({static_cast<int>(i), 0});
  });
  return static_cast<int>(keys->size());
}

void get_keys(CommandContext& ctx, bool with_flags) {
  ArgList args = ctx.argv.subspan(2);
  const CommandSpec* spec = lookup_argv(ctx.engine, args);
  if (spec == nullptr) return ctx.reply.error("ERR Invalid command specified");
  const CommandDoc* doc = command_docs::find(spec->name);
  bool may_have_keys = doc != nullptr ? command_docs::has_keys(*doc) : spec->first_key > 0;
  if (!may_have_keys) return ctx.reply.error("ERR The command has no key arguments");
  if (!arity_ok(spec->arity, args.size())) {
    return ctx.reply.error("ERR Invalid number of arguments specified for command");
  }
  std::vector<KeyRef> keys;
  int n = doc != nullptr ? command_docs::extract_keys(*doc, args, &keys)
                         : keys_from_range(*spec, args, &keys);
  if (n == 0) {
    if (doc != nullptr && (doc->flags & command_docs::kFlagNoMandatoryKeys))
      return ctx.reply.empty_array();
    return ctx.reply.error("ERR Invalid arguments specified for command");
  }
  ctx.reply.array(keys.size());
  for (const KeyRef& key : keys) {
    if (with_flags) ctx.reply.array(2);
    ctx.reply.bulk(args[static_cast<size_t>(key.pos)]);
    if (with_flags) command_docs::reply_key_flags(ctx.reply, key.flags);
  }
}

void command_help(CommandContext& ctx) {
  static constexpr const char* kHelp[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help."};
  ctx.reply.array(std::size(kHelp));
  for (const char* line : kHelp) ctx.reply.simple(line);
}

}  // namespace

void register_command_command(Engine& engine) {
  CommandSpec command = command_docs::make_spec("command", reply_all_info);
  auto add = [&](std::string_view sub, CommandHandler handler) {
    command.subcommands.push_back(
        command_docs::make_spec(std::string("command|") + std::string(sub), std::move(handler)));
  };
  add("count", command_count);
  add("docs", command_docs_reply);
  add("getkeys", [](CommandContext& ctx) { get_keys(ctx, false); });
  add("getkeysandflags", [](CommandContext& ctx) { get_keys(ctx, true); });
  add("help", command_help);
  add("info", command_info);
  add("list", command_list);
  engine.register_command(std::move(command));
}

}  // namespace amber
