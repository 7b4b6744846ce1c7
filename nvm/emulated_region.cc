// EmulatedRegion: a volatile working copy in front of a durable image, with
// the cache-line write-back rules of x86 persistent memory (see the header
// for the crash model). Dirty lines are found by comparing the working copy
// with the image, which costs a pass over the region: only crash-image
// production and eviction do it, never flush/drain.
#include "nvm/emulated_region.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/assert.h"

namespace amber::nvm {

namespace bip = boost::interprocess;

struct EmulatedRegion::FileMapping {
  bip::file_mapping file;
  bip::mapped_region mapping;
};

namespace {

Status create_zero_file(const std::string& path, size_t size_bytes) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status::io_error("cannot create " + path + ": " + std::strerror(errno), errno);
  int rc = ::ftruncate(fd, static_cast<off_t>(size_bytes));
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::io_error("cannot size " + path + ": " + std::strerror(err), err);
  return Status();
}

}  // namespace

Status EmulatedRegion::open_file(const std::string& path, size_t size_bytes,
                                 std::unique_ptr<EmulatedRegion>* region) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (size_bytes == 0 || size_bytes % kCacheLineBytes != 0) {
      return Status::invalid_argument("emulated region " + path + ": bad size " +
                                      std::to_string(size_bytes));
    }
    AMBER_RETURN_IF_ERROR(create_zero_file(path, size_bytes));
  } else if (size_bytes != 0 && static_cast<size_t>(st.st_size) != size_bytes) {
    return Status::invalid_argument("emulated region " + path + " has " +
                                    std::to_string(st.st_size) + " bytes, configured " +
                                    std::to_string(size_bytes));
  } else {
    size_bytes = static_cast<size_t>(st.st_size);
    if (size_bytes == 0 || size_bytes % kCacheLineBytes != 0) {
      return Status::corruption("emulated region " + path + " has a size that is not a " +
                                "multiple of 64: " + std::to_string(size_bytes));
    }
  }
  auto file = std::make_unique<FileMapping>();
  try {
    file->file = bip::file_mapping(path.c_str(), bip::read_write);
    file->mapping = bip::mapped_region(file->file, bip::read_write, 0, size_bytes);
  } catch (const bip::interprocess_exception& e) {
    return Status::io_error("cannot map emulated region " + path + ": " + e.what());
  }
  char* image = static_cast<char*>(file->mapping.get_address());
  region->reset(new EmulatedRegion(size_bytes, image, std::move(file), std::string()));
  return Status();
}

std::unique_ptr<EmulatedRegion> EmulatedRegion::from_image(std::string image) {
  AMBER_ASSERT(!image.empty() && image.size() % kCacheLineBytes == 0);
  size_t size = image.size();
  return std::unique_ptr<EmulatedRegion>(
      new EmulatedRegion(size, nullptr, nullptr, std::move(image)));
}

EmulatedRegion::EmulatedRegion(size_t size_bytes, char* image, std::unique_ptr<FileMapping> file,
                               std::string owned_image)
    : size_bytes_(size_bytes), file_(std::move(file)), owned_image_(std::move(owned_image)) {
  image_ = image != nullptr ? image : owned_image_.data();
  volatile_ = static_cast<char*>(std::aligned_alloc(kCacheLineBytes, size_bytes_));
  AMBER_ASSERT(volatile_ != nullptr);
  std::memcpy(volatile_, image_, size_bytes_);
}

EmulatedRegion::~EmulatedRegion() { std::free(volatile_); }

std::string EmulatedRegion::take_image() && {
  AMBER_ASSERT(file_ == nullptr);
  image_ = nullptr;
  return std::move(owned_image_);
}

void EmulatedRegion::flush(const void* ptr, size_t len) {
  const char* p = static_cast<const char*>(ptr);
  AMBER_ASSERT(p >= volatile_ && contains(p - volatile_, len));
  if (len == 0) return;
  size_t first = static_cast<size_t>(p - volatile_) / kCacheLineBytes;
  size_t last = (static_cast<size_t>(p - volatile_) + len - 1) / kCacheLineBytes;
  for (size_t line = first; line <= last; ++line) {
    pending_.emplace_back(line, std::string(volatile_ + line * kCacheLineBytes, kCacheLineBytes));
  }
}

void EmulatedRegion::drain() {
  if (drain_hook_) drain_hook_();
  for (const auto& [line, bytes] : pending_) {
    std::memcpy(image_ + line * kCacheLineBytes, bytes.data(), kCacheLineBytes);
  }
  pending_.clear();
  if (eviction_random_ &&
      (eviction_one_drain_in_ == 1 || eviction_random_->uniform(eviction_one_drain_in_) == 0)) {
    evict_some();
  }
}

void EmulatedRegion::set_eviction(uint64_t seed, uint32_t per_mille, uint32_t one_drain_in) {
  AMBER_ASSERT(one_drain_in > 0);
  eviction_random_ = std::make_unique<SeededRandom>(seed);
  eviction_per_mille_ = per_mille;
  eviction_one_drain_in_ = one_drain_in;
}

void EmulatedRegion::evict_some() {
  for_each_dirty_line([this](size_t line) {
    if (eviction_random_->uniform(1000) < eviction_per_mille_) {
      size_t at = line * kCacheLineBytes;
      std::memcpy(image_ + at, volatile_ + at, kCacheLineBytes);
    }
  });
}

bool EmulatedRegion::line_differs(size_t at) const {
  // Eight word compares the compiler vectorises: cheaper than a memcmp call.
  uint64_t diff = 0;
  for (size_t word = at; word < at + kCacheLineBytes; word += 8) {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, image_ + word, 8);
    std::memcpy(&b, volatile_ + word, 8);
    diff |= a ^ b;
  }
  return diff != 0;
}

template <typename Fn>
void EmulatedRegion::for_each_dirty_line(Fn&& fn) const {
  // A page at a time: most of a region is clean between two drains, and
  // one memcmp over a page runs at memory speed where 64 line compares
  // would not.
  constexpr size_t kPageBytes = 4096;
  for (size_t page = 0; page < size_bytes_; page += kPageBytes) {
    const size_t end = std::min(page + kPageBytes, size_bytes_);
    if (std::memcmp(image_ + page, volatile_ + page, end - page) == 0) continue;
    for (size_t at = page; at < end; at += kCacheLineBytes) {
      if (line_differs(at)) fn(at / kCacheLineBytes);
    }
  }
}

std::vector<size_t> EmulatedRegion::dirty_units(CrashGranularity granularity) const {
  size_t unit = unit_bytes(granularity);
  std::vector<size_t> units;
  for_each_dirty_line([&](size_t line) {
    const size_t at = line * kCacheLineBytes;
    for (size_t u = at; u < at + kCacheLineBytes; u += unit) {
      if (std::memcmp(image_ + u, volatile_ + u, unit) != 0) units.push_back(u / unit);
    }
  });
  return units;
}

std::string EmulatedRegion::crash_image(CrashGranularity granularity,
                                        const std::vector<size_t>& units,
                                        const std::vector<bool>& reached) const {
  AMBER_ASSERT(units.size() == reached.size());
  size_t unit = unit_bytes(granularity);
  std::string image(image_, size_bytes_);
  for (size_t i = 0; i < units.size(); ++i) {
    AMBER_ASSERT(units[i] < size_bytes_ / unit);
    if (reached[i]) std::memcpy(image.data() + units[i] * unit, volatile_ + units[i] * unit, unit);
  }
  return image;
}

std::string EmulatedRegion::crash_image(uint64_t seed, CrashGranularity granularity) const {
  SeededRandom random(seed);
  std::vector<size_t> units = dirty_units(granularity);
  std::vector<bool> reached(units.size());
  for (size_t i = 0; i < units.size(); ++i) reached[i] = (random.next_u64() & 1) != 0;
  std::string image = crash_image(granularity, units, reached);
  // A line flushed and stored to again before the drain: its write-back may
  // have taken the bytes it had when flushed (each unit, one time in three).
  const size_t unit = unit_bytes(granularity);
  for (const auto& [line, flushed] : pending_) {
    for (size_t u = 0; u < kCacheLineBytes; u += unit) {
      if (random.uniform(3) == 0) {
        std::memcpy(image.data() + line * kCacheLineBytes + u, flushed.data() + u, unit);
      }
    }
  }
  return image;
}

}  // namespace amber::nvm
