// CRC-64/Jones with slice-by-8: eight 256-entry tables, built at compile
// time, let the loop fold 8 input bytes per step with 8 independent lookups
// instead of 8 dependent ones, which is what makes checksumming a multi-GB
// RDB cost little next to writing it. Table k maps a byte to its CRC after
// k more zero bytes, so one 64-bit word is folded by xoring the eight table
// entries of its bytes.
#include "core/persist/crc64.h"

#include <array>
#include <bit>
#include <cstring>

namespace amber {
namespace {

// 0xad93d23594c935a9 with its bits reversed: the reflected algorithm shifts
// right.
constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

using Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (uint64_t byte = 0; byte < 256; ++byte) {
    uint64_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
    t[0][byte] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t byte = 0; byte < 256; ++byte) {
      uint64_t prev = t[k - 1][byte];
      t[k][byte] = (prev >> 8) ^ t[0][prev & 0xff];
    }
  }
  return t;
}

constexpr Tables kTables = make_tables();

inline uint64_t load_le64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

}  // namespace

uint64_t crc64(uint64_t crc, const void* data, size_t size_bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size_bytes >= 8) {
    crc ^= load_le64(p);
    crc = kTables[7][crc & 0xff] ^ kTables[6][(crc >> 8) & 0xff] ^ kTables[5][(crc >> 16) & 0xff] ^
          kTables[4][(crc >> 24) & 0xff] ^ kTables[3][(crc >> 32) & 0xff] ^
          kTables[2][(crc >> 40) & 0xff] ^ kTables[1][(crc >> 48) & 0xff] ^ kTables[0][crc >> 56];
    p += 8;
    size_bytes -= 8;
  }
  while (size_bytes-- > 0) crc = kTables[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace amber
