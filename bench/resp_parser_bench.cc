// Micro-benchmarks of request parsing: a pipelined batch of commands (as a
// client with -P 16, or a large pipeline) arriving in one read, parsed to
// argv views by RespParser. Measures the parser alone: no dispatch.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "server/resp_parser.h"

namespace amber {
namespace {

std::string multibulk(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string set_batch(int commands, size_t value_bytes) {
  std::string batch;
  for (int i = 0; i < commands; ++i) {
    batch += multibulk({"SET", "key:" + std::to_string(i), std::string(value_bytes, 'v')});
  }
  return batch;
}

std::string inline_batch(int commands) {
  std::string batch;
  for (int i = 0; i < commands; ++i) batch += "SET key:" + std::to_string(i) + " xxx\r\n";
  return batch;
}

// Feeds `batch` in one read and parses every command in it.
void parse_batch(benchmark::State& state, const std::string& batch, int commands) {
  RespParser parser;
  RespParser::Limits limits;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    char* space = parser.write_space(batch.size());
    std::memcpy(space, batch.data(), batch.size());
    parser.commit(batch.size());
    int parsed = 0;
    while (parser.next(limits, &argv) == RespParser::Status::kCommand) ++parsed;
    parser.compact();
    if (parsed != commands) state.SkipWithError("parsed a different number of commands");
    benchmark::DoNotOptimize(argv.data());
  }
  state.SetItemsProcessed(state.iterations() * commands);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}

void BM_ParsePipelinedSet(benchmark::State& state) {
  int commands = static_cast<int>(state.range(0));
  parse_batch(state, set_batch(commands, static_cast<size_t>(state.range(1))), commands);
}
BENCHMARK(BM_ParsePipelinedSet)->Args({1, 3})->Args({16, 3})->Args({1000, 3})->Args({16, 1024});

void BM_ParsePipelinedInline(benchmark::State& state) {
  int commands = static_cast<int>(state.range(0));
  parse_batch(state, inline_batch(commands), commands);
}
BENCHMARK(BM_ParsePipelinedInline)->Arg(16);

// The same batch cut into 64-byte reads: the incremental (resumable) path.
void BM_ParseFragmented(benchmark::State& state) {
  constexpr int kCommands = 16;
  constexpr size_t kChunk = 64;
  std::string batch = set_batch(kCommands, 3);
  RespParser parser;
  RespParser::Limits limits;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    int parsed = 0;
    for (size_t off = 0; off < batch.size(); off += kChunk) {
      size_t n = std::min(kChunk, batch.size() - off);
      std::memcpy(parser.write_space(n), batch.data() + off, n);
      parser.commit(n);
      while (parser.next(limits, &argv) == RespParser::Status::kCommand) ++parsed;
    }
    parser.compact();
    if (parsed != kCommands) state.SkipWithError("parsed a different number of commands");
  }
  state.SetItemsProcessed(state.iterations() * kCommands);
}
BENCHMARK(BM_ParseFragmented);

}  // namespace
}  // namespace amber
