// LCS: the subsequence, LEN, IDX ranges (with MINMATCHLEN and WITHMATCHLEN)
// and errors, byte for byte as redis-server 7.0.15 replies them.
#include <gtest/gtest.h>

#include "tests/core/engine_harness.h"
#include "tests/core/string_test_util.h"

namespace amber {
namespace {

class Lcs : public ::testing::Test {
 protected:
  void SetUp() override { h.run({"mset", "key1", "ohmytext", "key2", "mynewtext"}); }
  EngineHarness h;
};

TEST_F(Lcs, RepliesSubsequenceOrLength) {
  EXPECT_EQ(h.run({"lcs", "key1", "key2"}), "$6\r\nmytext\r\n");
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "LEN"}), ":6\r\n");
}

TEST_F(Lcs, IdxListsRangesFromTheEnd) {
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*2\r\n"
            "*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
            "$3\r\nlen\r\n:6\r\n");
}

TEST_F(Lcs, MinMatchLenFiltersAndWithMatchLenAddsLength) {
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "idx", "minmatchlen", "4", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n"
            "*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            "$3\r\nlen\r\n:6\r\n");
  // A negative minimum is no minimum.
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "minmatchlen", "-5", "idx"}),
            h.run({"lcs", "key1", "key2", "idx"}));
}

TEST_F(Lcs, Resp3UsesAMap) {
  h.session.protocol = 3;
  EXPECT_EQ(h.run({"lcs", "key1", "nokey", "idx"}),
            "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
}

TEST_F(Lcs, MissingKeysAreEmptyStrings) {
  EXPECT_EQ(h.run({"lcs", "key1", "nokey"}), "$0\r\n\r\n");
  EXPECT_EQ(h.run({"lcs", "nokey", "nokey2", "idx"}),
            "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
}

TEST_F(Lcs, TiesFollowRedisWalk) {
  h.run({"mset", "c", "aaaa", "d", "aa"});
  EXPECT_EQ(h.run({"lcs", "c", "d", "idx", "withmatchlen"}),
            "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
            "$3\r\nlen\r\n:2\r\n");
  h.run({"mset", "a", "abcabcabcXYZabc", "b", "xxabcyyabczzXYZ"});
  EXPECT_EQ(h.run({"lcs", "a", "b"}), "$9\r\nabcabcXYZ\r\n");
}

TEST_F(Lcs, OptionErrors) {
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "idx", "len"}),
            "-ERR If you want both the length and indexes, please just use IDX.\r\n");
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "minmatchlen"}), kSyntaxReply);
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "minmatchlen", "x"}), kNotIntegerReply);
  EXPECT_EQ(h.run({"lcs", "key1", "key2", "foo"}), kSyntaxReply);
}

TEST_F(Lcs, NonStringKeyIsRefusedBeforeOptions) {
  plant_non_string(h, "l");
  EXPECT_EQ(h.run({"lcs", "key1", "l", "foo"}),
            "-ERR The specified keys must contain string values\r\n");
}

TEST(LcsLimit, TableLargerThanProtoMaxBulkLenIsRefused) {
  EngineOptions options;
  options.proto_max_bulk_len = 64;
  EngineHarness h(1, options);
  h.run({"mset", "a", "abc", "b", "abc"});  // 4*4 cells of 4 bytes: exactly 64
  EXPECT_EQ(h.run({"lcs", "a", "b"}), "$3\r\nabc\r\n");
  h.run({"set", "b", "abcd"});
  EXPECT_EQ(h.run({"lcs", "a", "b"}),
            "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n");
}

}  // namespace
}  // namespace amber
