// Fuzz target for the RESP request parser (server/resp_parser.h), the first
// code that sees a client's untrusted bytes.
//
// Input layout: byte 0 picks the limits (unauthenticated client or not, a
// small or the default proto-max-bulk-len), bytes 1..8 seed the chunk sizes,
// the rest is the query stream. The stream is fed twice: once in chunks of
// random sizes, as reads from a socket would cut it, and once whole. Checks:
//  - the two feeds yield the same commands and end the same way (the parser
//    does not depend on where reads are cut). Only for streams shorter than
//    the 64 KiB line limit, whose errors legitimately depend on buffering;
//  - every argument lies inside the buffer, a command is never empty, and
//    the arguments of a command fit in the bytes received;
//  - unread_command() then next() yields the same command again;
//  - peek_keys() names exactly the second arguments next() then returns
//    (the same bytes of the buffer), in order;
//  - memory follows the bytes, never a header's promise: the buffer stays
//    within a small multiple of the bytes fed, and read_hint() never asks for
//    more than is already buffered (or one ordinary read).
#include <cstring>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_targets.h"
#include "server/resp_parser.h"

namespace amber::fuzz {
namespace {

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  RespParser::Status last = RespParser::Status::kNeedMore;
  std::string error;
};

void check_command(const RespParser& parser, const std::vector<std::string_view>& argv,
                   size_t fed_bytes) {
  FUZZ_CHECK(!argv.empty(), "next() returned an empty command");
  size_t total = 0;
  for (std::string_view arg : argv) total += arg.size();
  FUZZ_CHECK(total <= fed_bytes, "arguments (%zu bytes) exceed the input (%zu)", total, fed_bytes);
  FUZZ_CHECK(parser.buffered_bytes() <= parser.total_bytes(), "buffer accounting broken");
}

void check_memory(const RespParser& parser, size_t fed_bytes) {
  const size_t capacity = parser.total_bytes() + parser.free_bytes();
  FUZZ_CHECK(capacity <= 2 * fed_bytes + 2 * RespParser::kIoBufLen,
             "buffer of %zu bytes for %zu bytes of input", capacity, fed_bytes);
  const size_t hint = parser.read_hint();
  FUZZ_CHECK(hint <= RespParser::kIoBufLen || hint <= parser.buffered_bytes(),
             "read_hint %zu with only %zu bytes buffered", hint, parser.buffered_bytes());
}

// Drains every complete command; returns false once the parser failed.
bool drain(RespParser& parser, const RespParser::Limits& limits, size_t fed_bytes, Outcome* out) {
  std::vector<std::string_view> argv;
  std::vector<std::string_view> peeked(64);
  peeked.resize(parser.peek_keys(peeked));
  size_t matched = 0;
  while (true) {
    RespParser::Status status = parser.next(limits, &argv);
    out->last = status;
    if (status == RespParser::Status::kError) {
      out->error = parser.error();
      FUZZ_CHECK(out->error.rfind("ERR Protocol error: ", 0) == 0, "odd error '%s'",
                 out->error.c_str());
      return false;
    }
    if (status == RespParser::Status::kNeedMore) break;
    check_command(parser, argv, fed_bytes);
    if (argv.size() >= 2 && matched < peeked.size()) {
      FUZZ_CHECK(
          argv[1].data() == peeked[matched].data() && argv[1].size() == peeked[matched].size(),
          "peek_keys() key %zu is not the command's second argument", matched);
      ++matched;
    }
    std::vector<std::string> copy(argv.begin(), argv.end());
    parser.unread_command();
    FUZZ_CHECK(parser.next(limits, &argv) == RespParser::Status::kCommand,
               "re-parse after unread_command failed");
    FUZZ_CHECK(std::vector<std::string>(argv.begin(), argv.end()) == copy,
               "re-parse after unread_command differs");
    out->commands.push_back(std::move(copy));
  }
  parser.compact();
  check_memory(parser, fed_bytes);
  return true;
}

uint64_t next_random(uint64_t* state) {
  // xorshift64*: chunk sizes only need to vary, not to be good randomness.
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545F4914F6CDD1DULL;
}

Outcome feed(std::string_view stream, const RespParser::Limits& limits, uint64_t seed) {
  Outcome out;
  RespParser parser;
  uint64_t state = seed | 1;
  size_t fed = 0;
  while (fed < stream.size()) {
    size_t chunk = stream.size() - fed;
    if (seed != 0) chunk = 1 + next_random(&state) % (chunk < 64 ? chunk : 64);
    char* dst = parser.write_space(chunk);
    std::memcpy(dst, stream.data() + fed, chunk);
    parser.commit(chunk);
    fed += chunk;
    if (!drain(parser, limits, fed, &out)) return out;
  }
  parser.shrink_if_idle();
  return out;
}

}  // namespace

int fuzz_resp_parser(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  uint8_t mode = in.byte();
  RespParser::Limits limits;
  limits.auth_required = (mode & 1) != 0;
  if (mode & 2) limits.max_bulk_len = 1 + (mode >> 2) * 16;
  uint64_t seed = in.u64() | 1;
  std::string_view stream = in.rest();

  Outcome chunked = feed(stream, limits, seed);
  if (stream.size() >= RespParser::kInlineMaxSize) return 0;
  Outcome whole = feed(stream, limits, 0);
  FUZZ_CHECK(chunked.commands == whole.commands, "commands depend on read boundaries (%zu vs %zu)",
             chunked.commands.size(), whole.commands.size());
  FUZZ_CHECK(chunked.last == whole.last && chunked.error == whole.error,
             "end state depends on read boundaries: '%s' vs '%s'", chunked.error.c_str(),
             whole.error.c_str());
  return 0;
}

}  // namespace amber::fuzz
