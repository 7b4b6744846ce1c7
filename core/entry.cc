// Entry helpers: sizes and Redis's encoding choice for new strings.
#include "core/entry.h"

#include <malloc.h>

#include <charconv>
#include <limits>

namespace amber {

size_t Entry::value_capacity() const {
  return allocated_bytes() - prefix_bytes() - sizeof(Entry) - key_len;
}

size_t Entry::allocated_bytes() const {
  return malloc_usable_size(const_cast<void*>(allocation()));
}

bool Entry::is_shared_integer() const {
  // Redis's OBJ_SHARED_INTEGERS.
  constexpr int64_t kSharedIntegers = 10000;
  int64_t v;
  return !unshared && value_encoding() == Encoding::kInt && parse_canonical_int64(value(), &v) &&
         v >= 0 && v < kSharedIntegers;
}

bool parse_canonical_int64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  const char* p = s.data();
  const char* end = p + s.size();
  bool negative = *p == '-';
  if (negative && ++p == end) return false;
  if (*p == '0') {  // "0" only: no leading zeros, no "-0"
    if (s.size() != 1) return false;
    *out = 0;
    return true;
  }
  // At most 19 digits fit in uint64_t without overflow checks per digit
  // (this runs for every bulk length and integer argument).
  if (end - p > 19) return false;
  uint64_t magnitude = 0;
  for (; p < end; ++p) {
    unsigned digit = static_cast<unsigned char>(*p) - static_cast<unsigned>('0');
    if (digit > 9) return false;
    magnitude = magnitude * 10 + digit;
  }
  constexpr uint64_t kMaxPositive = std::numeric_limits<int64_t>::max();
  if (magnitude > kMaxPositive + (negative ? 1 : 0)) return false;
  *out = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return true;
}

Encoding encoding_for_new_string(std::string_view value) {
  int64_t ignored;
  if (value.size() <= 20 && parse_canonical_int64(value, &ignored)) return Encoding::kInt;
  if (value.size() <= 44) return Encoding::kEmbstr;
  return Encoding::kRaw;
}

}  // namespace amber
