#include "core/args.h"

#include <cctype>

#include "core/entry.h"

namespace amber {

bool parse_int64(std::string_view s, int64_t* out) { return parse_canonical_int64(s, out); }

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace amber
