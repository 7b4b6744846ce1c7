// RespParser against Redis 7.0's request parsing: every protocol error
// text, input cut at every byte, inline quoting, pipelining, and headers
// that must not make us allocate what they promise.
#include "server/resp_parser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace amber {
namespace {

using Args = std::vector<std::string>;

struct Outcome {
  std::vector<Args> commands;
  std::string error;  // empty if none
};

void feed(RespParser& p, std::string_view bytes) {
  if (bytes.empty()) return;
  char* dst = p.write_space(bytes.size());
  std::memcpy(dst, bytes.data(), bytes.size());
  p.commit(bytes.size());
}

// Feeds `chunks` one at a time, draining complete commands after each.
Outcome parse_chunks(const std::vector<std::string>& chunks, RespParser::Limits limits = {}) {
  RespParser p;
  Outcome out;
  std::vector<std::string_view> argv;
  for (const std::string& chunk : chunks) {
    feed(p, chunk);
    while (true) {
      RespParser::Status s = p.next(limits, &argv);
      if (s == RespParser::Status::kNeedMore) break;
      if (s == RespParser::Status::kError) {
        out.error = p.error();
        return out;
      }
      out.commands.emplace_back(argv.begin(), argv.end());
    }
    p.compact();
  }
  return out;
}

Outcome parse(const std::string& bytes, RespParser::Limits limits = {}) {
  return parse_chunks({bytes}, limits);
}

TEST(RespParser, ParsesMultibulkCommand) {
  Outcome o = parse("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n");
  ASSERT_TRUE(o.error.empty());
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Args{"SET", "k", "hello"}));
}

TEST(RespParser, BinarySafeBulkKeepsCrLfAndNul) {
  std::string value("a\r\n\0b", 5);
  Outcome o = parse("*2\r\n$4\r\necho\r\n$5\r\n" + value + "\r\n");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0][1], value);
}

TEST(RespParser, PipelinedCommandsAllComeOutInOrder) {
  std::string bytes;
  for (int i = 0; i < 100; ++i)
    bytes += "*2\r\n$4\r\necho\r\n$" + std::to_string(std::to_string(i).size()) + "\r\n" +
             std::to_string(i) + "\r\n";
  bytes += "PING\r\n";
  Outcome o = parse(bytes);
  ASSERT_EQ(o.commands.size(), 101u);
  EXPECT_EQ(o.commands[57], (Args{"echo", "57"}));
  EXPECT_EQ(o.commands[100], (Args{"PING"}));
}

TEST(RespParser, EverySplitPointGivesTheSameCommands) {
  const std::string bytes =
      "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\n0123456789\r\nPING\r\necho \"a b\" c\r\n*0\r\n"
      "*1\r\n$4\r\nPING\r\n";
  const std::vector<Args> expected = {
      {"SET", "key", "0123456789"}, {"PING"}, {"echo", "a b", "c"}, {"PING"}};
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    Outcome o = parse_chunks({bytes.substr(0, cut), bytes.substr(cut)});
    EXPECT_TRUE(o.error.empty()) << "cut at " << cut;
    EXPECT_EQ(o.commands, expected) << "cut at " << cut;
  }
}

TEST(RespParser, ByteAtATimeGivesTheSameCommands) {
  const std::string bytes = "*2\r\n$4\r\necho\r\n$3\r\nabc\r\nset k 'v w'\r\n";
  std::vector<std::string> chunks;
  for (char c : bytes) chunks.emplace_back(1, c);
  Outcome o = parse_chunks(chunks);
  EXPECT_EQ(o.commands, (std::vector<Args>{{"echo", "abc"}, {"set", "k", "v w"}}));
}

TEST(RespParser, EmptyCommandsAreSkipped) {
  Outcome o = parse("\r\n\n*0\r\n*-1\r\n   \r\nPING\r\n");
  EXPECT_EQ(o.commands, (std::vector<Args>{{"PING"}}));
}

TEST(RespParser, InlineQuotingFollowsSdssplitargs) {
  Outcome o = parse("set \"a\\x41\\n\\\"\" 'it\\'s' plain\tword\r\n");
  ASSERT_EQ(o.commands.size(), 1u);
  EXPECT_EQ(o.commands[0], (Args{"set", "aA\n\"", "it's", "plain", "word"}));
  EXPECT_EQ(parse("a\"b c\"\r\n").commands[0], (Args{"ab c"}));
  EXPECT_EQ(parse("PING\n").commands[0], (Args{"PING"}));
}

TEST(RespParser, UnbalancedQuotesAreAProtocolError) {
  EXPECT_EQ(parse("set \"abc\r\n").error, "ERR Protocol error: unbalanced quotes in request");
  EXPECT_EQ(parse("set 'abc\r\n").error, "ERR Protocol error: unbalanced quotes in request");
  EXPECT_EQ(parse("set \"a\"b\r\n").error, "ERR Protocol error: unbalanced quotes in request");
}

TEST(RespParser, TooBigInlineRequest) {
  EXPECT_EQ(parse(std::string(64 * 1024, 'x')).error, "");
  EXPECT_EQ(parse(std::string(64 * 1024 + 1, 'x')).error,
            "ERR Protocol error: too big inline request");
}

TEST(RespParser, InvalidMultibulkLength) {
  EXPECT_EQ(parse("*x\r\n").error, "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(parse("*\r\n").error, "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(parse("*+1\r\n").error, "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(parse("*2147483648\r\n").error, "ERR Protocol error: invalid multibulk length");
  EXPECT_EQ(parse("*2147483647\r\n").error, "");
}

TEST(RespParser, UnauthenticatedLimits) {
  RespParser::Limits unauth{.auth_required = true};
  EXPECT_EQ(parse("*11\r\n", unauth).error, "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(parse("*10\r\n", unauth).error, "");
  EXPECT_EQ(parse("*1\r\n$16385\r\n", unauth).error,
            "ERR Protocol error: unauthenticated bulk length");
  EXPECT_EQ(parse("*1\r\n$16384\r\n", unauth).error, "");
}

TEST(RespParser, InvalidBulkLength) {
  EXPECT_EQ(parse("*1\r\n$-1\r\n").error, "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(parse("*1\r\n$abc\r\n").error, "ERR Protocol error: invalid bulk length");
  RespParser::Limits small{.max_bulk_len = 100};
  EXPECT_EQ(parse("*1\r\n$101\r\n", small).error, "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(parse("*1\r\n$100\r\n", small).error, "");
}

TEST(RespParser, ExpectedDollar) {
  EXPECT_EQ(parse("*1\r\nfoo\r\n").error, "ERR Protocol error: expected '$', got 'f'");
  // Redis does not check the CRLF after a bulk: "XY" is taken as one.
  EXPECT_EQ(parse("*3\r\n$4\r\necho\r\n$3\r\nabcXY*1\r\n").error,
            "ERR Protocol error: expected '$', got '*'");
}

TEST(RespParser, TooBigCountStrings) {
  EXPECT_EQ(parse("*" + std::string(64 * 1024 + 1, '1')).error,
            "ERR Protocol error: too big mbulk count string");
  EXPECT_EQ(parse("*1\r\n$" + std::string(64 * 1024, '1')).error,
            "ERR Protocol error: too big bulk count string");
}

TEST(RespParser, CommandsBeforeAnErrorStillComeOut) {
  Outcome o = parse("PING\r\n*1\r\nxx\r\n");
  EXPECT_EQ(o.commands, (std::vector<Args>{{"PING"}}));
  EXPECT_EQ(o.error, "ERR Protocol error: expected '$', got 'x'");
}

TEST(RespParser, HugeHeadersDoNotReserveMemory) {
  RespParser p;
  feed(p, "*2147483647\r\n$536870912\r\nabc");
  std::vector<std::string_view> argv;
  EXPECT_EQ(p.next({}, &argv), RespParser::Status::kNeedMore);
  p.compact();
  EXPECT_LT(p.total_bytes() + p.free_bytes(), 64u * 1024);
  // The next read is sized to what arrived, not to the 512 MB promised.
  EXPECT_LE(p.read_hint(), RespParser::kIoBufLen);
}

TEST(RespParser, BigBulkReadsGrowGeometrically) {
  RespParser p;
  feed(p, "*1\r\n$1000000\r\n" + std::string(40000, 'a'));
  std::vector<std::string_view> argv;
  EXPECT_EQ(p.next({}, &argv), RespParser::Status::kNeedMore);
  size_t hint = p.read_hint();
  EXPECT_GT(hint, RespParser::kIoBufLen);
  EXPECT_LE(hint, 40000u);
}

TEST(RespParser, UnreadCommandIsParsedAgain) {
  RespParser p;
  feed(p, "*1\r\n$4\r\nPING\r\nECHO x\r\n");
  std::vector<std::string_view> argv;
  ASSERT_EQ(p.next({}, &argv), RespParser::Status::kCommand);
  ASSERT_EQ(p.next({}, &argv), RespParser::Status::kCommand);
  EXPECT_EQ(argv[0], "ECHO");
  p.unread_command();
  p.compact();
  ASSERT_EQ(p.next({}, &argv), RespParser::Status::kCommand);
  EXPECT_EQ(argv[1], "x");
}

TEST(RespParser, SplitInlineArgsHandlesEdgeCases) {
  std::vector<std::string> out;
  size_t n = 0;
  ASSERT_TRUE(split_inline_args("  ", &out, &n));
  EXPECT_EQ(n, 0u);
  ASSERT_TRUE(split_inline_args("\"\" ''", &out, &n));
  ASSERT_EQ(n, 2u);
  EXPECT_EQ(out[0], "");
  EXPECT_EQ(out[1], "");
  ASSERT_TRUE(split_inline_args(std::string_view("a\0b", 3), &out, &n));
  EXPECT_EQ(n, 1u);  // a NUL ends the line, as in C
  EXPECT_FALSE(split_inline_args("\"abc\\", &out, &n));
}

std::vector<std::string> peek(const RespParser& p, size_t max = 16) {
  std::vector<std::string_view> keys(max);
  keys.resize(p.peek_keys(keys));
  return {keys.begin(), keys.end()};
}

TEST(RespParserPeekKeys, GivesTheSecondArgumentOfEachBufferedCommand) {
  RespParser p;
  feed(p,
       "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$1\r\nv\r\n"
       "*1\r\n$4\r\nPING\r\n"
       "*2\r\n$3\r\nGET\r\n$0\r\n\r\n"
       "*2\r\n$3\r\nGET\r\n$2\r\nk3\r\n");
  EXPECT_EQ(peek(p), (std::vector<std::string>{"k1", "", "k3"}));
  EXPECT_EQ(peek(p, 2), (std::vector<std::string>{"k1", ""}));
  // Nothing consumed: the commands parse as before, and the peek follows.
  std::vector<std::string_view> argv;
  ASSERT_EQ(p.next({}, &argv), RespParser::Status::kCommand);
  EXPECT_EQ(argv[1], "k1");
  EXPECT_EQ(peek(p), (std::vector<std::string>{"", "k3"}));
}

TEST(RespParserPeekKeys, StopsAtWhatIsNotAPlainMultibulkCommand) {
  const std::string get_a = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n";
  for (const std::string& bad :
       {std::string("GET b\r\n"), std::string("*x\r\n"), std::string("*-1\r\n"),
        std::string("*0\r\n"), std::string("*2\r\n$-1\r\n"), std::string("*2\r\n$x\r\n"),
        std::string("*2\n$3\r\nGET\r\n$1\r\nb\r\n")}) {
    RespParser p;
    feed(p, get_a + bad + get_a);
    EXPECT_EQ(peek(p), (std::vector<std::string>{"a"})) << bad;
  }
}

TEST(RespParserPeekKeys, StopsAtACommandNotWhollyReceived) {
  const std::string get_a = "*2\r\n$3\r\nGET\r\n$1\r\na\r\n";
  for (const std::string& partial :
       {std::string("*2\r\n$3\r\nGET\r\n$1\r\nb"), std::string("*2\r\n$3\r\nGET\r\n$9\r\nb\r\n"),
        std::string("*2\r\n$3\r\nGET\r\n$1"), std::string("*2\r")}) {
    RespParser p;
    feed(p, get_a + partial);
    EXPECT_EQ(peek(p), (std::vector<std::string>{"a"})) << partial;
  }
}

TEST(RespParserPeekKeys, IsEmptyInsideAPartlyReadCommand) {
  RespParser p;
  feed(p, "*2\r\n$3\r\nGET\r\n");
  std::vector<std::string_view> argv;
  ASSERT_EQ(p.next({}, &argv), RespParser::Status::kNeedMore);
  feed(p, "$1\r\na\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n");
  EXPECT_TRUE(peek(p).empty());
  ASSERT_EQ(p.next({}, &argv), RespParser::Status::kCommand);
  EXPECT_EQ(peek(p), (std::vector<std::string>{"b"}));
}

TEST(RespParserPeekKeys, ALengthPastTheBufferEndsTheScan) {
  RespParser p;
  feed(p, "*2\r\n$3\r\nGET\r\n$9223372036854775807\r\nab\r\n");
  EXPECT_TRUE(peek(p).empty());
}

}  // namespace
}  // namespace amber
