// The server's CommandGate: the admission checks of Redis's processCommand
// that depend on the connection rather than the keyspace, in Redis's
// order — first the protected DEBUG command (enable-debug-command no|yes|
// local), then authentication (NOAUTH unless the command is flagged
// no-auth), the persistence errors (MISCONF), and while the dataset is being
// loaded at startup, -LOADING for commands not flagged "loading". CLIENT PAUSE is not here: a
// paused command is delayed, not refused, so the server holds it before calling the engine.
// EXEC counts as a write when a queued command is one (Redis's
// c->mstate.cmd_flags): a transaction queued while the disk was healthy is
// refused with -EXECABORT ... MISCONF if persistence failed before EXEC.
#include "core/args.h"
#include "core/errors.h"
#include "server/aof_persistence.h"
#include "server/nvm_persistence_host.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {
namespace {

constexpr std::string_view kLoading = "LOADING Redis is loading the dataset in memory";

constexpr std::string_view kDebugNotAllowed =
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you "
    "can run it from a local connection, otherwise you need to set this option in the "
    "configuration file, and then restart the server.";

// Compares in time independent of where the strings differ, so response
// times do not leak the password (Redis's time_independent_strcmp).
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
  }
  return diff == 0;
}

// What the persistence checks judge: for EXEC the first queued write, if
// any (is_write_command in Redis's processCommand), else the command.
const CommandSpec& write_check_spec(const Engine& engine, const Session& session,
                                    const CommandSpec& spec) {
  if (spec.name != "exec" || !session.in_multi) return spec;
  const CommandSpec* write = nullptr;
  engine.for_each_queued(session, [&](const CommandSpec& queued, ArgList) {
    if (queued.flags & kCmdWrite) write = &queued;
    return write == nullptr;
  });
  return write != nullptr ? *write : spec;
}

}  // namespace

bool Server::admit(Session& session, const CommandSpec& spec, ArgList argv, std::string* error) {
  Client* c = client_of(session);
  if (c == nullptr) return true;
  c->last_cmd = &spec;
  if (spec.name == "debug") {
    const std::string& rule = settings_.enable_debug_command;
    bool allowed = rule == "yes" || (rule == "local" && is_local(*c));
    if (!allowed) {
      *error = kDebugNotAllowed;
      return false;
    }
  }
  if (auth_required(*c) && !(spec.flags & kCmdNoAuth)) {
    *error = errors::kNoAuth;
    return false;
  }
  const CommandSpec& judged = write_check_spec(engine_, session, spec);
  if (rdb_->deny_writes(judged, error)) return false;  // MISCONF (RDB) before the AOF's
  if (aof_->deny_writes(judged, error)) return false;
  if (nvm_->deny_writes(judged, error)) return false;
  if (nvm_->deny_oversized(session, spec, argv, error)) return false;
  if (loading_ && !(spec.flags & kCmdLoading)) {
    *error = kLoading;
    return false;
  }
  return true;
}

bool Server::is_local(const Client& c) const {
  if (c.flags & kClientUnixSocket) return true;
  return c.addr.rfind("127.0.0.1:", 0) == 0 || c.addr.rfind("[::1]:", 0) == 0;
}

bool Server::authenticate(Client& c, std::string_view user, std::string_view password) {
  // Only the default user exists until ACLs arrive. With no requirepass it
  // is "nopass": any password is accepted, as Redis does.
  if (user != "default") return false;
  if (!settings_.requirepass.empty() && !same_secret(password, settings_.requirepass)) return false;
  c.authenticated = true;
  return true;
}

}  // namespace amber
