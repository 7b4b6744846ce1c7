// amber-nvm-bench: measures the NVM library on a PmemRegion (default
// /dev/shm with PMEM_IS_PMEM_FORCE=1, i.e. the cache-flush path on DRAM):
// PmemLog append+persist throughput (100-byte payloads, batches of 1 and
// 16), PmemStore upsert and lookup rates, Replayer fold rate, and the time
// to reopen a store of N keys and serve the first lookup. A measurement
// tool, not library code: it reads the steady clock.
//
//   amber-nvm-bench [--dir /dev/shm] [--keys 1000000]
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "nvm/log_record.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_region.h"
#include "nvm/pmem_store.h"
#include "nvm/replayer.h"

namespace amber::nvm {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<PmemRegion> map_new(const std::string& path, size_t bytes) {
  std::filesystem::remove(path);
  std::unique_ptr<PmemRegion> region;
  Status status = PmemRegion::open(path, bytes, &region);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.to_string().c_str());
    std::exit(1);
  }
  return region;
}

void bench_log(const std::string& dir, size_t batch) {
  auto region = map_new(dir + "/amber-bench-log", 64 << 20);
  std::unique_ptr<PmemLog> log;
  if (!PmemLog::format(region.get(), 1, &log).ok()) std::exit(1);
  std::string payload(100, 'x');
  const size_t records = 2'000'000;
  auto start = Clock::now();
  for (size_t i = 0; i < records; i += batch) {
    for (size_t j = 0; j < batch; ++j) {
      if (!log->append(payload)) {
        log->persist();
        log->advance_head(log->tail_lsn());  // an instant replayer
        log->append(payload);
      }
    }
    log->persist();
  }
  double s = seconds_since(start);
  std::printf("log append+persist, 100 B, batch %2zu: %.0f records/s (%.2f us/batch), is_pmem=%d\n",
              batch, records / s, s * 1e6 / (records / batch), region->is_pmem());
}

std::string key_of(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key:%012llu", static_cast<unsigned long long>(i));
  return buf;
}

void bench_store(const std::string& dir, uint64_t keys) {
  std::string path = dir + "/amber-bench-store";
  size_t bytes = keys * 256 + (64 << 20);
  {
    auto region = map_new(path, bytes);
    std::unique_ptr<PmemStore> store;
    StoreFormatOptions options;
    options.slot_count = keys * 2;
    auto start = Clock::now();
    if (!PmemStore::format(region.get(), 1, options, &store).ok()) std::exit(1);
    std::printf("store format (%zu MiB): %.3f s\n", bytes >> 20, seconds_since(start));
    std::string value(100, 'v');
    start = Clock::now();
    const uint64_t per_unit = 16;
    for (uint64_t i = 0; i < keys; i += per_unit) {
      store->begin_unit(i / per_unit + 1);
      for (uint64_t j = i; j < std::min(keys, i + per_unit); ++j) {
        if (!store->upsert(0, key_of(j), value, -1).ok()) std::exit(1);
      }
      store->end_unit();
    }
    double s = seconds_since(start);
    std::printf("store upsert, 16 B key + 100 B value: %.0f upserts/s (%llu keys)\n", keys / s,
                static_cast<unsigned long long>(keys));
    start = Clock::now();
    uint64_t found_count = 0;
    for (uint64_t i = 0; i < keys; ++i) {
      StoreItemView item;
      bool found;
      if (!store->get(0, key_of((i * 7919) % keys), &item, &found).ok()) std::exit(1);
      found_count += found;
    }
    s = seconds_since(start);
    std::printf("store lookup (hit, random order): %.0f lookups/s (%llu found)\n", keys / s,
                static_cast<unsigned long long>(found_count));
    store->sync();
  }
  auto start = Clock::now();
  std::unique_ptr<PmemRegion> region;
  if (!PmemRegion::open(path, 0, &region).ok()) std::exit(1);
  std::unique_ptr<PmemStore> store;
  if (!PmemStore::open(region.get(), &store).ok()) std::exit(1);
  StoreItemView item;
  bool found = false;
  if (!store->get(0, key_of(keys / 2), &item, &found).ok() || !found) std::exit(1);
  double first = seconds_since(start);
  while (store->busy()) {
    if (!store->step(1 << 16).ok()) std::exit(1);
  }
  double rebuilt = seconds_since(start);
  std::printf(
      "store reopen + first lookup with %llu keys: %.3f ms; background rebuild done at "
      "%.3f s (%llu keys counted)\n",
      static_cast<unsigned long long>(keys), first * 1e3, rebuilt,
      static_cast<unsigned long long>(store->key_count()));
  region.reset();
  std::filesystem::remove(path);
}

void bench_replay(const std::string& dir) {
  auto log_region = map_new(dir + "/amber-bench-log", 64 << 20);
  auto store_region = map_new(dir + "/amber-bench-store", 512 << 20);
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
  if (!PmemLog::format(log_region.get(), 1, &log).ok() ||
      !PmemStore::format(store_region.get(), 1, {}, &store).ok()) {
    std::exit(1);
  }
  Replayer replayer(log.get(), store.get());
  LogRecordBuilder builder;
  std::string value(100, 'v');
  const uint64_t records = 1'000'000;
  auto start = Clock::now();
  for (uint64_t seq = 1; seq <= records; ++seq) {
    builder.begin(seq);
    builder.upsert(0, key_of(seq % 200'000), value, -1);
    while (!log->append(builder.bytes())) {
      log->persist();
      if (!replayer.step(1024).ok()) std::exit(1);
    }
    if (seq % 16 == 0) log->persist();
  }
  log->persist();
  while (!replayer.caught_up()) {
    if (!replayer.step(1024).ok()) std::exit(1);
  }
  double s = seconds_since(start);
  std::printf("log + replay (SET of 100 B over 200k keys, batch 16): %.0f records/s end to end\n",
              records / s);
  std::filesystem::remove(dir + "/amber-bench-log");
  std::filesystem::remove(dir + "/amber-bench-store");
}

}  // namespace
}  // namespace amber::nvm

int main(int argc, char** argv) {
  std::string dir = "/dev/shm";
  uint64_t keys = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--dir") == 0) dir = argv[i + 1];
    if (std::strcmp(argv[i], "--keys") == 0) keys = std::strtoull(argv[i + 1], nullptr, 10);
  }
  // Before the first libpmem call, which reads it once.
  setenv("PMEM_IS_PMEM_FORCE", "1", 0);
  amber::nvm::bench_log(dir, 1);
  amber::nvm::bench_log(dir, 16);
  amber::nvm::bench_store(dir, keys);
  amber::nvm::bench_replay(dir);
  return 0;
}
