// Glob matching: Redis 7.0's results on the tricky cases (each expected value
// was produced by Redis's own stringmatchlen), agreement with a plain
// backtracking matcher on ordinary patterns, and no blow-up on star-heavy
// patterns.
#include "core/glob.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace amber {
namespace {

struct GlobCase {
  const char* pattern;
  const char* subject;
  bool nocase;
  bool expected;
};

constexpr GlobCase kRedisCases[] = {
    {"", "", false, true},
    {"*", "", false, false},  // an empty subject matches only the empty pattern
    {"**", "", false, false},
    {"a", "", false, false},
    {"*", "abc", false, true},
    {"**", "x", false, true},
    {"a*", "a", false, true},
    {"*a", "a", false, true},
    {"a*b*c", "aXbYc", false, true},
    {"a*b*c", "aXbYcZ", false, false},
    {"*.txt", "file.txt", false, true},
    {"a?c", "abc", false, true},
    {"a?c", "ac", false, false},
    {"?", "", false, false},
    {"[abc]", "b", false, true},
    {"[abc]", "d", false, false},
    {"[^abc]", "b", false, false},
    {"[^abc]", "d", false, true},
    {"[a-c]", "b", false, true},
    {"[c-a]", "b", false, true},  // reversed ranges are swapped
    {"[a-]", "]", false, true},   // "a-]" is the range a..']'
    {"[a-]", "-", false, false},
    {"[]", "a", false, false},
    {"[]a]", "]", false, false},
    {"[^]", "a", false, true},
    {"[", "a", false, false},
    {"a[", "a", false, false},
    {"a[", "ab", false, false},
    {"[abc", "c", false, true},  // an unterminated class runs to the end
    {"[^", "x", false, true},
    {"x[^", "x", false, false},
    {"\\*", "*", false, true},
    {"\\*", "a", false, false},
    {"\\", "\\", false, true},  // a trailing backslash is literal
    {"a\\", "a\\", false, true},
    {"\\?", "?", false, true},
    {"\\?", "x", false, false},
    {"[\\]]", "]", false, true},
    {"[\\-]", "-", false, true},
    {"[a\\-z]", "m", false, false},
    {"[a\\", "\\", false, true},
    {"h[ae]llo", "hello", false, true},
    {"h*llo", "hllo", false, true},
    {"A", "a", true, true},
    {"A", "a", false, false},
    {"[A-Z]", "q", true, true},
    {"[a-z]", "Q", true, true},
    {"[\\A]", "a", true, false},  // escaped bytes in a class are not folded
    {"[A]", "a", true, true},
    {"[Z-a]", "_", false, true},
    {"[Z-a]", "_", true, false},  // folding after the swap empties the range
    {"[\x80-\xff]", "\x90", false, true},
    {"[a-\x80]", "b", false, false},  // high bytes are negative in ranges
    {"[a-\x80]", "0", false, true},
    {"[a-\x80]", "b", true, false},
    {"[a-\x80]", "\xc0", true, false},
    {"[^a-z]*", "Hello", false, true},
    {"*[0-9]", "key7", false, true},
    {"*?*?*", "ab", false, true},
    {"*?*?*", "a", false, false},
};

TEST(Glob, MatchesRedisOnTrickyPatterns) {
  for (const GlobCase& c : kRedisCases) {
    EXPECT_EQ(glob_match(c.pattern, c.subject, c.nocase), c.expected)
        << "pattern '" << c.pattern << "' subject '" << c.subject << "' nocase " << c.nocase;
  }
}

TEST(Glob, IsBinarySafe) {
  using namespace std::string_literals;
  EXPECT_TRUE(glob_match("a\0*"s, "a\0bc"s));
  EXPECT_FALSE(glob_match("a\0*"s, "a\1bc"s));
  EXPECT_TRUE(glob_match("?\r\n"s, "x\r\n"s));
  EXPECT_TRUE(glob_match("[\0]"s, "\0"s));
}

TEST(Glob, StarHeavyPatternsStayFast) {
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "*a";
  pattern += "*b";
  std::string subject(5000, 'a');
  // Exponential backtracking would not finish; the matcher is O(p * s).
  EXPECT_FALSE(glob_match(pattern, subject));
  EXPECT_TRUE(glob_match(pattern, subject + "b"));
}

// A plain dynamic-programming matcher for patterns made of literals, '?',
// '*' and '\' escapes, with textbook semantics.
bool reference_match(const std::string& pattern, const std::string& subject, bool nocase) {
  struct Token {
    char kind;  // '*', '?' or 'l'
    char c;
  };
  std::vector<Token> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?') {
      tokens.push_back({c, 0});
    } else if (c == '\\' && i + 1 < pattern.size()) {
      tokens.push_back({'l', pattern[++i]});
    } else {
      tokens.push_back({'l', c});
    }
  }
  auto fold = [&](char c) { return nocase && c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
  const size_t n = tokens.size();
  const size_t m = subject.size();
  // can[i][j]: tokens[i..] match subject[j..]
  std::vector<std::vector<char>> can(n + 1, std::vector<char>(m + 1, 0));
  can[n][m] = 1;
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m + 1; j-- > 0;) {
      const Token& t = tokens[i];
      if (t.kind == '*') {
        can[i][j] = can[i + 1][j] || (j < m && can[i][j + 1]);
      } else if (j < m && (t.kind == '?' || fold(t.c) == fold(subject[j]))) {
        can[i][j] = can[i + 1][j + 1];
      }
    }
  }
  return can[0][0];
}

RC_GTEST_PROP(Glob, AgreesWithReferenceOnPlainPatterns, ()) {
  const auto pattern = *rc::gen::container<std::string>(rc::gen::elementOf(std::string("abA*?\\")));
  const auto subject =
      *rc::gen::container<std::string>(rc::gen::elementOf(std::string("abAB*?\\")));
  const bool nocase = *rc::gen::arbitrary<bool>();
  // Redis's quirk: an empty subject matches only the empty pattern.
  const bool expected =
      subject.empty() ? pattern.empty() : reference_match(pattern, subject, nocase);
  RC_ASSERT(glob_match(pattern, subject, nocase) == expected);
}

}  // namespace
}  // namespace amber
