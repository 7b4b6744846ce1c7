// RespClient: a blocking client for the tests that sends a command and
// returns the server's reply as the raw RESP bytes it received, so that two
// servers can be compared byte for byte. hiredis opens the connection and
// encodes requests; replies are framed here (hiredis would parse them into
// objects and lose the bytes). RespValue is a parsed reply for the few
// comparisons that must look inside (sorting KEYS, collecting SCAN pages).
//
// Single-threaded; one object per connection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace amber::testing {

struct RespValue {
  char type = '+';    // the RESP type byte: + - : $ * (and RESP3 _ , # = % ~ > ( !)
  std::string text;   // simple/error/integer/bulk payload, or the header line of others
  bool null = false;  // $-1 or *-1
  std::vector<RespValue> elems;

  bool is_error() const { return type == '-'; }
};

// Length of the first complete reply in `buf`, nullopt if more bytes are
// needed. Malformed input is reported as the whole buffer being one reply
// (its bytes then fail any comparison, which is the point).
std::optional<size_t> resp_frame_length(std::string_view buf);
// REQUIRES: `bytes` holds exactly one complete reply.
RespValue resp_parse(std::string_view bytes);
std::string resp_serialize(const RespValue& v);
// For messages: escapes \r \n and non-printables.
std::string resp_printable(std::string_view bytes);

class RespClient {
 public:
  RespClient() = default;
  ~RespClient();
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  bool connect(int port, std::string* error);
  void close();

  // Sends one command and returns its raw reply; "" with `error` set if the
  // connection fails or no full reply arrives within the timeout.
  std::string command(const std::vector<std::string>& argv, std::string* error);
  // Sends raw bytes (pipelining, malformed input).
  bool send_raw(std::string_view bytes, std::string* error);
  // Reads one reply sent in response to earlier requests.
  std::string read_reply(std::string* error);

 private:
  redisContext* ctx_ = nullptr;
  std::string pending_;  // bytes received beyond the last reply
  int timeout_ms_ = 5000;
};

}  // namespace amber::testing
