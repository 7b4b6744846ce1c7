// A test engine with a manual clock and a fixed seed, and a one-call way to
// run a command and get its raw RESP reply.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.h"

namespace amber {

struct EngineHarness {
  explicit EngineHarness(uint64_t seed = 1, EngineOptions options = {})
      : random(seed), engine(options, clock, random) {}

  // Runs one command for `s` (default: the harness's own session) and
  // returns the reply bytes.
  std::string run(std::initializer_list<std::string_view> argv) { return run(session, argv); }
  std::string run(Session& s, std::initializer_list<std::string_view> argv) {
    std::vector<std::string_view> args(argv);
    return run_vector(s, args);
  }
  std::string run_vector(Session& s, const std::vector<std::string_view>& args) {
    std::string out;
    Reply reply(&out, s.protocol);
    engine.execute(s, args, reply);
    return out;
  }

  ManualClock clock;
  SeededRandom random;
  Engine engine;
  Session session;
};

}  // namespace amber
