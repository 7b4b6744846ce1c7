// libFuzzer entry for the RESP request parser; the body is resp_parser_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_resp_parser(data, size);
}
