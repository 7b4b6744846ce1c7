// EmulatedRegion: a Region that emulates persistent memory on any machine and
// produces the crash images the tests and the simulator check recovery on.
//
// The durable image is a file mapped with Boost.Interprocess (or, for tests,
// an in-memory buffer). The program works on a volatile copy: base() points
// into it, so stores never reach the image by themselves. flush() snapshots
// the covered 64-byte cache lines, drain() writes those snapshots to the image
// — so killing the process at any instant is an exact power failure: the
// image holds exactly what was persisted.
//
// Crash model (what a crash image may contain): every line that was drained
// holds its flushed bytes; every other line whose volatile bytes differ from
// the image ("dirty") independently did or did not reach the media — as a
// whole line, or per 8-byte word at word granularity (the failure-atomic
// unit). A dirty line that reached the media holds its current volatile
// bytes. A line flushed and then stored to again before the drain may also
// hold, per unit, the bytes it had when flushed: the seeded crash_image()
// includes that middle state, the explicit one (for exhaustive
// enumeration) does not. With an eviction seed, drain() also writes back
// random dirty lines early, as a cache evicting them would (at random
// drains: a real cache evicts at any moment, so evicting at some drains
// only is no weaker a model, while a pass over the region at every drain
// is what a simulated run would mostly spend its time on).
//
// Threads: one thread at a time. Not for production durability: the copy to
// the image is a memcpy, and the file is never msync'ed (a killed process
// keeps its page cache; a power failure of the host is out of scope).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/io/random.h"
#include "nvm/region.h"

namespace amber::nvm {

enum class CrashGranularity { kLine, kWord };

class EmulatedRegion final : public Region {
 public:
  // Maps `path` as the durable image, creating it zero-filled with
  // `size_bytes` if missing. REQUIRES: size_bytes is a multiple of 64 (or 0
  // for an existing file, which then must have such a size).
  static Status open_file(const std::string& path, size_t size_bytes,
                          std::unique_ptr<EmulatedRegion>* region);
  // An in-memory image (e.g. a crash image) as the durable media.
  // REQUIRES: image.size() is a non-zero multiple of 64.
  static std::unique_ptr<EmulatedRegion> from_image(std::string image);
  ~EmulatedRegion() override;

  char* base() override { return volatile_; }
  size_t size_bytes() const override { return size_bytes_; }
  bool is_pmem() const override { return true; }
  void flush(const void* ptr, size_t len) override;
  void drain() override;
  Status health() const override { return Status(); }

  // --- Crash injection (tests and simulator) ---

  // Called at the start of every drain(), before the flushed lines reach the
  // image: the points at which a test takes crash images.
  void set_drain_hook(std::function<void()> hook) { drain_hook_ = std::move(hook); }
  const std::function<void()>& drain_hook() const { return drain_hook_; }
  // From now on drain() also writes back dirty lines early: at a drain
  // chosen with probability 1 / one_drain_in, each dirty line with
  // probability per_mille / 1000, both by a generator seeded with `seed`.
  // Finding the dirty lines costs a pass over the region, so an eviction at
  // fewer drains makes a simulated run that much cheaper.
  void set_eviction(uint64_t seed, uint32_t per_mille, uint32_t one_drain_in = 1);

  // The durable bytes as they are now.
  const char* image() const { return image_; }
  std::string image_copy() const { return std::string(image_, size_bytes_); }
  // The durable bytes of an in-memory image (from_image), moved out: the
  // region must not be used afterwards.
  std::string take_image() &&;
  // Indexes of the lines (kLine) or 8-byte words (kWord) whose volatile
  // bytes differ from the image, ascending.
  std::vector<size_t> dirty_units(CrashGranularity granularity) const;
  // The image after a crash in which exactly the dirty units `units[i]` with
  // reached[i] set reached the media. REQUIRES: units from dirty_units().
  std::string crash_image(CrashGranularity granularity, const std::vector<size_t>& units,
                          const std::vector<bool>& reached) const;
  // A crash image where each dirty unit reached the media with probability
  // 1/2, and each unit of a line flushed but not drained holds its bytes at
  // flush time with probability 1/3, chosen by `seed`.
  std::string crash_image(uint64_t seed, CrashGranularity granularity) const;

 private:
  struct FileMapping;
  EmulatedRegion(size_t size_bytes, char* image, std::unique_ptr<FileMapping> file,
                 std::string owned_image);
  static size_t unit_bytes(CrashGranularity granularity) {
    return granularity == CrashGranularity::kLine ? kCacheLineBytes : 8;
  }
  void evict_some();
  bool line_differs(size_t at) const;
  // Calls fn(line) for each line whose volatile bytes differ from the
  // image, ascending.
  template <typename Fn>
  void for_each_dirty_line(Fn&& fn) const;

  size_t size_bytes_;
  std::unique_ptr<FileMapping> file_;  // null for an in-memory image
  std::string owned_image_;            // the in-memory image
  char* image_;                        // the durable bytes
  char* volatile_;                     // what the program reads and writes
  // Flushed lines and their bytes at flush time, waiting for drain().
  std::vector<std::pair<size_t, std::string>> pending_;
  std::function<void()> drain_hook_;
  std::unique_ptr<SeededRandom> eviction_random_;
  uint32_t eviction_per_mille_ = 0;
  uint32_t eviction_one_drain_in_ = 1;
};

}  // namespace amber::nvm
