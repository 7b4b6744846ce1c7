// APPEND, STRLEN, GETRANGE/SUBSTR, SETRANGE: index clamping, offsets and
// the size limit as redis-server 7.0.15 replies them, and the "raw"
// encoding these writes leave.
#include <gtest/gtest.h>

#include "tests/core/engine_harness.h"
#include "tests/core/string_test_util.h"

namespace amber {
namespace {

constexpr std::string_view kTooLongReply =
    "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";

EngineOptions small_strings(int64_t limit) {
  EngineOptions options;
  options.proto_max_bulk_len = limit;
  return options;
}

TEST(Append, CreatesAndExtends) {
  EngineHarness h;
  EXPECT_EQ(h.run({"append", "k", "hello"}), ":5\r\n");
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kEmbstr);
  EXPECT_EQ(h.run({"append", "k", " world"}), ":11\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$11\r\nhello world\r\n");
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kRaw);
  EXPECT_EQ(h.engine.stats().dirty, 2u);
}

TEST(Append, NewIntegerValueIsIntEncoded) {
  EngineHarness h;
  h.run({"append", "k", "12"});
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kInt);
}

TEST(Append, EmptySuffixStillMakesRawAndCountsAsWrite) {
  EngineHarness h;
  h.run({"set", "k", "1"});
  EXPECT_EQ(h.run({"append", "k", ""}), ":1\r\n");
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kRaw);
  EXPECT_EQ(h.engine.stats().dirty, 2u);
}

TEST(Append, KeepsTtl) {
  EngineHarness h;
  h.run({"set", "k", "v", "ex", "100"});
  int64_t expire = find_key(h, "k")->expire_ms;
  h.run({"append", "k", std::string(5000, 'x')});  // large enough to move the entry
  EXPECT_EQ(find_key(h, "k")->expire_ms, expire);
  EXPECT_EQ(h.run({"strlen", "k"}), ":5001\r\n");
}

TEST(Append, RefusesResultPastLimit) {
  EngineHarness h(1, small_strings(10));
  h.run({"set", "k", "12345"});
  EXPECT_EQ(h.run({"append", "k", "67890"}), ":10\r\n");
  EXPECT_EQ(h.run({"append", "k", "x"}), kTooLongReply);
  EXPECT_EQ(h.run({"strlen", "k"}), ":10\r\n");
}

TEST(Append, WrongType) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"append", "l", "x"}), kWrongTypeReply);
}

TEST(Strlen, CountsBytes) {
  EngineHarness h;
  EXPECT_EQ(h.run({"strlen", "nokey"}), ":0\r\n");
  h.run({"set", "i", "-12345"});
  EXPECT_EQ(h.run({"strlen", "i"}), ":6\r\n");
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"strlen", "l"}), kWrongTypeReply);
}

TEST(Getrange, ClampsIndexesLikeRedis) {
  EngineHarness h;
  h.run({"set", "k", "hello"});
  EXPECT_EQ(h.run({"getrange", "k", "0", "-1"}), "$5\r\nhello\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "-5", "-1"}), "$5\r\nhello\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "-1", "-5"}), "$0\r\n\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "-100", "100"}), "$5\r\nhello\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "-100", "-100"}), "$1\r\nh\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "100", "200"}), "$0\r\n\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "2", "1"}), "$0\r\n\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "4", "4"}), "$1\r\no\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "5", "5"}), "$0\r\n\r\n");
  EXPECT_EQ(h.run({"getrange", "k", "-9223372036854775808", "9223372036854775807"}),
            "$5\r\nhello\r\n");
}

TEST(Getrange, EmptyAndMissing) {
  EngineHarness h;
  EXPECT_EQ(h.run({"getrange", "nokey", "0", "1"}), "$0\r\n\r\n");
  h.run({"set", "e", ""});
  EXPECT_EQ(h.run({"getrange", "e", "0", "-1"}), "$0\r\n\r\n");
  EXPECT_EQ(h.run({"getrange", "e", "-1", "0"}), "$0\r\n\r\n");
}

TEST(Getrange, IntegerEncodedValueUsesItsDigits) {
  EngineHarness h;
  h.run({"set", "i", "12345"});
  EXPECT_EQ(h.run({"getrange", "i", "1", "2"}), "$2\r\n23\r\n");
}

TEST(Getrange, IndexErrorsComeBeforeLookup) {
  EngineHarness h;
  EXPECT_EQ(h.run({"getrange", "nokey", "a", "1"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"getrange", "nokey", "1", "b"}), kNotIntegerReply);
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"getrange", "l", "0", "1"}), kWrongTypeReply);
}

TEST(Substr, IsGetrange) {
  EngineHarness h;
  h.run({"set", "k", "hello"});
  EXPECT_EQ(h.run({"substr", "k", "0", "1"}), "$2\r\nhe\r\n");
  EXPECT_EQ(h.run({"substr", "k", "0"}), "-ERR wrong number of arguments for 'substr' command\r\n");
}

TEST(Setrange, PadsWithZeroBytes) {
  EngineHarness h;
  EXPECT_EQ(h.run({"setrange", "k", "2", "ab"}), ":4\r\n");
  EXPECT_EQ(h.run({"get", "k"}), std::string("$4\r\n\0\0ab\r\n", 10));
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kRaw);
  EXPECT_EQ(h.run({"setrange", "k", "0", "XYZW"}), ":4\r\n");
  EXPECT_EQ(h.run({"setrange", "k", "1", "Q"}), ":4\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$4\r\nXQZW\r\n");
  EXPECT_EQ(h.engine.stats().dirty, 3u);
}

TEST(Setrange, OverwritesIntegerAndLeavesRaw) {
  EngineHarness h;
  h.run({"set", "k", "12345", "ex", "100"});
  EXPECT_EQ(h.run({"setrange", "k", "1", "x"}), ":5\r\n");
  EXPECT_EQ(h.run({"get", "k"}), "$5\r\n1x345\r\n");
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kRaw);
  EXPECT_TRUE(find_key(h, "k")->has_expire());
}

TEST(Setrange, EmptyValueChangesNothing) {
  EngineHarness h;
  EXPECT_EQ(h.run({"setrange", "nokey", "536870912", ""}), ":0\r\n");
  EXPECT_EQ(find_key(h, "nokey"), nullptr);
  h.run({"set", "k", "12"});
  EXPECT_EQ(h.run({"setrange", "k", "9223372036854775807", ""}), ":2\r\n");
  EXPECT_EQ(encoding_of(h, "k"), Encoding::kInt);
  EXPECT_EQ(h.engine.stats().dirty, 1u);
}

TEST(Setrange, OffsetErrors) {
  EngineHarness h;
  EXPECT_EQ(h.run({"setrange", "k", "-1", "x"}), "-ERR offset is out of range\r\n");
  EXPECT_EQ(h.run({"setrange", "k", "a", "x"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"setrange", "k", "536870912", "x"}), kTooLongReply);
  EXPECT_EQ(h.run({"setrange", "k", "9223372036854775807", "x"}), kTooLongReply);
  EXPECT_EQ(find_key(h, "k"), nullptr);
}

TEST(Setrange, LimitCountsOffsetPlusValue) {
  EngineHarness h(1, small_strings(8));
  EXPECT_EQ(h.run({"setrange", "k", "6", "ab"}), ":8\r\n");
  EXPECT_EQ(h.run({"setrange", "k", "7", "ab"}), kTooLongReply);
}

TEST(Setrange, WrongTypeBeforeEmptyValueShortcut) {
  EngineHarness h;
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"setrange", "l", "0", ""}), kWrongTypeReply);
}

TEST(Setrange, InvalidatesWatch) {
  EngineHarness h;
  h.run({"watch", "k"});
  h.run({"setrange", "k", "0", "x"});
  h.run({"multi"});
  EXPECT_EQ(h.run({"exec"}), "*-1\r\n");
}

}  // namespace
}  // namespace amber
