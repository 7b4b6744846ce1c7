// libFuzzer entry for NVM recovery of the unfolded log; the body is
// nvm_tail_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_nvm_tail(data, size);
}
