// The production path end to end: PmemLog and PmemStore on PmemRegions
// (libpmem, /dev/shm with PMEM_IS_PMEM_FORCE=1), records folded by the
// Replayer, then both files unmapped and mapped again as after a restart.
// Runs in a forked child: libpmem reads PMEM_IS_PMEM_FORCE once per process.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "nvm/pmem_region.h"
#include "nvm/replayer.h"

namespace amber::nvm {
namespace {

#define CHILD_CHECK(cond)                                       \
  do {                                                          \
    if (!(cond)) {                                              \
      std::fprintf(stderr, "%d: %s failed\n", __LINE__, #cond); \
      std::_Exit(1);                                            \
    }                                                           \
  } while (0)

[[noreturn]] void log_and_store_survive_a_remap(const std::string& dir) {
  setenv("PMEM_IS_PMEM_FORCE", "1", 1);
  std::string log_path = dir + "/log";
  std::string store_path = dir + "/store";
  {
    std::unique_ptr<PmemRegion> log_region, store_region;
    CHILD_CHECK(PmemRegion::open(log_path, 1 << 20, &log_region).ok());
    CHILD_CHECK(PmemRegion::open(store_path, 4 << 20, &store_region).ok());
    CHILD_CHECK(log_region->is_pmem());
    std::unique_ptr<PmemLog> log;
    std::unique_ptr<PmemStore> store;
    CHILD_CHECK(PmemLog::format(log_region.get(), 1, &log).ok());
    CHILD_CHECK(PmemStore::format(store_region.get(), 2, {}, &store).ok());
    Replayer replayer(log.get(), store.get());
    LogRecordBuilder builder;
    for (uint64_t seq = 1; seq <= 1000; ++seq) {
      builder.begin(seq);
      builder.upsert(0, "key" + std::to_string(seq % 100), "value" + std::to_string(seq), -1);
      CHILD_CHECK(log->append(builder.bytes()));
      if (seq % 10 == 0) log->persist();
      if (seq == 500) CHILD_CHECK(replayer.step(1000).ok());  // half folded, half in the log
    }
    CHILD_CHECK(log_region->health().ok() && store_region->health().ok());
  }
  std::unique_ptr<PmemRegion> log_region, store_region;
  CHILD_CHECK(PmemRegion::open(log_path, 0, &log_region).ok());
  CHILD_CHECK(PmemRegion::open(store_path, 0, &store_region).ok());
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
  CHILD_CHECK(PmemLog::open(log_region.get(), &log).ok());
  CHILD_CHECK(PmemStore::open(store_region.get(), &store).ok());
  CHILD_CHECK(store->applied_seq() == 500);
  Replayer replayer(log.get(), store.get());
  while (!replayer.caught_up()) CHILD_CHECK(replayer.step(64).ok());
  CHILD_CHECK(store->applied_seq() == 1000);
  StoreItemView item;
  bool found = false;
  CHILD_CHECK(store->get(0, "key0", &item, &found).ok() && found);
  CHILD_CHECK(item.value == "value1000");
  while (store->busy()) CHILD_CHECK(store->step(1024).ok());
  CHILD_CHECK(store->key_count() == 100);
  std::_Exit(0);
}

TEST(PmemBackend, LogAndStoreSurviveARemapOnForcedPmem) {
  std::string dir = "/dev/shm/amber-nvm-backend-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  EXPECT_EXIT(log_and_store_survive_a_remap(dir), testing::ExitedWithCode(0), "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace amber::nvm
