// Entry helpers: sizes and Redis's encoding choice for new strings.
#include "core/entry.h"

#include <malloc.h>

#include <charconv>
#include <limits>

namespace amber {

size_t Entry::value_capacity() const {
  return malloc_usable_size(const_cast<Entry*>(this)) - sizeof(Entry) - key_len;
}

size_t Entry::allocated_bytes() const { return malloc_usable_size(const_cast<Entry*>(this)); }

bool Entry::is_shared_integer() const {
  // Redis's OBJ_SHARED_INTEGERS.
  constexpr int64_t kSharedIntegers = 10000;
  int64_t v;
  return !unshared && value_encoding() == Encoding::kInt && parse_canonical_int64(value(), &v) &&
         v >= 0 && v < kSharedIntegers;
}

bool parse_canonical_int64(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (s.size() == 1) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t magnitude = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    if (magnitude > (std::numeric_limits<uint64_t>::max() - (c - '0')) / 10) return false;
    magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
  }
  if (negative) {
    if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return false;
    *out = static_cast<int64_t>(0 - magnitude);
  } else {
    if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(magnitude);
  }
  return true;
}

Encoding encoding_for_new_string(std::string_view value) {
  int64_t ignored;
  if (value.size() <= 20 && parse_canonical_int64(value, &ignored)) return Encoding::kInt;
  if (value.size() <= 44) return Encoding::kEmbstr;
  return Encoding::kRaw;
}

}  // namespace amber
