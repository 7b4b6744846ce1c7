// libFuzzer entry for the structure-aware engine target; the body is engine_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_engine(data, size);
}
