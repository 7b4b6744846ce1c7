// Micro-benchmarks of command execution through Engine::execute: the cost of
// dispatch (command lookup, arity, flags), the keyspace operation and the
// RESP reply, without sockets. GET/SET/INCR over a keyspace of 100,000 keys
// (redis-benchmark's -r 100000), keys chosen by a fixed-seed generator so
// runs are comparable.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/core/engine_harness.h"

namespace amber {
namespace {

constexpr int kKeyspace = 100000;

std::vector<std::string> make_keys() {
  std::vector<std::string> keys;
  keys.reserve(kKeyspace);
  for (int i = 0; i < kKeyspace; ++i) keys.push_back("key:" + std::to_string(i));
  return keys;
}

// Key indexes in a fixed pseudo-random order (xorshift; the benchmark must
// not depend on the engine's own Random).
std::vector<uint32_t> make_order(size_t n) {
  std::vector<uint32_t> order(n);
  uint64_t x = 88172645463325252ULL;
  for (auto& o : order) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    o = static_cast<uint32_t>(x % kKeyspace);
  }
  return order;
}

struct Fixture {
  Fixture() : keys(make_keys()), order(make_order(1 << 16)) {
    for (const auto& k : keys) run({"SET", k, "xxx"});
  }
  void run(const std::vector<std::string_view>& argv) {
    out.clear();
    Reply reply(&out, harness.session.protocol);
    harness.engine.execute(harness.session, argv, reply);
  }
  const std::string& key(size_t i) const { return keys[order[i & (order.size() - 1)]]; }

  EngineHarness harness;
  std::vector<std::string> keys;
  std::vector<uint32_t> order;
  std::string out;
};

void BM_EngineGet(benchmark::State& state) {
  Fixture f;
  size_t i = 0;
  for (auto _ : state) {
    f.run({"GET", f.key(i++)});
    benchmark::DoNotOptimize(f.out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineGet);

void BM_EngineSet(benchmark::State& state) {
  Fixture f;
  size_t i = 0;
  for (auto _ : state) {
    f.run({"SET", f.key(i++), "xxx"});
    benchmark::DoNotOptimize(f.out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineSet);

void BM_EngineIncr(benchmark::State& state) {
  Fixture f;
  for (const auto& k : f.keys) f.run({"SET", k, "0"});
  size_t i = 0;
  for (auto _ : state) {
    f.run({"INCR", f.key(i++)});
    benchmark::DoNotOptimize(f.out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineIncr);

// A missing key: the miss path (lookup, statistics, null reply).
void BM_EngineGetMissing(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    f.run({"GET", "no-such-key"});
    benchmark::DoNotOptimize(f.out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineGetMissing);

// MSET of 10 keys, as redis-benchmark's mset test sends.
void BM_EngineMset10(benchmark::State& state) {
  Fixture f;
  size_t i = 0;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    argv.assign({"MSET"});
    for (int k = 0; k < 10; ++k) {
      argv.push_back(f.key(i++));
      argv.push_back("xxx");
    }
    f.run(argv);
    benchmark::DoNotOptimize(f.out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineMset10);

}  // namespace
}  // namespace amber
