// AofWorkloadTest: the fixture the AOF rewrite and runtime-enable tests
// share, parameterised by aof-use-rdb-preamble: a temporary directory, an
// engine, a populated three-db dataset, a write of every kind picked by a
// number, and loading the directory back into another engine.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/io/executor.h"
#include "core/persist/aof_manager.h"
#include "tests/core/aof_test_util.h"
#include "tests/core/engine_harness.h"

namespace amber {

class AofWorkloadTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/amber-aof-workload-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    settings_.dir = dir_;
    settings_.fsync = AofFsync::kNo;  // durability is not what is tested here
    settings_.rdb_preamble = GetParam();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void run(std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    h_.run_vector(h_.session, views);
  }
  void populate() {
    for (int db = 0; db < 3; ++db) {
      run({"SELECT", std::to_string(db)});
      for (int i = 0; i < 1500; ++i) {
        run({"SET", "k" + std::to_string(i), "value-" + std::to_string(i * db)});
        if (i % 7 == 0) run({"EXPIRE", "k" + std::to_string(i), "100000"});
      }
    }
  }
  // A write of every kind, spread over the dbs, picked by `n`.
  void mutate(int n) {
    run({"SELECT", std::to_string(n % 3)});
    const std::string key = "k" + std::to_string((n * 37) % 1600);
    switch (n % 5) {
      case 0:
        run({"SET", key, "new-" + std::to_string(n)});
        break;
      case 1:
        run({"DEL", key});
        break;
      case 2:
        run({"APPEND", key, "+"});
        break;
      case 3:
        run({"PEXPIRE", key, "5000000"});
        break;
      case 4:
        run({"INCR", "counter"});
        break;
    }
  }
  // `steps` rounds of: a write of every kind (if `with_writes`), the group
  // commit, one small step of a rewrite that must still be running after it,
  // and the file jobs it queued. Callers wrap it in ASSERT_NO_FATAL_FAILURE.
  void step_running_rewrite(AofManager& m, QueuedExecutor& io, int steps, bool with_writes) {
    Status error;
    for (int n = 0; n < steps; ++n) {
      if (with_writes) mutate(n);
      ASSERT_TRUE(m.flush().ok());
      ASSERT_EQ(m.step_rewrite(4, &error), AofManager::RewriteState::kRunning);
      io.run_all();
    }
  }
  Status load(EngineHarness& h) {
    AofManager m(fs_, h.engine, settings_, nullptr, nullptr);
    AofLoadResult loaded;
    Status s = m.start(0, &loaded);
    if (s.ok()) s = m.stop();
    return s;
  }
  std::set<std::string> aof_files() {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_ + "/appendonlydir")) {
      names.insert(e.path().filename().string());
    }
    return names;
  }

  std::string dir_;
  AofSettings settings_;
  PosixFileSystem fs_;
  EngineHarness h_;
};

}  // namespace amber
