// Glob matching (see glob.h for the rules and their quirks).
//
// Every pattern element other than `*` consumes exactly one subject byte and
// a number of pattern bytes that depends on the pattern alone. That makes the
// classic two-cursor algorithm exact: walk pattern and subject together and,
// on a mismatch, let the most recent `*` swallow one more byte. Earlier stars
// never need revisiting (a longer match for them only leaves less subject for
// the rest), which is the same observation behind Redis 7.0's
// skip-longer-matches guard, and it keeps the cost at O(pattern * subject)
// with no recursion.
#include "core/glob.h"

#include <cstddef>
#include <utility>

namespace amber {
namespace {

constexpr size_t kNone = static_cast<size_t>(-1);

// Redis folds with glibc's tolower() in the C locale on a signed char: ASCII
// letters are lowered, and bytes 0x80..0xFE (negative values other than EOF)
// come back as their unsigned value, which matters inside `[x-y]` ranges.
int fold(int c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  if (c < -1) return c + 256;
  return c;
}

// Ranges compare bytes as signed chars, as Redis does on x86 and ARM Linux.
int as_signed(char c) { return static_cast<signed char>(c); }

struct TokenResult {
  bool matched;
  size_t next;  // pattern index just past the element
};

class Glob {
 public:
  Glob(std::string_view pattern, bool nocase) : pattern_(pattern), nocase_(nocase) {}

  bool match(std::string_view subject) const;

 private:
  // The pattern byte at `i`, or '\0' past the end (patterns are compared as
  // if NUL-terminated, which decides where unterminated classes stop).
  char at(size_t i) const { return i < pattern_.size() ? pattern_[i] : '\0'; }
  bool same(char a, char b) const {
    return nocase_ ? fold(as_signed(a)) == fold(as_signed(b)) : a == b;
  }
  bool in_range(char lo, char hi, char c) const;
  TokenResult match_element(size_t p, char c) const;
  TokenResult match_class(size_t p, char c) const;

  std::string_view pattern_;
  bool nocase_;
};

bool Glob::in_range(char lo, char hi, char c) const {
  int start = as_signed(lo);
  int end = as_signed(hi);
  if (start > end) std::swap(start, end);
  int value = as_signed(c);
  if (nocase_) {
    start = fold(start);
    end = fold(end);
    value = fold(value);
  }
  return value >= start && value <= end;
}

// `p` is just past the '['. Returns the index past the closing ']' (or past
// the end of the pattern when the class is unterminated).
TokenResult Glob::match_class(size_t p, char c) const {
  const size_t n = pattern_.size();
  bool negate = at(p) == '^';
  if (negate) ++p;
  bool hit = false;
  for (;; ++p) {
    char pc = at(p);
    if (pc == '\\' && n - p >= 2) {
      ++p;  // an escaped byte is always literal and never case-folded
      if (pattern_[p] == c) hit = true;
    } else if (pc == ']') {
      break;
    } else if (p >= n) {
      p = n - 1;  // unterminated: the class ends with the pattern
      break;
    } else if (n - p >= 3 && pattern_[p + 1] == '-') {
      if (in_range(pattern_[p], pattern_[p + 2], c)) hit = true;
      p += 2;
    } else if (same(pc, c)) {
      hit = true;
    }
  }
  return {hit != negate, p + 1};
}

// Matches the non-star element at `p` against the subject byte `c`.
TokenResult Glob::match_element(size_t p, char c) const {
  switch (pattern_[p]) {
    case '?':
      return {true, p + 1};
    case '[':
      return match_class(p + 1, c);
    case '\\':
      if (pattern_.size() - p >= 2) ++p;  // a trailing '\' is a literal backslash
      [[fallthrough]];
    default:
      return {same(pattern_[p], c), p + 1};
  }
}

bool Glob::match(std::string_view subject) const {
  // Redis never enters its matching loop for an empty subject.
  if (subject.empty()) return pattern_.empty();
  const size_t n = pattern_.size();
  size_t p = 0;
  size_t s = 0;
  size_t star = kNone;  // index of the latest '*' that may swallow more bytes
  size_t star_s = 0;    // subject index where that star's match ends now
  while (s < subject.size()) {
    if (p < n && pattern_[p] == '*') {
      while (p + 1 < n && pattern_[p + 1] == '*') ++p;
      if (p + 1 == n) return true;  // a trailing star takes the rest
      star = p;
      star_s = s;
      ++p;
      continue;
    }
    if (p < n) {
      TokenResult r = match_element(p, subject[s]);
      if (r.matched) {
        p = r.next;
        ++s;
        continue;
      }
    }
    if (star == kNone) return false;
    p = star + 1;
    s = ++star_s;
  }
  while (p < n && pattern_[p] == '*') ++p;
  return p == n;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view subject, bool nocase) {
  return Glob(pattern, nocase).match(subject);
}

}  // namespace amber
