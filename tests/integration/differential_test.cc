// The differential test: random command sequences (diff_commands.h) run
// against a real redis-server 7.0 and against amber-server, and every reply
// must match (diff_compare.h says where "match" is looser than byte
// equality, and why). rapidcheck shrinks a failing sequence and prints the
// seed; `RC_PARAMS="seed=N"` replays it.
//
// Binaries: amber-server's path comes from CMake (AMBER_SERVER_BINARY);
// redis-server is found on PATH. AMBER_DIFF_SUBJECT / AMBER_DIFF_REFERENCE
// override them (running redis-server against itself checks the test);
// AMBER_DIFF_TRACE=1 prints every case's transcript.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "tests/integration/diff_commands.h"
#include "tests/integration/diff_runner.h"
#include "tests/integration/server_process.h"

namespace amber::testing {
namespace {

constexpr int kStartDeadlineMs = 10000;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

TEST(Differential, RepliesMatchRedis) {
  ServerProcess reference(env_or("AMBER_DIFF_REFERENCE", "redis-server"));
  ServerProcess subject(env_or("AMBER_DIFF_SUBJECT", AMBER_SERVER_BINARY));
  std::string error;
  ASSERT_TRUE(reference.start(kStartDeadlineMs, &error)) << error;
  ASSERT_TRUE(subject.start(kStartDeadlineMs, &error)) << error;
  DiffRunner runner(reference.port(), subject.port());
  ASSERT_TRUE(runner.connect(&error)) << error;
  runner.set_trace(!env_or("AMBER_DIFF_TRACE", "").empty());

  bool ok = rc::check("replies of amber-server match redis-server", [&] {
    auto steps = *rc::gen::container<std::vector<Step>>(gen_step());
    std::string failure = runner.run_case(steps);
    if (!failure.empty()) RC_FAIL(failure);
  });
  EXPECT_TRUE(ok) << "reproduce with RC_PARAMS=\"seed=<seed printed above>\"";
}

// Bounds the run unless the caller chose: rapidcheck reads RC_PARAMS once,
// so defaults are added to the environment before the first property runs.
void set_default_rc_params() {
  std::string params = env_or("RC_PARAMS", "");
  if (params.find("max_success") == std::string::npos) params += " max_success=1000";
  if (params.find("max_size") == std::string::npos) params += " max_size=60";
  ::setenv("RC_PARAMS", params.c_str(), 1);
}

}  // namespace
}  // namespace amber::testing

int main(int argc, char** argv) {
  amber::testing::set_default_rc_params();
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
