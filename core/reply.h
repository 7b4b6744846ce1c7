// Reply: builds a command's reply as RESP bytes, in the protocol version the
// client negotiated (2 by default, 3 after HELLO 3). RESP is the engine's
// canonical reply form: the server sends these bytes as they are, the
// simulator and the tests compare them byte for byte.
//
// Aggregates are written header first (array(n) then n elements); when the
// count is unknown up front, use begin_deferred_array()/end_deferred_array().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace amber {

class Reply {
 public:
  // Appends to `out`; the caller owns the buffer.
  explicit Reply(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  int protocol() const { return protocol_; }
  void set_protocol(int protocol) { protocol_ = protocol; }
  std::string* buffer() { return out_; }

  void ok() { raw("+OK\r\n"); }
  void simple(std::string_view s);
  // `message` is the whole error text without the leading '-', e.g.
  // "ERR syntax error" or "WRONGTYPE Operation against ...". Newlines are
  // replaced by spaces so a message can never break the protocol.
  void error(std::string_view message);
  void integer(int64_t v);
  void bulk(std::string_view s);
  void null();        // RESP2 "$-1", RESP3 "_"
  void null_array();  // RESP2 "*-1", RESP3 "_"
  void array(size_t n);
  void map(size_t n);           // RESP2: array of 2n
  void set(size_t n);           // RESP2: array
  void push(size_t n);          // RESP3 only: out-of-band data (pub/sub)
  void double_value(double d);  // RESP2: bulk string
  void boolean(bool b);         // RESP2: integer 1/0
  void verbatim(std::string_view text, std::string_view format = "txt");  // RESP2: bulk
  void empty_array() { raw("*0\r\n"); }

  // For arrays whose length is known only after the elements are written.
  size_t begin_deferred_array();
  void end_deferred_array(size_t handle, size_t n);
  // The same, for maps (RESP2 doubles the count).
  size_t begin_deferred_map() { return begin_deferred_array(); }
  void end_deferred_map(size_t handle, size_t n);

  // Appends already-encoded RESP bytes.
  void raw(std::string_view bytes) { out_->append(bytes); }

  // Number of error replies written through this object (for errorstats and
  // for MULTI's queue-time error detection).
  uint64_t errors() const { return errors_; }
  // The most recent error message written (without '-').
  std::string_view last_error() const { return last_error_; }

 private:
  void header(char type, size_t n);

  std::string* out_;
  int protocol_;
  uint64_t errors_ = 0;
  std::string last_error_;
};

}  // namespace amber
