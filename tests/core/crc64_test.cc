// CRC-64/Jones as Redis computes it: the check value, incremental use, and
// the slice-by-8 loop against a one-bit-at-a-time reference.
#include "core/persist/crc64.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

namespace amber {
namespace {

// Bit-serial CRC-64/Jones (reflected, init 0, no xorout): the definition.
uint64_t reference_crc64(uint64_t crc, std::string_view data) {
  for (unsigned char c : data) {
    crc ^= c;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
  }
  return crc;
}

TEST(Crc64, MatchesRedisCheckValue) { EXPECT_EQ(crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL); }

TEST(Crc64, EmptyInputLeavesCrcUnchanged) {
  EXPECT_EQ(crc64(0, ""), 0u);
  EXPECT_EQ(crc64(0x1234, ""), 0x1234u);
}

TEST(Crc64, MatchesRedisTestVectorForLongText) {
  // From Redis's crc64.c self test, which hashes sizeof(li): the text and
  // its terminating NUL.
  std::string li =
      "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "
      "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
      "ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in "
      "reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur "
      "sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id "
      "est laborum.";
  li.push_back('\0');
  EXPECT_EQ(crc64(0, li), 0xc7794709e69683b3ULL);
}

RC_GTEST_PROP(Crc64, SliceBy8EqualsBitSerialReference, (const std::string& data)) {
  RC_ASSERT(crc64(0, data) == reference_crc64(0, data));
}

RC_GTEST_PROP(Crc64, IncrementalEqualsOneShot, (const std::string& data, size_t split)) {
  const size_t cut = data.empty() ? 0 : split % (data.size() + 1);
  const uint64_t first = crc64(0, std::string_view(data).substr(0, cut));
  RC_ASSERT(crc64(first, std::string_view(data).substr(cut)) == crc64(0, data));
}

}  // namespace
}  // namespace amber
