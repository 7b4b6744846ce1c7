// Replays fuzz/corpus/<target>/* and fuzz/regressions/<target>/* through
// each fuzz target's entry function. A target aborts on a broken invariant
// and the sanitizers abort on memory errors, so a passing test means every
// input that ever crashed amber is handled today. One test per target.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.h"

namespace amber::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    fs::path dir = fs::path(AMBER_FUZZ_DIR) / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class FuzzReplay : public testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReplay, EverySeedAndRegressionRunsClean) {
  const FuzzTarget& target = GetParam();
  std::vector<fs::path> files = inputs_of(target.name);
  // Every target has seeds: an empty corpus would make this test vacuous.
  ASSERT_FALSE(files.empty()) << "no inputs under fuzz/corpus/" << target.name;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::string bytes = read_file(file);
    EXPECT_EQ(target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, testing::ValuesIn(all_targets()),
                         [](const testing::TestParamInfo<FuzzTarget>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace amber::fuzz
