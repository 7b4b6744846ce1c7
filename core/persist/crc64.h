// CRC-64 as Redis computes it for RDB trailers and DUMP payloads: the "Jones"
// polynomial 0xad93d23594c935a9, reflected input and output, initial value 0,
// no final xor. Check value: crc64(0, "123456789") == 0xe9c6d914c4b8d9ca.
//
// Incremental: crc64(crc64(0, a), b) == crc64(0, a + b).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace amber {

uint64_t crc64(uint64_t crc, const void* data, size_t size_bytes);

inline uint64_t crc64(uint64_t crc, std::string_view data) {
  return crc64(crc, data.data(), data.size());
}

}  // namespace amber
