// FuzzInput: reads structured choices out of a fuzzer's raw bytes, front to
// back. Once the bytes run out every read returns zero/empty, so a decoder
// never needs to check for the end, and a shorter input always decodes to a
// prefix of what a longer one would (which keeps libFuzzer's minimisation
// meaningful). A small stand-in for LLVM's FuzzedDataProvider, which the gcc
// replay build does not have.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace amber::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }

  uint8_t byte() { return empty() ? 0 : data_[pos_++]; }
  // A value in [0, bound); bound must be > 0 and at most 65536.
  uint32_t below(uint32_t bound) {
    uint32_t v = byte();
    if (bound > 256) v = (v << 8) | byte();
    return v % bound;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | byte();
    return v;
  }
  // Up to `max_len` raw bytes (the length is the next byte, capped).
  std::string_view bytes(size_t max_len) {
    size_t len = byte();
    if (len > max_len) len = max_len;
    if (len > remaining()) len = remaining();
    std::string_view out(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return out;
  }
  // Everything that is left.
  std::string_view rest() {
    std::string_view out(reinterpret_cast<const char*>(data_ + pos_), remaining());
    pos_ = size_;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace amber::fuzz
