// The fuzz targets' entry points, shared by two builds: the libFuzzer
// executables (fuzz/<name>_fuzzer.cc, clang) call one each, and the ordinary
// test suite (tests/fuzz_regressions/) replays every seed and every input
// that ever crashed a target through the same functions, so a fixed crash
// stays fixed in the gcc build too.
//
// A target returns 0 (libFuzzer's convention) and aborts with a message when
// an invariant breaks (see fuzz_check.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace amber::fuzz {

int fuzz_resp_parser(const uint8_t* data, size_t size);
int fuzz_config(const uint8_t* data, size_t size);
int fuzz_rdb_loader(const uint8_t* data, size_t size);
int fuzz_engine(const uint8_t* data, size_t size);
int fuzz_manifest(const uint8_t* data, size_t size);
int fuzz_nvm_log(const uint8_t* data, size_t size);
int fuzz_nvm_store(const uint8_t* data, size_t size);
int fuzz_nvm_tail(const uint8_t* data, size_t size);
int fuzz_aof_loader(const uint8_t* data, size_t size);

struct FuzzTarget {
  const char* name;  // the directory name under fuzz/corpus/ and fuzz/regressions/
  int (*run)(const uint8_t* data, size_t size);
};

// Every target, in a fixed order.
std::span<const FuzzTarget> all_targets();

}  // namespace amber::fuzz
