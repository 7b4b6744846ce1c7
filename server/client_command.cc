// CLIENT and its subcommands, as Redis 7.0's clientCommand: ID, INFO, LIST,
// KILL (the old "CLIENT KILL addr" form and the filter form), SETNAME,
// GETNAME, PAUSE / UNPAUSE, REPLY, NO-EVICT, UNBLOCK, GETREDIR,
// TRACKINGINFO, CACHING and HELP. Killing another client frees it before
// the next poll; killing oneself closes after the reply is written.
#include <algorithm>

#include "core/args.h"
#include "core/errors.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr uint32_t kSubFlags = kCmdNoScript | kCmdLoading | kCmdStale;

constexpr const char* kHelp[] = {
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
};

enum class ClientType { kNormal, kReplica, kPubsub, kMaster, kUnknown };

ClientType client_type(std::string_view name) {
  if (equals_ignore_case(name, "normal")) return ClientType::kNormal;
  if (equals_ignore_case(name, "slave") || equals_ignore_case(name, "replica")) {
    return ClientType::kReplica;
  }
  if (equals_ignore_case(name, "pubsub")) return ClientType::kPubsub;
  if (equals_ignore_case(name, "master")) return ClientType::kMaster;
  return ClientType::kUnknown;
}

// Redis's addReplySubcommandSyntaxError, for argument counts the
// subcommand's arity lets through but the subcommand does not accept.
void wrong_arguments(CommandContext& ctx) {
  std::string head(ctx.argv[0]);
  std::transform(head.begin(), head.end(), head.begin(), ::toupper);
  ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                  std::string(ctx.argv[1].substr(0, 128)) + "'. Try " + head + " HELP.");
}

Client& self(CommandContext& ctx) { return *Server::client_of(ctx.session); }

void help_subcommand(CommandContext& ctx) {
  std::string head(ctx.argv[0]);
  std::transform(head.begin(), head.end(), head.begin(), ::toupper);
  ctx.reply.array(std::size(kHelp) + 3);
  ctx.reply.simple(head + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* line : kHelp) ctx.reply.simple(line);
  ctx.reply.simple("HELP");
  ctx.reply.simple("    Prints this help.");
}

void list_subcommand(Server& server, CommandContext& ctx) {
  std::string out;
  int64_t now_s = server.now_s();
  ClientType type = ClientType::kNormal;
  bool filter_type = false;
  if (ctx.argv.size() == 4 && equals_ignore_case(ctx.argv[2], "type")) {
    type = client_type(ctx.argv[3]);
    if (type == ClientType::kUnknown) {
      ctx.reply.error("ERR Unknown client type '" + std::string(ctx.argv[3]) + "'");
      return;
    }
    filter_type = true;
  } else if (ctx.argv.size() > 3 && equals_ignore_case(ctx.argv[2], "id")) {
    for (size_t j = 3; j < ctx.argv.size(); ++j) {
      int64_t id;
      if (!parse_int64(ctx.argv[j], &id)) {
        ctx.reply.error("ERR Invalid client ID");
        return;
      }
      Client* c = server.find_client(static_cast<uint64_t>(id));
      if (c != nullptr) out.append(c->info_string(now_s)).append("\n");
    }
    ctx.reply.verbatim(out);
    return;
  } else if (ctx.argv.size() != 2) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  // Every client is a normal one until pub/sub and replication arrive.
  if (!filter_type || type == ClientType::kNormal) {
    for (const auto& [id, c] : server.clients()) out.append(c->info_string(now_s)).append("\n");
  }
  ctx.reply.verbatim(out);
}

struct KillFilter {
  std::string_view addr, laddr;
  uint64_t id = 0;
  bool skipme = true;
  bool by_type = false;
  ClientType type = ClientType::kNormal;
};

// Parses the "CLIENT KILL <option> <value> ..." form; false if a reply was sent.
bool parse_kill_filter(CommandContext& ctx, KillFilter* f) {
  for (size_t i = 2; i < ctx.argv.size(); i += 2) {
    bool more = i + 1 < ctx.argv.size();
    std::string_view opt = ctx.argv[i];
    std::string_view value = more ? ctx.argv[i + 1] : std::string_view();
    if (equals_ignore_case(opt, "id") && more) {
      int64_t id;
      if (!parse_int64(value, &id) || id < 1) {
        ctx.reply.error("ERR client-id should be greater than 0");
        return false;
      }
      f->id = static_cast<uint64_t>(id);
    } else if (equals_ignore_case(opt, "type") && more) {
      f->type = client_type(value);
      if (f->type == ClientType::kUnknown) {
        ctx.reply.error("ERR Unknown client type '" + std::string(value) + "'");
        return false;
      }
      f->by_type = true;
    } else if (equals_ignore_case(opt, "addr") && more) {
      f->addr = value;
    } else if (equals_ignore_case(opt, "laddr") && more) {
      f->laddr = value;
    } else if (equals_ignore_case(opt, "user") && more) {
      if (value != "default") {
        ctx.reply.error("ERR No such user '" + std::string(value) + "'");
        return false;
      }
    } else if (equals_ignore_case(opt, "skipme") && more) {
      if (equals_ignore_case(value, "yes")) {
        f->skipme = true;
      } else if (equals_ignore_case(value, "no")) {
        f->skipme = false;
      } else {
        ctx.reply.error(errors::kSyntax);
        return false;
      }
    } else {
      ctx.reply.error(errors::kSyntax);
      return false;
    }
  }
  return true;
}

void kill_subcommand(Server& server, CommandContext& ctx) {
  KillFilter f;
  bool old_form = ctx.argv.size() == 3;
  if (old_form) {
    f.addr = ctx.argv[2];
    f.skipme = false;  // the old form may kill the caller itself
  } else if (!parse_kill_filter(ctx, &f)) {
    return;
  }
  Client& me = self(ctx);
  int64_t killed = 0;
  for (const auto& [id, c] : server.clients()) {
    if (c->flags & kClientCloseAsap) continue;
    if (!f.addr.empty() && c->addr != f.addr) continue;
    if (!f.laddr.empty() && c->laddr != f.laddr) continue;
    if (f.by_type && f.type != ClientType::kNormal) continue;
    if (f.id != 0 && c->id != f.id) continue;
    if (c.get() == &me && f.skipme) continue;
    if (c.get() == &me) {
      me.flags |= kClientCloseAfterReply;
    } else {
      server.close_async(*c);
    }
    ++killed;
  }
  if (!old_form) {
    ctx.reply.integer(killed);
  } else if (killed == 0) {
    ctx.reply.error("ERR No such client");
  } else {
    ctx.reply.ok();
  }
}

void reply_subcommand(CommandContext& ctx) {
  Client& c = self(ctx);
  std::string_view mode = ctx.argv[2];
  if (equals_ignore_case(mode, "on")) {
    c.flags &= ~(kClientReplySkip | kClientReplyOff);
    ctx.reply.ok();
  } else if (equals_ignore_case(mode, "off")) {
    c.flags |= kClientReplyOff;
  } else if (equals_ignore_case(mode, "skip")) {
    if (!(c.flags & kClientReplyOff)) c.flags |= kClientReplySkipNext;
  } else {
    ctx.reply.error(errors::kSyntax);
  }
}

void no_evict_subcommand(CommandContext& ctx) {
  Client& c = self(ctx);
  if (equals_ignore_case(ctx.argv[2], "on")) {
    c.flags |= kClientNoEvict;
    ctx.reply.ok();
  } else if (equals_ignore_case(ctx.argv[2], "off")) {
    c.flags &= ~kClientNoEvict;
    ctx.reply.ok();
  } else {
    ctx.reply.error(errors::kSyntax);
  }
}

void pause_subcommand(Server& server, CommandContext& ctx) {
  PauseType type = PauseType::kAll;
  if (ctx.argv.size() == 4) {
    if (equals_ignore_case(ctx.argv[3], "write")) {
      type = PauseType::kWrite;
    } else if (!equals_ignore_case(ctx.argv[3], "all")) {
      ctx.reply.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.argv.size() != 3) {
    wrong_arguments(ctx);
    return;
  }
  int64_t timeout_ms;
  if (!parse_int64(ctx.argv[2], &timeout_ms)) {
    ctx.reply.error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout_ms < 0) {
    ctx.reply.error("ERR timeout is negative");
    return;
  }
  int64_t end_ms = timeout_ms > 0 ? timeout_ms + ctx.engine.clock().now_ms() : 0;
  server.pause(type, end_ms);
  ctx.reply.ok();
}

void unblock_subcommand(Server& server, CommandContext& ctx) {
  if (ctx.argv.size() > 4) {
    wrong_arguments(ctx);
    return;
  }
  if (ctx.argv.size() == 4 && !equals_ignore_case(ctx.argv[3], "timeout") &&
      !equals_ignore_case(ctx.argv[3], "error")) {
    ctx.reply.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    return;
  }
  int64_t id;
  if (!parse_int64(ctx.argv[2], &id)) {
    ctx.reply.error(errors::kNotInteger);
    return;
  }
  // No command blocks on keys yet, so there is never anyone to unblock.
  (void)server;
  ctx.reply.integer(0);
}

void setname_subcommand(CommandContext& ctx) {
  if (!Client::valid_name(ctx.argv[2])) {
    ctx.reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  self(ctx).name.assign(ctx.argv[2]);
  ctx.reply.ok();
}

void getname_subcommand(CommandContext& ctx) {
  Client& c = self(ctx);
  if (c.name.empty()) {
    ctx.reply.null();
  } else {
    ctx.reply.bulk(c.name);
  }
}

void trackinginfo_subcommand(CommandContext& ctx) {
  ctx.reply.map(3);
  ctx.reply.bulk("flags");
  ctx.reply.set(1);
  ctx.reply.bulk("off");
  ctx.reply.bulk("redirect");
  ctx.reply.integer(-1);
  ctx.reply.bulk("prefixes");
  ctx.reply.array(0);
}

void caching_subcommand(CommandContext& ctx) {
  ctx.reply.error(
      "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
      "OPTOUT mode enabled");
}

CommandSpec sub(const char* name, int arity, uint32_t flags, CommandHandler handler) {
  return CommandSpec{.name = std::string("client|") + name,
                     .arity = arity,
                     .flags = flags,
                     .handler = std::move(handler)};
}

}  // namespace

void register_client_command(Server& server) {
  Server* s = &server;
  CommandSpec client{.name = "client", .arity = -2, .flags = 0};
  auto& subs = client.subcommands;
  subs.push_back(sub("caching", 3, kSubFlags, caching_subcommand));
  subs.push_back(sub("getname", 2, kSubFlags, getname_subcommand));
  subs.push_back(sub("getredir", 2, kSubFlags, [](CommandContext& ctx) { ctx.reply.integer(-1); }));
  subs.push_back(sub("help", 2, kCmdLoading | kCmdStale, help_subcommand));
  subs.push_back(sub("id", 2, kSubFlags, [](CommandContext& ctx) {
    ctx.reply.integer(static_cast<int64_t>(self(ctx).id));
  }));
  subs.push_back(sub("info", 2, kSubFlags, [s](CommandContext& ctx) {
    ctx.reply.verbatim(self(ctx).info_string(s->now_s()) + "\n");
  }));
  subs.push_back(sub("kill", -3, kSubFlags | kCmdAdmin,
                     [s](CommandContext& ctx) { kill_subcommand(*s, ctx); }));
  subs.push_back(sub("list", -2, kSubFlags | kCmdAdmin,
                     [s](CommandContext& ctx) { list_subcommand(*s, ctx); }));
  subs.push_back(sub("no-evict", 3, kSubFlags | kCmdAdmin, no_evict_subcommand));
  subs.push_back(sub("pause", -3, kSubFlags | kCmdAdmin,
                     [s](CommandContext& ctx) { pause_subcommand(*s, ctx); }));
  subs.push_back(sub("reply", 3, kSubFlags, reply_subcommand));
  subs.push_back(sub("setname", 3, kSubFlags, setname_subcommand));
  subs.push_back(sub("trackinginfo", 2, kSubFlags, trackinginfo_subcommand));
  subs.push_back(sub("unblock", -3, kSubFlags | kCmdAdmin,
                     [s](CommandContext& ctx) { unblock_subcommand(*s, ctx); }));
  subs.push_back(sub("unpause", 2, kSubFlags | kCmdAdmin, [s](CommandContext& ctx) {
    s->unpause();
    ctx.reply.ok();
  }));
  server.engine().register_command(std::move(client));
}

}  // namespace amber
