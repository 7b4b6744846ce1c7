// libFuzzer entry for the AOF loader; the body is aof_loader_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_aof_loader(data, size);
}
