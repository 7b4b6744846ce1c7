// The simulated server process (see host.h). Only what the event loop does
// around the engine is here; the persistence itself is the real core code,
// driven through PersistenceUnderTest.
#include "sim/host.h"

namespace amber::sim {

namespace {
EngineOptions engine_options() {
  EngineOptions options;
  options.databases = 16;
  options.hz = 10;
  return options;
}
}  // namespace

Host::Host(SimFs& fs, ManualClock& clock, uint64_t seed, const PersistenceSettings& settings,
           HostHooks hooks)
    : random_(seed),
      engine_(engine_options(), clock, random_),
      sessions_(kClients),
      fsync_executor_(clock),
      bg_executor_(clock) {
  for (int i = 0; i < kClients; ++i)
    sessions_[static_cast<size_t>(i)].id = static_cast<uint64_t>(i + 1);
  engine_.set_gate(this);
  PersistenceEnv env{fs,
                     engine_,
                     fsync_executor_,
                     bg_executor_,
                     hooks.steps,
                     hooks.snapshot_started,
                     hooks.snapshot_completed,
                     hooks.nvm_media};
  persistence_ = make_persistence(settings, std::move(env));
}

Host::~Host() {
  persistence_.reset();
  engine_.set_gate(nullptr);
}

bool Host::admit(Session& session, const CommandSpec& spec, ArgList argv, std::string* error) {
  if (persistence_->deny_writes(spec, error) ||
      persistence_->deny_unit(session, spec, argv, error)) {
    denied_ = true;
    return false;
  }
  return true;
}

Host::Outcome Host::execute(int client, const std::vector<std::string>& argv) {
  std::vector<std::string_view> args(argv.begin(), argv.end());
  Outcome out;
  Session& s = session(client);
  Reply reply(&out.reply, s.protocol);
  denied_ = false;
  engine_.execute(s, args, reply);
  out.admitted = !denied_;
  return out;
}

void Host::cron() {
  engine_.cron();
  persistence_->cron();
}

}  // namespace amber::sim
