// Connection-level commands: PING, ECHO, QUIT, HELLO, AUTH, TIME, SHUTDOWN,
// RESET — Redis 7.0's replies and error texts (server.c, networking.c,
// acl.c, db.c), and flags and arity from its command JSON files.
#include "core/args.h"
#include "core/errors.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr uint32_t kConnFlags = kCmdNoScript | kCmdLoading | kCmdStale;

void ping_command(CommandContext& ctx) {
  if (ctx.argv.size() > 2) {
    ctx.reply.error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (ctx.argv.size() == 1) {
    ctx.reply.raw("+PONG\r\n");
  } else {
    ctx.reply.bulk(ctx.argv[1]);
  }
}

void echo_command(CommandContext& ctx) { ctx.reply.bulk(ctx.argv[1]); }

void time_command(CommandContext& ctx) {
  int64_t now_us = ctx.engine.clock().now_us();
  ctx.reply.array(2);
  ctx.reply.bulk(std::to_string(now_us / 1'000'000));
  ctx.reply.bulk(std::to_string(now_us % 1'000'000));
}

void quit_command(CommandContext& ctx) {
  ctx.reply.ok();
  Server::client_of(ctx.session)->flags |= kClientCloseAfterReply;
}

void discard_transaction(Engine& engine, Session& session) {
  session.in_multi = false;
  session.multi_aborted = false;
  session.queued.clear();
  engine.unwatch_all(session);
  session.watch_dirty = false;
}

void reset_command(Server& server, CommandContext& ctx) {
  Client& c = *Server::client_of(ctx.session);
  discard_transaction(ctx.engine, ctx.session);
  ctx.session.db = 0;
  ctx.session.protocol = 2;
  ctx.reply.set_protocol(2);
  c.authenticated = server.settings().requirepass.empty();
  c.name.clear();
  c.flags &= ~(kClientNoEvict | kClientReplyOff | kClientReplySkipNext);
  ctx.reply.simple("RESET");
}

void auth_command(Server& server, CommandContext& ctx) {
  if (ctx.argv.size() > 3) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  Client& c = *Server::client_of(ctx.session);
  std::string_view user = "default";
  std::string_view password = ctx.argv[1];
  if (ctx.argv.size() == 2) {
    if (server.settings().requirepass.empty()) {
      ctx.reply.error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
      return;
    }
  } else {
    user = ctx.argv[1];
    password = ctx.argv[2];
  }
  if (server.authenticate(c, user, password)) {
    ctx.reply.ok();
  } else {
    ctx.reply.error("WRONGPASS invalid username-password pair or user is disabled.");
  }
}

// HELLO's options after the protocol version; false if a reply was sent.
bool hello_options(Server& server, CommandContext& ctx, Client& c) {
  for (size_t j = 2; j < ctx.argv.size(); ++j) {
    size_t more = ctx.argv.size() - 1 - j;
    std::string_view opt = ctx.argv[j];
    if (equals_ignore_case(opt, "auth") && more >= 2) {
      if (!server.authenticate(c, ctx.argv[j + 1], ctx.argv[j + 2])) {
        ctx.reply.error("WRONGPASS invalid username-password pair or user is disabled.");
        return false;
      }
      j += 2;
    } else if (equals_ignore_case(opt, "setname") && more >= 1) {
      if (!Client::valid_name(ctx.argv[j + 1])) {
        ctx.reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
      }
      c.name.assign(ctx.argv[j + 1]);
      ++j;
    } else {
      ctx.reply.error("ERR Syntax error in HELLO option '" + std::string(opt) + "'");
      return false;
    }
  }
  return true;
}

void hello_command(Server& server, CommandContext& ctx) {
  Client& c = *Server::client_of(ctx.session);
  int64_t version = 0;
  if (ctx.argv.size() >= 2) {
    if (!parse_int64(ctx.argv[1], &version)) {
      ctx.reply.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version < 2 || version > 3) {
      ctx.reply.error("NOPROTO unsupported protocol version");
      return;
    }
  }
  if (!hello_options(server, ctx, c)) return;
  if (server.auth_required(c)) {
    ctx.reply.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP "
        "protocol version at the same time");
    return;
  }
  if (version != 0) {
    ctx.session.protocol = static_cast<int>(version);
    ctx.reply.set_protocol(static_cast<int>(version));
  }
  ctx.reply.map(7);
  ctx.reply.bulk("server");
  ctx.reply.bulk("redis");
  ctx.reply.bulk("version");
  ctx.reply.bulk(Server::kRedisVersion);
  ctx.reply.bulk("proto");
  ctx.reply.integer(ctx.session.protocol);
  ctx.reply.bulk("id");
  ctx.reply.integer(static_cast<int64_t>(c.id));
  ctx.reply.bulk("mode");
  ctx.reply.bulk("standalone");
  ctx.reply.bulk("role");
  ctx.reply.bulk("master");
  ctx.reply.bulk("modules");
  ctx.reply.array(0);
}

void shutdown_command(Server& server, CommandContext& ctx) {
  bool nosave = false, save = false, abort = false, other = false, force = false;
  for (size_t i = 1; i < ctx.argv.size(); ++i) {
    std::string_view a = ctx.argv[i];
    if (equals_ignore_case(a, "nosave")) {
      nosave = true;
    } else if (equals_ignore_case(a, "save")) {
      save = true;
    } else if (equals_ignore_case(a, "now") || equals_ignore_case(a, "force")) {
      other = true;
      force = force || equals_ignore_case(a, "force");
    } else if (equals_ignore_case(a, "abort")) {
      abort = true;
    } else {
      ctx.reply.error(errors::kSyntax);
      return;
    }
  }
  if ((abort && (nosave || save || other)) || (nosave && save)) {
    ctx.reply.error(errors::kSyntax);
    return;
  }
  if (abort) {
    // A shutdown here is never left in progress (no replicas to wait for).
    ctx.reply.error("ERR No shutdown in progress.");
    return;
  }
  if (!server.may_exit_before_initial_aof(force) ||
      !server.rdb().prepare_shutdown(save, nosave, force)) {
    ctx.reply.error("ERR Errors trying to SHUTDOWN. Check logs.");
    return;
  }
  server.shutdown_now();
}

}  // namespace

void register_connection_commands(Server& server) {
  Engine& engine = server.engine();
  Server* s = &server;
  engine.register_command(
      {.name = "ping", .arity = -1, .flags = kCmdFast, .handler = ping_command});
  engine.register_command({.name = "echo",
                           .arity = 2,
                           .flags = kCmdLoading | kCmdStale | kCmdFast,
                           .handler = echo_command});
  engine.register_command({.name = "time",
                           .arity = 1,
                           .flags = kCmdLoading | kCmdStale | kCmdFast,
                           .handler = time_command});
  // QUIT and RESET act at once even inside MULTI (kCmdTransaction).
  engine.register_command(
      {.name = "quit",
       .arity = -1,
       .flags = kConnFlags | kCmdAllowBusy | kCmdFast | kCmdNoAuth | kCmdTransaction,
       .handler = quit_command});
  engine.register_command(
      {.name = "reset",
       .arity = 1,
       .flags = kConnFlags | kCmdFast | kCmdNoAuth | kCmdAllowBusy | kCmdTransaction,
       .handler = [s](CommandContext& ctx) { reset_command(*s, ctx); }});
  engine.register_command({.name = "auth",
                           .arity = -2,
                           .flags = kConnFlags | kCmdFast | kCmdNoAuth | kCmdAllowBusy,
                           .handler = [s](CommandContext& ctx) { auth_command(*s, ctx); }});
  engine.register_command({.name = "hello",
                           .arity = -1,
                           .flags = kConnFlags | kCmdFast | kCmdNoAuth | kCmdAllowBusy,
                           .handler = [s](CommandContext& ctx) { hello_command(*s, ctx); }});
  engine.register_command({.name = "shutdown",
                           .arity = -1,
                           .flags = kCmdAdmin | kConnFlags | kCmdNoMulti | kCmdAllowBusy,
                           .handler = [s](CommandContext& ctx) { shutdown_command(*s, ctx); }});
}

}  // namespace amber
