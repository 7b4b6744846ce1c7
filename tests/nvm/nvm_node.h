// Test helpers for NvmPersistence: a temporary directory, one server
// lifetime (Node: an engine plus the NVM mode recovered into it, on
// EmulatedRegion files, so dropping it is a crash), and keyspace dumps.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "nvm/nvm_persistence.h"
#include "tests/core/engine_harness.h"

namespace amber::nvm {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/amber-nvmp-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

using Keyspace = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

// Every key with its value (offloaded values read from the store, not
// brought back).
inline Keyspace dump(Engine& engine) {
  Keyspace out;
  EntryScratch scratch;
  for (int db = 0; db < engine.db_count(); ++db) {
    engine.db(db).for_each([&](Entry* stored) {
      const Entry& e = engine.db(db).readable(*stored, &scratch);
      out[{db, std::string(e.key())}] = {std::string(e.value()), e.expire_ms};
    });
  }
  return out;
}

// One server lifetime: an engine plus the NVM mode recovered into it.
struct Node {
  Node(const std::string& dir, uint64_t size_bytes, int64_t now_us)
      : Node(NvmOptions{.dir = dir, .size_bytes = size_bytes, .backend = NvmBackend::kEmulated},
             now_us) {}
  Node(const NvmOptions& options, int64_t now_us) {
    h.clock.set_us(now_us);
    nvm = std::make_unique<NvmPersistence>(options);
    status = nvm->recover(h.engine);
  }
  std::string run(std::initializer_list<std::string_view> argv) { return h.run(argv); }

  EngineHarness h;
  std::unique_ptr<NvmPersistence> nvm;
  Status status;
};

constexpr uint64_t kSmallBytes = 1 << 20;

// Folds the whole durable log into the store (what the host's steps do over
// time), after completing the fill (the replayer waits for it).
inline void replay_all(NvmPersistence& nvm) {
  ASSERT_TRUE(nvm.finish_fill().ok());
  for (int i = 0; i < 10000 && nvm.replay_lag_bytes() > 0; ++i) ASSERT_TRUE(nvm.step().ok());
  ASSERT_EQ(nvm.replay_lag_bytes(), 0u);
}

// Resident keys only: never completes a fill.
inline size_t resident_keys(Engine& engine) {
  size_t n = 0;
  for (int db = 0; db < engine.db_count(); ++db) n += engine.db(db).resident_size();
  return n;
}

}  // namespace amber::nvm
