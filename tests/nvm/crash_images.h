// Crash-image production for the NVM crash tests: at a crash point, every
// image a power failure could leave. Exhaustive (every subset of the dirty
// cache lines, as PMEM model checkers enumerate) when there are few enough
// dirty lines, plus seeded random images at line and 8-byte-word
// granularity (some with flushed-then-overwritten words as flushed).
// Regions crash together: the units of all of them are enumerated as one
// set.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/io/random.h"
#include "nvm/emulated_region.h"

namespace amber::nvm::testing {

struct CrashImageOptions {
  size_t max_exhaustive_units = 12;  // 2^12 images at most per crash point
  size_t random_images = 16;         // per granularity, beyond the exhaustive set
};

// Calls check(images) with one image per region for every crash image of
// `regions` in their current state. Returns how many were checked.
inline size_t for_each_crash_image(
    const std::vector<EmulatedRegion*>& regions, uint64_t seed, const CrashImageOptions& options,
    const std::function<void(const std::vector<std::string>&)>& check) {
  size_t checked = 0;
  std::vector<std::vector<size_t>> lines(regions.size());
  size_t total_lines = 0;
  for (size_t r = 0; r < regions.size(); ++r) {
    lines[r] = regions[r]->dirty_units(CrashGranularity::kLine);
    total_lines += lines[r].size();
  }
  auto image_set = [&](CrashGranularity granularity, const std::vector<std::vector<size_t>>& units,
                       const std::function<bool(size_t)>& reached) {
    std::vector<std::string> images;
    size_t bit = 0;
    for (size_t r = 0; r < regions.size(); ++r) {
      std::vector<bool> flags(units[r].size());
      for (size_t i = 0; i < flags.size(); ++i) flags[i] = reached(bit++);
      images.push_back(regions[r]->crash_image(granularity, units[r], flags));
    }
    check(images);
    ++checked;
  };
  if (total_lines <= options.max_exhaustive_units) {
    for (uint64_t mask = 0; mask < (uint64_t{1} << total_lines); ++mask) {
      image_set(CrashGranularity::kLine, lines, [mask](size_t bit) { return (mask >> bit) & 1; });
    }
  } else {
    SeededRandom random(seed);
    for (size_t i = 0; i < options.random_images; ++i) {
      image_set(CrashGranularity::kLine, lines,
                [&random](size_t) { return random.next_u64() & 1; });
    }
  }
  std::vector<std::vector<size_t>> words(regions.size());
  for (size_t r = 0; r < regions.size(); ++r) {
    words[r] = regions[r]->dirty_units(CrashGranularity::kWord);
  }
  SeededRandom random(seed ^ 0x5bd1e995);
  for (size_t i = 0; i < options.random_images; ++i) {
    image_set(CrashGranularity::kWord, words, [&random](size_t) { return random.next_u64() & 1; });
  }
  // The seeded images also hold, in lines flushed and stored to again
  // before the drain, the words as they were flushed.
  for (size_t i = 0; i < options.random_images; ++i) {
    std::vector<std::string> images;
    for (EmulatedRegion* region : regions) {
      images.push_back(region->crash_image(random.next_u64(), CrashGranularity::kWord));
    }
    check(images);
    ++checked;
  }
  return checked;
}

}  // namespace amber::nvm::testing
