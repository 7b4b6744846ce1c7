// The simulator's command mix (see workload.h). Weights favour plain writes
// (SET/INCR/APPEND) so the AOF grows and rewrites fire, with enough expiry
// commands and short TTLs that keys expire during a run and across crashes,
// and rare whole-database commands that exercise copy-on-write snapshots.
#include "sim/workload.h"

namespace amber::sim {

Workload::Workload(uint64_t seed, WorkloadOptions options)
    : rng_(seed ^ 0x776f726b6c6f6164ULL), options_(options) {}

std::string Workload::key() {
  return "k" + std::to_string(rng_.uniform(static_cast<uint64_t>(options_.keys)));
}

std::string Workload::number(int64_t lo, int64_t hi) {
  return std::to_string(lo +
                        static_cast<int64_t>(rng_.uniform(static_cast<uint64_t>(hi - lo + 1))));
}

std::string Workload::value() {
  uint64_t r = rng_.uniform(1000);
  if (r < options_.large_per_mille) {
    size_t n = 10'000 + rng_.uniform(90'000);
    return std::string(n, static_cast<char>('a' + rng_.uniform(26)));
  }
  if (r < 400) return number(-50, 500);
  if (r < 450) {
    std::string v(100 + rng_.uniform(1500), 'm');
    v[rng_.uniform(v.size())] = static_cast<char>('A' + rng_.uniform(26));
    return v;
  }
  std::string v;
  size_t n = 1 + rng_.uniform(12);
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<char>('a' + rng_.uniform(26)));
  return v;
}

Argv Workload::next_command() {
  const uint64_t r = rng_.uniform(100);
  if (r < 22) {
    Argv argv{"SET", key(), value()};
    uint64_t ttl = rng_.uniform(8);
    if (ttl == 0) argv.insert(argv.end(), {"EX", number(1, 4)});
    if (ttl == 1) argv.insert(argv.end(), {"PX", number(1, 3000)});
    if (ttl == 2) argv.push_back("KEEPTTL");
    uint64_t cond = rng_.uniform(6);
    if (cond == 0) argv.push_back("NX");
    if (cond == 1) argv.push_back("XX");
    return argv;
  }
  if (r < 36) return {"INCR", key()};
  if (r < 44) return {"APPEND", key(), value()};
  if (r < 48) return {"SETRANGE", key(), number(0, 40), value()};
  if (r < 54) return {"DEL", key()};
  if (r < 60) return {"EXPIRE", key(), number(1, 5)};
  if (r < 65) return {"PEXPIRE", key(), number(-5, 2500)};
  if (r < 68) return {"PERSIST", key()};
  if (r < 72) return {"RENAME", key(), key()};
  if (r < 75) {
    Argv argv{"COPY", key(), key()};
    if (rng_.uniform(2) == 0) argv.push_back("REPLACE");
    return argv;
  }
  if (r < 78) return {"MOVE", key(), number(0, options_.databases - 1)};
  if (r < 84) return {"SELECT", number(0, options_.databases - 1)};
  if (r < 89) return {"GET", key()};
  if (r < 90) return {"FLUSHDB"};
  if (r == 90 && rng_.uniform(4) == 0) return {"FLUSHALL"};
  if (r < 93)
    return {"SWAPDB", number(0, options_.databases - 1), number(0, options_.databases - 1)};
  return {"SET", key(), value()};
}

std::vector<Argv> Workload::next_unit() {
  if (rng_.uniform(12) != 0) return {next_command()};
  std::vector<Argv> unit{{"MULTI"}};
  const uint64_t n = 1 + rng_.uniform(4);
  for (uint64_t i = 0; i < n; ++i) unit.push_back(next_command());
  unit.push_back({"EXEC"});
  return unit;
}

}  // namespace amber::sim
