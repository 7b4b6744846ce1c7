// INCR, DECR, INCRBY, DECRBY, INCRBYFLOAT: results, overflow and parse
// errors as redis-server 7.0.15 replies them, TTL kept, encodings.
#include <gtest/gtest.h>

#include "tests/core/engine_harness.h"
#include "tests/core/string_test_util.h"

namespace amber {
namespace {

constexpr std::string_view kOverflowReply = "-ERR increment or decrement would overflow\r\n";
constexpr std::string_view kNotFloatReply = "-ERR value is not a valid float\r\n";

TEST(Incr, MissingKeyStartsAtZero) {
  EngineHarness h;
  EXPECT_EQ(h.run({"incr", "a"}), ":1\r\n");
  EXPECT_EQ(h.run({"decr", "b"}), ":-1\r\n");
  EXPECT_EQ(h.run({"incrby", "c", "-7"}), ":-7\r\n");
  EXPECT_EQ(h.run({"decrby", "d", "-7"}), ":7\r\n");
  EXPECT_EQ(h.run({"get", "c"}), "$2\r\n-7\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 4u);
}

TEST(Incr, ResultIsIntEncodedAndKeepsTtl) {
  EngineHarness h;
  h.run({"setrange", "k", "0", "10"});  // a "raw" string holding digits
  h.run({"set", "t", "5", "ex", "100"});
  int64_t expire = find_key(h, "t")->expire_ms;
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kRaw);
  EXPECT_EQ(h.run({"incr", "k"}), ":11\r\n");
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kInt);
  EXPECT_EQ(h.run({"incrby", "t", "5"}), ":10\r\n");
  EXPECT_EQ(find_key(h, "t")->expire_ms, expire);
}

TEST(Incr, RefusesNonCanonicalIntegers) {
  EngineHarness h;
  for (std::string_view value : {"abc", " 1", "1 ", "01", "1.5", "123456789012345678901"}) {
    h.run({"set", "s", value});
    EXPECT_EQ(h.run({"incr", "s"}), kNotIntegerReply) << value;
  }
  EXPECT_EQ(h.run({"incrby", "s", "007"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"incrby", "s", "-0"}), kNotIntegerReply);
}

TEST(Incr, DetectsOverflow) {
  EngineHarness h;
  h.run({"set", "n", "9223372036854775807"});
  EXPECT_EQ(h.run({"incr", "n"}), kOverflowReply);
  EXPECT_EQ(h.run({"decrby", "n", "-1"}), kOverflowReply);
  h.run({"set", "n", "-9223372036854775808"});
  EXPECT_EQ(h.run({"decr", "n"}), kOverflowReply);
  EXPECT_EQ(h.run({"incrby", "n", "-1"}), kOverflowReply);
  EXPECT_EQ(h.run({"incrby", "n", "9223372036854775807"}), ":-1\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 3u);
}

TEST(Decrby, NegatingMinimumIsAnError) {
  EngineHarness h;
  EXPECT_EQ(h.run({"decrby", "k", "-9223372036854775808"}), "-ERR decrement would overflow\r\n");
  EXPECT_EQ(find_key(h, "k"), nullptr);
}

TEST(Incr, WrongTypeComesFirst) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"incr", "l"}), kWrongTypeReply);
  EXPECT_EQ(h.run({"incrbyfloat", "l", "abc"}), kWrongTypeReply);
  // INCRBY parses its increment before it looks at the key.
  EXPECT_EQ(h.run({"incrby", "l", "abc"}), kNotIntegerReply);
}

TEST(Incrbyfloat, FormatsWithoutTrailingZeros) {
  EngineHarness h;
  EXPECT_EQ(h.run({"incrbyfloat", "g", "0.1"}), "$3\r\n0.1\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "g", "0.2"}), "$3\r\n0.3\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "g", "-0.3"}), "$1\r\n0\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "h", "-0.0"}), "$1\r\n0\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "h", "0x10"}), "$2\r\n16\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "h", "3.0e3"}), "$4\r\n3016\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "i", "123456789.123456789"}),
            "$27\r\n123456789.12345678899873747\r\n");
  EXPECT_EQ(h.run({"incrbyfloat", "j", "1e-10"}), "$12\r\n0.0000000001\r\n");
}

TEST(Incrbyfloat, ReadsIntegersAndDecimalStrings) {
  EngineHarness h;
  h.run({"set", "s", "5.0e3"});
  EXPECT_EQ(h.run({"incrbyfloat", "s", "1"}), "$4\r\n5001\r\n");
  h.run({"set", "n", "10"});
  EXPECT_EQ(h.run({"incrbyfloat", "n", "1.5"}), "$4\r\n11.5\r\n");
  EXPECT_EQ(h.run({"incr", "n"}), kNotIntegerReply);
}

TEST(Incrbyfloat, ResultIsStoredAsNewStringKeepingTtl) {
  EngineHarness h;
  h.run({"set", "f", "1", "ex", "100"});
  int64_t expire = find_key(h, "f")->expire_ms;
  EXPECT_EQ(h.run({"incrbyfloat", "f", "1"}), "$1\r\n2\r\n");
  // "embstr" although it reads as an integer: Redis stores the text.
  EXPECT_EQ(encoding_of(h, "f"), Encoding::kEmbstr);
  EXPECT_EQ(find_key(h, "f")->expire_ms, expire);
  EXPECT_EQ(h.run({"incrbyfloat", "f", "1e100"}).substr(0, 16), "$100\r\n9999999999");
  EXPECT_EQ(encoding_of(h, "f"), Encoding::kRaw);
}

TEST(Incrbyfloat, LongDoubleRangeBeyondDouble) {
  EngineHarness h;
  std::string reply = h.run({"incrbyfloat", "f", "1e4000"});
  EXPECT_EQ(reply.substr(0, 7), "$4000\r\n");
  EXPECT_EQ(h.run({"strlen", "f"}), ":4000\r\n");
}

TEST(Incrbyfloat, Errors) {
  EngineHarness h;
  EXPECT_EQ(h.run({"incrbyfloat", "g", "abc"}), kNotFloatReply);
  EXPECT_EQ(h.run({"incrbyfloat", "g", " 1"}), kNotFloatReply);
  EXPECT_EQ(h.run({"incrbyfloat", "g", "1 "}), kNotFloatReply);
  EXPECT_EQ(h.run({"incrbyfloat", "g", ""}), kNotFloatReply);
  EXPECT_EQ(h.run({"incrbyfloat", "g", "nan"}), kNotFloatReply);
  EXPECT_EQ(h.run({"incrbyfloat", "g", "1e5000"}), kNotFloatReply);
  EXPECT_EQ(h.run({"incrbyfloat", "g", "inf"}), "-ERR increment would produce NaN or Infinity\r\n");
  h.run({"set", "s", "abc"});
  EXPECT_EQ(h.run({"incrbyfloat", "s", "1"}), kNotFloatReply);
  EXPECT_EQ(find_key(h, "g"), nullptr);
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

}  // namespace
}  // namespace amber
