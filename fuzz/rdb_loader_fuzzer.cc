// libFuzzer entry for the RDB loader; the body is rdb_loader_target.cc.
#include "fuzz/fuzz_targets.h"
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return amber::fuzz::fuzz_rdb_loader(data, size);
}
