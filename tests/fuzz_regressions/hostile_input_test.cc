// Resource bounds under hostile input: headers that declare far more than
// they send get a clear error, or wait for bytes that never come, without
// allocating what they declare. (In the sanitizer build an allocation of
// the declared size would abort; elsewhere it would throw bad_alloc.)
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/db.h"
#include "core/persist/rdb_loader.h"
#include "fuzz/resp_validator.h"
#include "server/resp_parser.h"

namespace amber {
namespace {

RespParser::Status feed(RespParser& parser, std::string_view bytes,
                        std::vector<std::string_view>* argv) {
  std::memcpy(parser.write_space(bytes.size()), bytes.data(), bytes.size());
  parser.commit(bytes.size());
  return parser.next(RespParser::Limits{}, argv);
}

size_t capacity(const RespParser& parser) { return parser.total_bytes() + parser.free_bytes(); }

TEST(HostileInput, MultibulkOf2Pow31Minus1ElementsReservesNothing) {
  RespParser parser;
  std::vector<std::string_view> argv;
  EXPECT_EQ(feed(parser, "*2147483647\r\n$1\r\na\r\n", &argv), RespParser::Status::kNeedMore);
  EXPECT_LT(capacity(parser), 1024u);
}

TEST(HostileInput, MultibulkOf2Pow31ElementsIsAnError) {
  RespParser parser;
  std::vector<std::string_view> argv;
  ASSERT_EQ(feed(parser, "*2147483648\r\n", &argv), RespParser::Status::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: invalid multibulk length");
}

TEST(HostileInput, BulkAtTheLimitWaitsWithoutReserving) {
  RespParser parser;
  std::vector<std::string_view> argv;
  EXPECT_EQ(feed(parser, "*1\r\n$536870912\r\nabc", &argv), RespParser::Status::kNeedMore);
  EXPECT_LT(capacity(parser), 1024u);
  EXPECT_LE(parser.read_hint(), RespParser::kIoBufLen);
}

TEST(HostileInput, BulkPastTheLimitIsAnError) {
  RespParser parser;
  std::vector<std::string_view> argv;
  ASSERT_EQ(feed(parser, "*1\r\n$536870913\r\n", &argv), RespParser::Status::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: invalid bulk length");
}

TEST(HostileInput, DeeplyNestedRequestIsRefusedAtTheFirstNesting) {
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "*1\r\n";
  RespParser parser;
  std::vector<std::string_view> argv;
  ASSERT_EQ(feed(parser, nested, &argv), RespParser::Status::kError);
  EXPECT_EQ(parser.error(), "ERR Protocol error: expected '$', got '*'");
}

TEST(HostileInput, DeeplyNestedResp3ReplyIsRefusedByDepth) {
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "~1\r\n";
  nested += "_\r\n";
  fuzz::RespCheck check = fuzz::validate_resp_value(nested, 3);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.error.find("nesting deeper than the limit"), std::string::npos);
  EXPECT_TRUE(fuzz::validate_resp_value("~1\r\n%1\r\n+a\r\n_\r\n", 3).ok);
}

TEST(HostileInput, Resp3AggregateDeclaringMoreThanItHoldsIsRefused) {
  fuzz::RespCheck check = fuzz::validate_resp_value("*2147483647\r\n:1\r\n", 2);
  EXPECT_FALSE(check.ok);
  EXPECT_NE(check.error.find("runs past the end"), std::string::npos);
}

// An RDB 10 body: magic, then `body`, with no checksum check.
Status load_rdb_body(std::string_view body) {
  std::vector<std::unique_ptr<Db>> owned;
  std::vector<Db*> dbs;
  for (int i = 0; i < 16; ++i) {
    owned.push_back(std::make_unique<Db>(i + 1));
    dbs.push_back(owned.back().get());
  }
  std::string bytes = "REDIS0010" + std::string(body);
  RdbLoadOptions options;
  options.verify_checksum = false;
  RdbLoadResult result;
  return load_rdb_bytes(bytes, dbs, options, &result);
}

// 0x81: a 64-bit big-endian length follows.
std::string huge_length() { return std::string("\x81\x00\x04\x00\x00\x00\x00\x00\x00", 9); }

TEST(HostileInput, RdbKeyDeclaringAHugeLengthIsAnError) {
  Status status = load_rdb_body(std::string(1, '\0') + huge_length() + "abc");
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(status.message().empty());
}

TEST(HostileInput, RdbLzfStringDeclaringAHugeLengthIsAnError) {
  // Type string, key "k", value LZF (0xC3) with 3 compressed bytes that
  // claim to expand to 2^50.
  std::string body = std::string(1, '\0') + "\x01k" + "\xc3\x03" + huge_length() + "abc";
  Status status = load_rdb_body(body);
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(status.message().empty());
}

TEST(HostileInput, RdbResizeDbHintOfHugeSizeReservesNothing) {
  // SELECTDB 0, RESIZEDB 2^50 2^50, EOF, zero checksum.
  std::string body = std::string("\xfe\x00\xfb", 3) + huge_length() + huge_length() + "\xff" +
                     std::string(8, '\0');
  Status status = load_rdb_body(body);
  EXPECT_TRUE(status.ok()) << status.to_string();
}

}  // namespace
}  // namespace amber
