// SHA-1 (FIPS 180-4), for DEBUG DIGEST: Redis 7.0 builds its dataset digest
// out of SHA-1 hashes, so amber must use the very same function to produce
// the same 40 hex digits for the same data. Not for security.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace amber {

using Sha1Digest = std::array<uint8_t, 20>;

class Sha1 {
 public:
  Sha1();
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Pads and returns the digest; the object must not be updated afterwards.
  Sha1Digest finish();

  static Sha1Digest of(const void* data, size_t len) {
    Sha1 h;
    h.update(data, len);
    return h.finish();
  }

 private:
  void block(const uint8_t* p);

  uint32_t state_[5];
  uint64_t total_bytes_ = 0;
  uint8_t buffer_[64];
  size_t buffered_ = 0;
};

}  // namespace amber
