// Turns fuzz input into an NVM region image: the input bytes from offset 0,
// zero-padded to at least `min_bytes` and to a multiple of 64 (the seeds are
// real images with their zero tail cut off), at most `max_bytes`.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace amber::fuzz {

inline std::string nvm_region_image(const uint8_t* data, size_t size, size_t min_bytes,
                                    size_t max_bytes) {
  size = std::min(size, max_bytes);
  std::string image(reinterpret_cast<const char*>(data), size);
  size_t padded = std::max(min_bytes, (size + 63) / 64 * 64);
  image.resize(padded, '\0');
  return image;
}

}  // namespace amber::fuzz
