// libFuzzer entry for NVM log recovery; the body is nvm_log_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_nvm_log(data, size);
}
