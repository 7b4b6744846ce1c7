// libFuzzer entry for the AOF manifest parser; the body is manifest_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_manifest(data, size);
}
