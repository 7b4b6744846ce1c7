// The table of fuzz targets that the regression replay test walks. A new
// target is added here and gets its corpus directory under fuzz/corpus/.
#include "fuzz/fuzz_targets.h"

namespace amber::fuzz {

std::span<const FuzzTarget> all_targets() {
  static constexpr FuzzTarget kTargets[] = {
      {"resp_parser", fuzz_resp_parser}, {"config", fuzz_config},
      {"rdb_loader", fuzz_rdb_loader},   {"engine", fuzz_engine},
      {"manifest", fuzz_manifest},       {"nvm_log", fuzz_nvm_log},
      {"nvm_store", fuzz_nvm_store},     {"aof_loader", fuzz_aof_loader},
      {"nvm_tail", fuzz_nvm_tail},
  };
  return kTargets;
}

}  // namespace amber::fuzz
