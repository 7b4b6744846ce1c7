// The dispatcher: resolve argv to a command (and subcommand), check arity,
// ask the host's gate, then queue (inside MULTI) or run it. The order of the
// checks and the error texts are Redis 7.0's processCommand, so a client sees
// the same reply to the same mistake.
#include "core/engine.h"

#include <algorithm>
#include <cctype>

#include "core/assert.h"
#include "core/errors.h"

namespace amber {
namespace {

// ASCII only, as Redis's command lookup (C locale); inline: it runs per
// byte of every command name.
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string upper_copy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool arity_ok(int arity, size_t argc) {
  return arity > 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

}  // namespace

Db& CommandContext::db() { return engine.db(session.db); }

size_t Engine::CaseInsensitiveHash::operator()(std::string_view s) const {
  // FNV-1a over lower-cased bytes: command names are short.
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(lower(c));
    h *= 1099511628211ULL;
  }
  return h;
}

bool Engine::CaseInsensitiveEqual::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Engine::Engine(const EngineOptions& options, Clock& clock, Random& random)
    : options_(options), clock_(clock), random_(random) {
  AMBER_ASSERT(options_.databases >= 1);
  for (int i = 0; i < options_.databases; ++i) {
    dbs_.push_back(std::make_unique<Db>(random_.next_u64()));
  }
  watchers_.resize(dbs_.size());
  register_string_commands(*this);
  register_key_commands(*this);
  register_transaction_commands(*this);
}

Engine::~Engine() = default;

void Engine::register_command(CommandSpec spec) {
  std::string name = spec.name;
  AMBER_ASSERT(commands_.find(name) == commands_.end());
  commands_.emplace(std::move(name), std::move(spec));
}

const CommandSpec* Engine::find_command(std::string_view name) const {
  auto it = commands_.find(name);
  return it == commands_.end() ? nullptr : &it->second;
}

std::vector<const CommandSpec*> Engine::all_commands() const {
  std::vector<const CommandSpec*> out;
  for (const auto& [name, spec] : commands_) out.push_back(&spec);
  std::sort(out.begin(), out.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  return out;
}

Engine::Resolved Engine::resolve(ArgList argv) const {
  // Redis formats these with "%s" from C strings, so an argument is cut at
  // its first NUL byte in the message.
  auto c_string = [](std::string_view s) { return s.substr(0, s.find('\0')); };
  const CommandSpec* spec = find_command(argv[0]);
  if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
    const CommandSpec* sub = nullptr;
    for (const CommandSpec& candidate : spec->subcommands) {
      std::string_view short_name = std::string_view(candidate.name).substr(spec->name.size() + 1);
      if (CaseInsensitiveEqual()(short_name, argv[1])) sub = &candidate;
    }
    if (sub == nullptr) {
      std::string message = "ERR unknown subcommand '";
      message.append(c_string(argv[1]).substr(0, 128));
      message.append("'. Try ").append(upper_copy(c_string(argv[0]))).append(" HELP.");
      return {nullptr, std::move(message)};
    }
    spec = sub;
  }
  if (spec == nullptr) {
    std::string args;
    for (size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
      args.append("'").append(c_string(argv[i]).substr(0, 128 - args.size())).append("' ");
    }
    std::string message = "ERR unknown command '";
    message.append(c_string(argv[0]).substr(0, 128))
        .append("', with args beginning with: ")
        .append(args);
    return {nullptr, std::move(message)};
  }
  if (!arity_ok(spec->arity, argv.size())) {
    return {spec, "ERR wrong number of arguments for '" + spec->name + "' command"};
  }
  return {spec, {}};
}

void Engine::execute(Session& session, ArgList argv, Reply& reply) {
  AMBER_ASSERT(!argv.empty());
  Resolved resolved = resolve(argv);
  const CommandSpec* spec = resolved.spec;
  if (!resolved.error.empty()) {
    if (spec != nullptr) ++spec->rejected_calls;
    reject(session, spec, reply, resolved.error);
    return;
  }
  std::string gate_error;
  if (gate_ != nullptr && !gate_->admit(session, *spec, argv, &gate_error)) {
    ++spec->rejected_calls;
    reject(session, spec, reply, gate_error);
    return;
  }
  if (session.in_multi && (spec->flags & kCmdNoMulti)) {
    ++spec->rejected_calls;
    reject(session, spec, reply, errors::kNotAllowedInMulti);
    return;
  }
  if (session.in_multi && !(spec->flags & kCmdTransaction)) {
    queue(session, argv, reply);
    return;
  }
  call(session, *spec, argv, reply);
}

void Engine::reject(Session& session, const CommandSpec* spec, Reply& reply,
                    std::string_view error) {
  if (spec != nullptr && spec->name == "exec") {
    // A refused EXEC ends the transaction and drops WATCHes, inside MULTI or
    // not (Redis's execCommandAbort). Redis words its own "ERR" errors
    // without the code here.
    std::string message = "EXECABORT Transaction discarded because of: ";
    message.append(error.starts_with("ERR ") ? error.substr(4) : error);
    reply.error(message);
    count_error(reply.last_error());
    discard_transaction(session);
    return;
  }
  reply.error(error);
  count_error(reply.last_error());
  if (session.in_multi) session.multi_aborted = true;
}

void Engine::count_error(std::string_view message) {
  ++stats_.total_error_replies;
  std::string_view code = message.substr(0, message.find(' '));
  // Redis caps errorstats at 128 distinct codes; past that it stops adding.
  auto it = stats_.errorstats.find(std::string(code));
  if (it != stats_.errorstats.end()) {
    ++it->second;
  } else if (stats_.errorstats.size() < 128) {
    stats_.errorstats.emplace(std::string(code), 1);
  }
}

void Engine::call(Session& session, const CommandSpec& spec, ArgList argv, Reply& reply) {
  int64_t start_us = clock_.now_us();
  uint64_t errors_before = reply.errors();
  CommandContext ctx{*this, session, reply, argv, spec, start_us / 1000};
  if (propagation_.enabled()) {
    uint64_t dirty_before = stats_.dirty;
    Propagator::Frame saved = propagation_.enter();
    spec.handler(ctx);
    // EXEC's own op is never written: its commands are, as one unit. Only
    // a rise of `dirty` is a change (Redis's call() clamps at 0): SAVE and
    // DEBUG LOADAOF reset it and must not be written.
    propagation_.leave(std::move(saved), session.db, argv, stats_.dirty > dirty_before,
                       spec.name != "exec");
  } else {
    spec.handler(ctx);
  }
  ++spec.calls;
  ++stats_.total_commands_processed;
  spec.usec += static_cast<uint64_t>(std::max<int64_t>(0, clock_.now_us() - start_us));
  // EXEC's nested commands count their own errors.
  if (reply.errors() > errors_before && spec.name != "exec") {
    ++spec.failed_calls;
    count_error(reply.last_error());
  }
}

void Engine::queue(Session& session, ArgList argv, Reply& reply) {
  session.queued.emplace_back(argv.begin(), argv.end());
  reply.simple("QUEUED");
}

void Engine::cron() {
  if (options_.active_expire) active_expire_cycle(*this, /*fast=*/false);
  for (auto& db : dbs_) db->housekeeping();
}

void Engine::forget_session(Session& session) { unwatch_all(session); }

bool Engine::key_is_expired(const Entry* e, int64_t now_ms) const {
  return !loading_ && e->has_expire() && now_ms > e->expire_ms;
}

void Engine::expire_entry(int db, const Entry* e) {
  std::string key(e->key());
  dbs_[static_cast<size_t>(db)]->erase(key);
  ++stats_.expired_keys;
  signal_modified(db, key);
  if (propagation_.enabled()) {
    propagation_.also(db, {options_.lazyfree_lazy_expire ? "UNLINK" : "DEL", std::move(key)});
  }
}

Entry* Engine::lookup_write(int db, std::string_view key, int64_t now_ms) {
  Entry* e = dbs_[static_cast<size_t>(db)]->find(key);
  if (e == nullptr) return nullptr;
  if (key_is_expired(e, now_ms)) {
    expire_entry(db, e);
    return nullptr;
  }
  e->lru = lru_clock_at(now_ms);
  return e;
}

const Entry* Engine::lookup_read(int db, std::string_view key, int64_t now_ms) {
  const Entry* e = dbs_[static_cast<size_t>(db)]->find_for_read(key, lru_clock_at(now_ms));
  if (e != nullptr && key_is_expired(e, now_ms)) {
    expire_entry(db, e);
    e = nullptr;
  }
  count_read(e != nullptr);
  return e;
}

Entry* Engine::lookup_read_to_change(int db, std::string_view key, int64_t now_ms) {
  Entry* e = lookup_write(db, key, now_ms);
  count_read(e != nullptr);
  return e;
}

void Engine::count_read(bool hit) {
  if (hit) {
    ++stats_.keyspace_hits;
  } else {
    ++stats_.keyspace_misses;
  }
}

Entry* Engine::lookup_no_touch(int db, std::string_view key, int64_t now_ms) {
  Entry* e = dbs_[static_cast<size_t>(db)]->find(key);
  if (e == nullptr) return nullptr;
  if (key_is_expired(e, now_ms)) {
    expire_entry(db, e);
    return nullptr;
  }
  return e;
}

uint32_t Engine::lru_clock() const { return lru_clock_at(clock_.now_ms()); }

}  // namespace amber
