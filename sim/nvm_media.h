// NvmMedia: the simulated machine's persistent memory — the durable images
// of NVM mode's region files (log, store, and the copies they grow into).
// Like SimFs's disk it belongs to the simulation, not to the Host: a crash
// destroys the process and its regions, the images survive, and the next
// Host opens regions over them. The files themselves (names, sizes) live in
// SimFs; an image belongs to a file (its SimFs inode), so a rename carries
// it and a new file starts as zeros.
//
//   open(file, size)   ─> an EmulatedRegion over the file's image, made the
//                         file's size: zeros where it had none, cut where a
//                         power failure took the file's size back (a size
//                         not synced takes its bytes with it), with seeded
//                         cache eviction (for half of the regions opened)
//   every drain()      ─> a crash point (the region's drain hook), before
//                         the flushed lines reach the image
//   boundary()         ─> a crash point between event-loop batches
//   crash at point N   ─> each live region's crash_image(seed, kWord): the
//                         drained bytes plus each dirty 8-byte word
//                         (flushed-not-drained or never flushed)
//                         independently reached the media or not; the
//                         process is dead from then on (crashed())
//   power_failure()    ─> those crash images become the media
//
// Single-threaded; deterministic for a seed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/io/random.h"
#include "core/status.h"
#include "nvm/emulated_region.h"
#include "nvm/nvm_persistence.h"

namespace amber::sim {

class NvmMedia {
 public:
  explicit NvmMedia(uint64_t seed);
  ~NvmMedia();
  NvmMedia(const NvmMedia&) = delete;
  NvmMedia& operator=(const NvmMedia&) = delete;

  // A region over the image of the file `file_id` (its SimFs inode), of
  // the file's size `file_bytes`. REQUIRES: no live region on the file.
  Status open(uint64_t file_id, size_t file_bytes, std::unique_ptr<nvm::Region>* region);
  // The nvm-size of the next start: `base`, raised by half of it now and
  // then (at most 4x), as an operator does when the store fills up.
  size_t size_for_start(size_t base);
  // Region files grown (the server's copy-and-rename, through SimFs).
  void note_growth() { ++growths_; }
  uint64_t growths() const { return growths_; }

  // The process dies at crash point number `point` (points() counts them
  // from 1: every drain of a live region and every boundary()). 0: never.
  void set_crash_at_point(uint64_t point) { crash_at_point_ = point; }
  uint64_t points() const { return points_; }
  // A crash point between two batches (after the replies left).
  void boundary() { crash_point(); }
  // Called when the process dies here: the simulation stops the disk too
  // (SimFs), so that nothing the dead process still runs reaches it.
  void set_on_crash(std::function<void()> on_crash) { on_crash_ = std::move(on_crash); }
  // The process dies now (if it has not already).
  void crash_now();
  bool crashed() const { return crashed_; }
  // Power failure: the crash images become the media. REQUIRES: crashed(),
  // no live region (the Host is gone). Clears crashed().
  void power_failure();

  // This media's images become copies of `other`'s (a second recovery of
  // the same crash), and its nvm-size `other`'s, never raised: a second
  // recovery must not grow the files under the first one's feet (they
  // share SimFs). REQUIRES: no live region here.
  void copy_images_from(const NvmMedia& other);

  uint64_t drains() const { return drains_; }
  // Mixes every crash image; same seed, same digest.
  uint64_t digest() const { return digest_; }

 private:
  class SimRegion;
  struct Slot {
    std::string image;  // the media while no region is live
    nvm::EmulatedRegion* live = nullptr;
    std::string crash_image;
    bool has_crash_image = false;
  };

  void crash_point();
  void on_drain() {
    ++drains_;
    crash_point();
  }
  void closed(uint64_t file_id);

  SeededRandom random_;
  SeededRandom size_random_;  // apart, so that growing leaves random_'s draws as they were
  size_t configured_bytes_ = 0;
  uint64_t growths_ = 0;
  uint32_t eviction_per_mille_;
  std::map<uint64_t, Slot> slots_;  // by file (SimFs inode)
  bool fixed_size_ = false;         // copy_images_from: nvm-size is not raised
  uint64_t points_ = 0;
  uint64_t crash_at_point_ = 0;
  uint64_t drains_ = 0;
  bool crashed_ = false;
  uint64_t digest_ = 0;
  std::function<void()> on_crash_;
};

}  // namespace amber::sim
