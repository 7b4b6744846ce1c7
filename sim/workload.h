// Workload: the seeded stream of client commands the simulator runs. A unit
// is one command or a transaction (MULTI, 1..4 commands, EXEC); units cover
// every write the reference model knows (model.h) over a small key space in
// databases 0..2, so that keys collide, expire, move and get renamed, with
// the occasional large value (up to ~100 KB) and FLUSHDB/FLUSHALL/SWAPDB.
// Same seed, same units.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/io/random.h"

namespace amber::sim {

struct WorkloadOptions {
  int keys = 16;                 // k0 .. k15
  int databases = 3;             // SELECT 0..2
  uint32_t large_per_mille = 4;  // values of 10..100 KB
};

using Argv = std::vector<std::string>;

class Workload {
 public:
  Workload(uint64_t seed, WorkloadOptions options = {});
  // The next unit: one command, or MULTI ... EXEC.
  std::vector<Argv> next_unit();

 private:
  Argv next_command();
  std::string key();
  std::string value();
  std::string number(int64_t lo, int64_t hi);

  SeededRandom rng_;
  WorkloadOptions options_;
};

}  // namespace amber::sim
