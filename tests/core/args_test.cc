// The shared argument parsers: which inputs Redis 7.0 accepts and refuses,
// the INCRBYFLOAT number format, expire-time conversion and SET/GETEX
// option rules.
#include "core/args.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace amber {
namespace {

bool int64_ok(std::string_view s) {
  int64_t v = 0;
  return parse_int64(s, &v);
}

TEST(ParseInt64, AcceptsCanonicalIntegers) {
  int64_t v = 0;
  ASSERT_TRUE(parse_int64("0", &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(parse_int64("-1", &v));
  EXPECT_EQ(v, -1);
  ASSERT_TRUE(parse_int64("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(parse_int64("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
}

TEST(ParseInt64, RefusesNonCanonicalForms) {
  for (std::string_view s :
       std::vector<std::string_view>{"", "-", "-0", "007", "00", "+1", " 1", "1 ", "1a", "0x10",
                                     "1.0", "1e3", "--1", std::string_view("1\0", 2)}) {
    EXPECT_FALSE(int64_ok(s)) << "'" << s << "'";
  }
}

TEST(ParseInt64, RefusesOverflow) {
  EXPECT_FALSE(int64_ok("9223372036854775808"));
  EXPECT_FALSE(int64_ok("-9223372036854775809"));
  EXPECT_FALSE(int64_ok("18446744073709551616"));  // 20 digits, past uint64 too
  EXPECT_FALSE(int64_ok("99999999999999999999"));
  EXPECT_FALSE(int64_ok("123456789012345678901"));  // 21 characters
}

RC_GTEST_PROP(ParseInt64, ReadsBackEveryInt64ItsDecimalTextAndRefusesItWithALeadingZero,
              (int64_t value)) {
  std::string text = std::to_string(value);
  int64_t parsed = 0;
  RC_ASSERT(parse_int64(text, &parsed));
  RC_ASSERT(parsed == value);
  std::string padded = value < 0 ? "-0" + text.substr(1) : "0" + text;
  RC_ASSERT(!int64_ok(padded));
}

TEST(ParseDouble, AcceptsWhatStrtodReadsWhole) {
  double d = 0;
  ASSERT_TRUE(parse_double("1.5", &d));
  EXPECT_EQ(d, 1.5);
  ASSERT_TRUE(parse_double("+2e3", &d));
  EXPECT_EQ(d, 2000);
  ASSERT_TRUE(parse_double("-inf", &d));
  EXPECT_TRUE(std::isinf(d) && d < 0);
  ASSERT_TRUE(parse_double("0x10", &d));
  EXPECT_EQ(d, 16);
  ASSERT_TRUE(parse_double("4.9e-324", &d));  // a denormal underflows but is not zero
  EXPECT_GT(d, 0);
}

TEST(ParseDouble, RefusesSpacesNanOverflowAndUnderflow) {
  double d = 0;
  for (std::string_view s : std::vector<std::string_view>{
           "", " 1", "1 ", "nan", "abc", "1e400", "-1e400", "1e-400", std::string_view("1\0", 2)}) {
    EXPECT_FALSE(parse_double(s, &d)) << "'" << s << "'";
  }
}

TEST(ParseLongDouble, UsesLongDoubleRange) {
  long double v = 0;
  ASSERT_TRUE(parse_long_double("1e400", &v));  // past double, within long double
  EXPECT_GT(v, 1e300L);
  ASSERT_TRUE(parse_long_double("-0.0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_FALSE(parse_long_double("1e5000", &v));
  EXPECT_FALSE(parse_long_double("1e-5000", &v));
  EXPECT_FALSE(parse_long_double("nan", &v));
  EXPECT_FALSE(parse_long_double("\t1", &v));
  EXPECT_FALSE(parse_long_double("1x", &v));
  EXPECT_FALSE(parse_long_double("", &v));
}

TEST(ParseLongDouble, RefusesInputsOf5120CharactersOrMore) {
  long double v = 0;
  std::string longest = "1." + std::string(5117, '0');  // 5119 characters
  EXPECT_TRUE(parse_long_double(longest, &v));
  EXPECT_FALSE(parse_long_double(longest + "0", &v));
}

TEST(FormatLongDouble, StripsTrailingZerosAndPoint) {
  EXPECT_EQ(format_long_double(1), "1");
  EXPECT_EQ(format_long_double(-2.5L), "-2.5");
  EXPECT_EQ(format_long_double(0.1L + 0.2L), "0.3");
  EXPECT_EQ(format_long_double(3.0e3L), "3000");
  EXPECT_EQ(format_long_double(1e10L), "10000000000");
  EXPECT_EQ(format_long_double(10.5L), "10.5");
}

TEST(FormatLongDouble, NegativeZeroIsZero) {
  EXPECT_EQ(format_long_double(-0.0L), "0");
  EXPECT_EQ(format_long_double(-1e-30L), "0");  // rounds to "-0.000..." first
}

TEST(FormatLongDouble, InfinityIsSpelledOut) {
  EXPECT_EQ(format_long_double(std::numeric_limits<long double>::infinity()), "inf");
  EXPECT_EQ(format_long_double(-std::numeric_limits<long double>::infinity()), "-inf");
}

TEST(FormatLongDouble, KeepsSeventeenFractionDigits) {
  EXPECT_EQ(format_long_double(1e-17L), "0.00000000000000001");
  EXPECT_EQ(format_long_double(1e-18L), "0");
}

TEST(EqualsIgnoreCase, ComparesAsciiLetters) {
  EXPECT_TRUE(equals_ignore_case("KeepTTL", "keepttl"));
  EXPECT_FALSE(equals_ignore_case("ex", "exat"));
  EXPECT_FALSE(equals_ignore_case("px", "pz"));
}

TEST(StringExpire, RelativeSecondsAreAddedToNow) {
  int64_t when = 0;
  ASSERT_TRUE(string_expire_to_ms(10, TimeUnit::kSeconds, true, 1000, &when));
  EXPECT_EQ(when, 11000);
  ASSERT_TRUE(string_expire_to_ms(10, TimeUnit::kMilliseconds, true, 1000, &when));
  EXPECT_EQ(when, 1010);
  ASSERT_TRUE(string_expire_to_ms(10, TimeUnit::kSeconds, false, 1000, &when));
  EXPECT_EQ(when, 10000);
}

TEST(StringExpire, RefusesZeroNegativeAndOverflow) {
  int64_t when = 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_FALSE(string_expire_to_ms(0, TimeUnit::kSeconds, true, 1000, &when));
  EXPECT_FALSE(string_expire_to_ms(-1, TimeUnit::kMilliseconds, false, 1000, &when));
  EXPECT_FALSE(string_expire_to_ms(kMax / 1000 + 1, TimeUnit::kSeconds, false, 0, &when));
  EXPECT_TRUE(string_expire_to_ms(kMax / 1000, TimeUnit::kSeconds, false, 1000, &when));
  EXPECT_FALSE(string_expire_to_ms(kMax / 1000, TimeUnit::kSeconds, true, 1000, &when));
  EXPECT_FALSE(string_expire_to_ms(kMax, TimeUnit::kMilliseconds, true, 1, &when));
  EXPECT_TRUE(string_expire_to_ms(kMax, TimeUnit::kMilliseconds, false, 1, &when));
}

TEST(KeyExpire, AllowsNegativeButNotOverflow) {
  int64_t when = 0;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  ASSERT_TRUE(expire_to_absolute_ms(-5, TimeUnit::kSeconds, 10000, &when));
  EXPECT_EQ(when, 5000);
  EXPECT_FALSE(expire_to_absolute_ms(kMax / 1000 + 1, TimeUnit::kSeconds, 0, &when));
  EXPECT_FALSE(expire_to_absolute_ms(kMin / 1000 - 1, TimeUnit::kSeconds, 0, &when));
  EXPECT_FALSE(expire_to_absolute_ms(kMax, TimeUnit::kMilliseconds, 1, &when));
  ASSERT_TRUE(expire_to_absolute_ms(kMax, TimeUnit::kMilliseconds, 0, &when));
  EXPECT_EQ(when, kMax);
}

TEST(StringExpire, ErrorNamesTheCommand) {
  EXPECT_EQ(invalid_expire_time_error("psetex"), "ERR invalid expire time in 'psetex' command");
}

bool parse_set(std::vector<std::string_view> args, StringOptions* out) {
  *out = {};
  return parse_string_options(args, 0, StringCommandKind::kSet, out);
}

bool parse_getex(std::vector<std::string_view> args, StringOptions* out) {
  *out = {};
  return parse_string_options(args, 0, StringCommandKind::kGet, out);
}

TEST(StringOptions, SetAcceptsRepeatsAndCombinations) {
  StringOptions o;
  ASSERT_TRUE(parse_set({"nx", "GET", "get", "EX", "5", "ex", "7"}, &o));
  EXPECT_EQ(o.flags, kStrNx | kStrGet | kStrEx);
  EXPECT_EQ(o.expire_arg, "7");
  EXPECT_TRUE(o.relative());
  EXPECT_EQ(o.unit(), TimeUnit::kSeconds);
  ASSERT_TRUE(parse_set({"xx", "keepttl", "KEEPTTL"}, &o));
  EXPECT_EQ(o.flags, kStrXx | kStrKeepTtl);
  EXPECT_FALSE(o.has_expire());
  ASSERT_TRUE(parse_set({"pxat", "123"}, &o));
  EXPECT_EQ(o.unit(), TimeUnit::kMilliseconds);
  EXPECT_FALSE(o.relative());
}

TEST(StringOptions, SetRefusesConflictsAndMissingValues) {
  StringOptions o;
  EXPECT_FALSE(parse_set({"nx", "xx"}, &o));
  EXPECT_FALSE(parse_set({"ex", "1", "px", "1"}, &o));
  EXPECT_FALSE(parse_set({"exat", "1", "pxat", "1"}, &o));
  EXPECT_FALSE(parse_set({"keepttl", "ex", "1"}, &o));
  EXPECT_FALSE(parse_set({"px", "1", "keepttl"}, &o));
  EXPECT_FALSE(parse_set({"ex"}, &o));
  EXPECT_FALSE(parse_set({"persist"}, &o));
  EXPECT_FALSE(parse_set({"nxx"}, &o));
}

TEST(StringOptions, NamesEndAtAnEmbeddedNul) {
  StringOptions o;
  ASSERT_TRUE(parse_set({std::string_view("NX\0zz", 5)}, &o));
  EXPECT_EQ(o.flags, kStrNx);
}

TEST(StringOptions, GetexAcceptsOnlyPersistAndExpires) {
  StringOptions o;
  ASSERT_TRUE(parse_getex({"persist", "PERSIST"}, &o));
  EXPECT_EQ(o.flags, kStrPersist);
  ASSERT_TRUE(parse_getex({"exat", "9", "exat", "10"}, &o));
  EXPECT_EQ(o.expire_arg, "10");
  EXPECT_FALSE(parse_getex({"persist", "ex", "1"}, &o));
  EXPECT_FALSE(parse_getex({"ex", "1", "persist"}, &o));
  for (std::string_view opt : {"nx", "xx", "get", "keepttl"}) {
    EXPECT_FALSE(parse_getex({opt}, &o)) << opt;
  }
}

}  // namespace
}  // namespace amber
