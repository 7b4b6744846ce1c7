// Random: the only source of randomness for the engine (RANDOMKEY, expiry
// sampling, hash seeds). Production seeds it once at start; tests and the
// simulator pass a fixed seed, so the same seed gives the same run.
#pragma once

#include <cstdint>

namespace amber {

class Random {
 public:
  Random() = default;
  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;
  virtual ~Random() = default;

  virtual uint64_t next_u64() = 0;

  // Uniform in [0, bound). REQUIRES: bound > 0.
  uint64_t uniform(uint64_t bound);
};

// xoshiro256** seeded through splitmix64: fast, good statistical quality, and
// fully determined by its seed.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed);
  uint64_t next_u64() override;

 private:
  uint64_t s_[4];
};

}  // namespace amber
