// The mode table: names, promises, and which implementation plays each mode.
#include "sim/persistence_under_test.h"

namespace amber::sim {

std::unique_ptr<PersistenceUnderTest> make_aof_under_test(const PersistenceSettings& settings,
                                                          PersistenceEnv env);
std::unique_ptr<PersistenceUnderTest> make_snapshot_under_test(const PersistenceSettings& settings,
                                                               PersistenceEnv env);
std::unique_ptr<PersistenceUnderTest> make_nvm_under_test(const PersistenceSettings& settings,
                                                          PersistenceEnv env);

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::kAlways:
      return "always";
    case Mode::kEverysec:
      return "everysec";
    case Mode::kNo:
      return "no";
    case Mode::kSnapshot:
      return "snapshot";
    case Mode::kNvm:
      return "nvm";
  }
  return "?";
}

bool parse_mode(const std::string& name, Mode* mode) {
  for (Mode m : {Mode::kAlways, Mode::kEverysec, Mode::kNo, Mode::kSnapshot, Mode::kNvm}) {
    if (name == mode_name(m)) {
      *mode = m;
      return true;
    }
  }
  return false;
}

Promise promise_of(Mode mode) {
  switch (mode) {
    case Mode::kAlways:
      return Promise::kEveryAcked;
    case Mode::kEverysec:
      return Promise::kAckedBefore2s;
    case Mode::kNo:
      return Promise::kAnyPrefix;
    case Mode::kSnapshot:
      return Promise::kLastSnapshot;
    case Mode::kNvm:
      return Promise::kEveryAcked;  // DESIGN.md: NVM promises what `always` does
  }
  return Promise::kAnyPrefix;
}

std::unique_ptr<PersistenceUnderTest> make_persistence(const PersistenceSettings& settings,
                                                       PersistenceEnv env) {
  if (settings.mode == Mode::kSnapshot) return make_snapshot_under_test(settings, std::move(env));
  if (settings.mode == Mode::kNvm) return make_nvm_under_test(settings, std::move(env));
  return make_aof_under_test(settings, std::move(env));
}

}  // namespace amber::sim
