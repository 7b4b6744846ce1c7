// libFuzzer entry for the redis.conf parser; the body is config_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_config(data, size);
}
