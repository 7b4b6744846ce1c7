// The simulated persistent memory (see nvm_media.h). A crash is taken at
// the start of a drain — the moment the program waits for its flushed
// lines — or between batches, and the image is EmulatedRegion's word-level
// crash model: Region's contract promises no more than that (8-byte
// failure atomicity, durability only after drain), so recovery must cope
// with every such image. Eviction writes dirty lines back early, as a
// cache would, so crash images also hold lines the program never flushed,
// and a line flushed and then stored to again before the drain may hold
// the bytes it was flushed with.
//
// Not modelled: media errors (EmulatedRegion has none).
#include "sim/nvm_media.h"

#include <xxhash.h>

#include "core/assert.h"

namespace amber::sim {

namespace {
constexpr uint32_t kEvictionOneDrainIn = 8;
}  // namespace

// The Region the process holds: the EmulatedRegion, and a note to the media
// when the process lets go of it (its end).
class NvmMedia::SimRegion final : public nvm::Region {
 public:
  SimRegion(NvmMedia* media, uint64_t file_id, std::unique_ptr<nvm::EmulatedRegion> region)
      : media_(media), file_id_(file_id), region_(std::move(region)) {}
  ~SimRegion() override { media_->closed(file_id_); }

  char* base() override { return region_->base(); }
  size_t size_bytes() const override { return region_->size_bytes(); }
  bool is_pmem() const override { return region_->is_pmem(); }
  void flush(const void* ptr, size_t len) override { region_->flush(ptr, len); }
  void drain() override { region_->drain(); }
  Status health() const override { return region_->health(); }

 private:
  NvmMedia* media_;
  uint64_t file_id_;
  std::unique_ptr<nvm::EmulatedRegion> region_;
};

NvmMedia::NvmMedia(uint64_t seed)
    : random_(seed ^ 0x6e766d6d65646961ULL), size_random_(seed ^ 0x73697a65ULL) {
  // Runs evict at one drain in kEvictionOneDrainIn, each dirty line with
  // probability 8..400 per mille: per drain, 1..50 per mille on average.
  eviction_per_mille_ = 8 + static_cast<uint32_t>(random_.uniform(393));
}

NvmMedia::~NvmMedia() {
  for (const auto& [file_id, slot] : slots_) AMBER_ASSERT(slot.live == nullptr);
}

Status NvmMedia::open(uint64_t file_id, size_t file_bytes, std::unique_ptr<nvm::Region>* region) {
  Slot& slot = slots_[file_id];
  AMBER_ASSERT(slot.live == nullptr);
  if (file_bytes < 64) return Status::invalid_argument("nvm region file too small to map");
  slot.image.resize(file_bytes, '\0');
  std::unique_ptr<nvm::EmulatedRegion> emulated = nvm::EmulatedRegion::from_image(slot.image);
  emulated->set_drain_hook([this] { on_drain(); });
  // An eviction pass compares the whole region with its image: half of the
  // regions opened have eviction, and it runs at one drain in
  // kEvictionOneDrainIn, which keeps it from being the simulator's main cost.
  if (random_.uniform(2) == 0) {
    emulated->set_eviction(random_.next_u64(), eviction_per_mille_, kEvictionOneDrainIn);
  }
  slot.live = emulated.get();
  *region = std::make_unique<SimRegion>(this, file_id, std::move(emulated));
  return Status();
}

size_t NvmMedia::size_for_start(size_t base) {
  if (configured_bytes_ == 0) configured_bytes_ = base;
  if (!fixed_size_ && configured_bytes_ < 4 * base && size_random_.uniform(8) == 0) {
    configured_bytes_ += base / 2;
  }
  return configured_bytes_;
}

void NvmMedia::copy_images_from(const NvmMedia& other) {
  for (const auto& [file_id, slot] : slots_) AMBER_ASSERT(slot.live == nullptr);
  slots_.clear();
  for (const auto& [file_id, slot] : other.slots_) slots_[file_id].image = slot.image;
  configured_bytes_ = other.configured_bytes_;
  fixed_size_ = true;
}

void NvmMedia::closed(uint64_t file_id) {
  Slot& slot = slots_[file_id];
  // A process that ends without a power failure leaves what it persisted.
  if (!crashed_) slot.image = std::move(*slot.live).take_image();
  slot.live = nullptr;
}

void NvmMedia::crash_point() {
  ++points_;
  if (points_ == crash_at_point_) crash_now();
}

void NvmMedia::crash_now() {
  if (crashed_) return;
  crashed_ = true;
  for (auto& [file_id, slot] : slots_) {
    slot.crash_image = slot.live != nullptr ? slot.live->crash_image(random_.next_u64(),
                                                                     nvm::CrashGranularity::kWord)
                                            : slot.image;
    slot.has_crash_image = true;
    digest_ = XXH64(slot.crash_image.data(), slot.crash_image.size(), digest_ + points_);
  }
  if (on_crash_) on_crash_();
}

void NvmMedia::power_failure() {
  AMBER_ASSERT(crashed_);
  for (auto& [file_id, slot] : slots_) {
    AMBER_ASSERT(slot.live == nullptr);
    if (slot.has_crash_image) slot.image = std::move(slot.crash_image);
    slot.crash_image.clear();
    slot.has_crash_image = false;
  }
  crashed_ = false;
  crash_at_point_ = 0;
}

}  // namespace amber::sim
