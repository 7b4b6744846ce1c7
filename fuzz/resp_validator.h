// A strict RESP reply validator for the fuzz targets: says whether a byte
// string is exactly one well-formed RESP2 or RESP3 value, as a client would
// parse it. It walks the bytes iteratively (an explicit count of elements
// still owed per open aggregate), so a hostile, deeply nested reply costs
// no stack and is refused past `max_depth` with a clear error; declared
// lengths are checked against the bytes present, never allocated.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace amber::fuzz {

struct RespCheck {
  bool ok = false;
  std::string error;  // why not, with the byte offset
};

// `protocol` 2 refuses the RESP3-only types (_ # , ( ! = % ~ | >).
RespCheck validate_resp_value(std::string_view bytes, int protocol, size_t max_depth = 1024);

}  // namespace amber::fuzz
