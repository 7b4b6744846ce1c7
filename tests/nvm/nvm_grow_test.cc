// Growing the NVM files: a store or log copied into a larger region is the
// same store or log (and has room where the original was full), and a
// restart with a larger nvm-size grows the files — a full store is then
// healthy again with every acknowledged write — while a smaller one keeps
// them and an interrupted growth's leftover is discarded.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "core/io/random.h"
#include "nvm/emulated_region.h"
#include "nvm/pmem_log.h"
#include "nvm/pmem_store.h"
#include "tests/nvm/nvm_node.h"
#include "tests/nvm/store_model.h"

namespace amber::nvm {
namespace {

using testing::ModelState;
using testing::ModelUnit;

uint64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

std::string read_back(const PmemStore& store, ModelState* state) {
  uint64_t blocks;
  Status status = testing::read_store(store, state, &blocks);
  if (!status.ok()) return status.to_string();
  return testing::check_accounting(store, *state, blocks);
}

TEST(NvmGrow, AStoreCopiedIntoALargerRegionHoldsTheSameKeysAndTakesMoreUnits) {
  const uint64_t seed = 20261126;
  SCOPED_TRACE("seed " + std::to_string(seed));
  SeededRandom random(seed);
  auto small = EmulatedRegion::from_image(std::string(256 << 10, '\0'));
  std::unique_ptr<PmemStore> store;
  ASSERT_TRUE(PmemStore::format(small.get(), 7, {}, &store).ok());
  ModelState model;
  uint64_t seq = 1;
  for (; seq <= 600; ++seq) {
    ModelUnit unit = testing::random_unit(seq, &random, 300, 5, 200);
    ASSERT_TRUE(testing::apply_to_store(unit, store.get()).ok()) << "unit " << seq;
    testing::apply_to_model(unit, &model);
  }
  store->sync();
  auto large = EmulatedRegion::from_image(std::string(1 << 20, '\0'));
  std::unique_ptr<PmemStore> copy;
  ASSERT_TRUE(store->copy_to(large.get(), &copy).ok());
  EXPECT_EQ(copy->generation(), store->generation());
  EXPECT_EQ(copy->applied_seq(), store->applied_seq());
  EXPECT_GT(copy->slot_count(), store->slot_count());
  EXPECT_GT(copy->allocator().capacity_bytes(), 3 * store->allocator().capacity_bytes());
  for (uint32_t db = 0; db < 5; ++db) EXPECT_EQ(copy->key_count(db), store->key_count(db));
  ModelState got;
  ASSERT_EQ(read_back(*copy, &got), "");
  EXPECT_EQ(got, model);

  // The durable image is the copy (nothing left unpersisted), and it goes
  // on taking units, swaps and flushes included.
  auto reopened = EmulatedRegion::from_image(large->image_copy());
  ASSERT_TRUE(PmemStore::open(reopened.get(), &copy).ok());
  for (; seq <= 1200; ++seq) {
    ModelUnit unit = testing::random_unit(seq, &random, 300, 5, 200);
    ASSERT_TRUE(testing::apply_to_store(unit, copy.get()).ok()) << "unit " << seq;
    testing::apply_to_model(unit, &model);
  }
  ASSERT_TRUE(testing::finish_walk(copy.get()).ok());
  ASSERT_EQ(read_back(*copy, &got), "");
  EXPECT_EQ(got, model);
}

TEST(NvmGrow, AFullStoreCopiedIntoALargerRegionTakesTheUnitItRefused) {
  auto small = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  std::unique_ptr<PmemStore> store;
  ASSERT_TRUE(PmemStore::format(small.get(), 7, {}, &store).ok());
  ModelState model;
  uint64_t seq = 1;
  Status refused;
  for (; refused.ok(); ++seq) {
    ModelUnit unit{
        seq, {{LogOpKind::kUpsert, 0, 0, "key" + std::to_string(seq), std::string(500, 'v')}}};
    refused = testing::apply_to_store(unit, store.get());
    if (refused.ok()) testing::apply_to_model(unit, &model);
  }
  ASSERT_EQ(refused.sys_errno(), ENOSPC) << refused.to_string();
  const uint64_t refused_seq = seq - 1;
  auto large = EmulatedRegion::from_image(std::string(256 << 10, '\0'));
  std::unique_ptr<PmemStore> copy;
  ASSERT_TRUE(store->copy_to(large.get(), &copy).ok());
  ModelUnit unit{
      refused_seq,
      {{LogOpKind::kUpsert, 0, 0, "key" + std::to_string(refused_seq), std::string(500, 'v')}}};
  ASSERT_TRUE(testing::apply_to_store(unit, copy.get()).ok());
  testing::apply_to_model(unit, &model);
  ModelState got;
  ASSERT_EQ(read_back(*copy, &got), "");
  EXPECT_EQ(got, model);
  EXPECT_GT(model.size(), 50u);
}

TEST(NvmGrow, ALogCopiedIntoALargerRegionHoldsItsDurableRecordsFromHeadToTail) {
  auto small = EmulatedRegion::from_image(std::string(4096, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(small.get(), 9, &log).ok());
  std::vector<std::string> live;
  for (int i = 0; i < 200; ++i) {
    std::string payload(10 + i % 90, static_cast<char>('a' + i % 26));
    while (!log->append(payload)) {
      log->persist();
      std::string_view first;
      uint64_t next;
      log->read(log->head_lsn(), &first, &next);
      log->advance_head(next);
      live.erase(live.begin());
    }
    live.push_back(payload);
  }
  log->persist();
  ASSERT_TRUE(log->append("appended, never persisted"));
  ASSERT_GT(log->head_lsn(), log->capacity_bytes()) << "the log wrapped";
  auto large = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  std::unique_ptr<PmemLog> copy;
  ASSERT_TRUE(log->copy_to(large.get(), &copy).ok());
  auto reopened = EmulatedRegion::from_image(large->image_copy());
  ASSERT_TRUE(PmemLog::open(reopened.get(), &copy).ok());
  EXPECT_EQ(copy->generation(), 9u);
  EXPECT_GT(copy->capacity_bytes(), 10 * log->capacity_bytes());
  std::vector<std::string> got;
  for (uint64_t lsn = copy->head_lsn(); lsn < copy->tail_lsn();) {
    std::string_view payload;
    copy->read(lsn, &payload, &lsn);
    got.emplace_back(payload);
  }
  EXPECT_EQ(got, live);
  std::unique_ptr<PmemLog> refused;
  EXPECT_FALSE(
      log->copy_to(EmulatedRegion::from_image(std::string(2048, '\0')).get(), &refused).ok());
}

// Writes 2 KiB values until the store is full: the mode turns unhealthy.
// Returns what was durable (acknowledged) by then.
Keyspace fill_until_full(Node& n) {
  const std::string value(2000, 'v');
  for (int i = 0; i < 100000 && n.nvm->healthy(); ++i) {
    n.run({"SET", "key" + std::to_string(i), value + std::to_string(i)});
    n.nvm->before_reply();
    (void)n.nvm->step();
  }
  EXPECT_FALSE(n.nvm->healthy());
  EXPECT_NE(n.nvm->health().message().find("store full"), std::string::npos)
      << n.nvm->health().to_string();
  return dump(n.h.engine);
}

class NvmGrowRestart : public ::testing::TestWithParam<NvmBackend> {};

TEST_P(NvmGrowRestart, ALargerNvmSizeGrowsAFullStoreAndEveryWriteIsKept) {
  TempDir dir;
  const NvmOptions small{.dir = dir.path, .size_bytes = 1 << 20, .backend = GetParam()};
  Keyspace acknowledged;
  {
    Node n(small, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    acknowledged = fill_until_full(n);
  }  // crash
  const std::string log_path = dir.path + "/" + std::string(NvmPersistence::kLogFileName);
  const std::string store_path = dir.path + "/" + std::string(NvmPersistence::kStoreFileName);
  const uint64_t old_store_bytes = file_size(store_path);
  {
    Node same(small, 1'700'000'000'000'000);
    ASSERT_TRUE(same.status.ok()) << same.status.to_string();
    EXPECT_EQ(same.nvm->stats().store_grown_from_bytes, 0u);
    EXPECT_EQ(dump(same.h.engine), acknowledged);
    (void)same.nvm->finish_fill();
    for (int i = 0; i < 100 && same.nvm->healthy(); ++i) (void)same.nvm->step();
    EXPECT_FALSE(same.nvm->healthy()) << "the log tail still does not fit";
  }
  NvmOptions large = small;
  large.size_bytes = 4 << 20;
  Node n(large, 1'700'000'000'000'000);
  ASSERT_TRUE(n.status.ok()) << n.status.to_string();
  EXPECT_EQ(n.nvm->stats().store_grown_from_bytes, old_store_bytes);
  EXPECT_EQ(n.nvm->stats().log_grown_from_bytes, uint64_t{256} << 10);
  EXPECT_EQ(file_size(store_path), uint64_t{3} << 20);
  EXPECT_EQ(file_size(log_path), uint64_t{1} << 20);
  EXPECT_EQ(n.nvm->store_region_bytes(), uint64_t{3} << 20);
  EXPECT_EQ(dump(n.h.engine), acknowledged);
  replay_all(*n.nvm);
  for (int i = 0; i < 10000 && n.nvm->store_rebuilding(); ++i) ASSERT_TRUE(n.nvm->step().ok());
  EXPECT_TRUE(n.nvm->healthy()) << n.nvm->health().to_string();
  EXPECT_EQ(n.nvm->store_keys(), acknowledged.size());
  n.run({"SET", "after", "growing"});
  n.nvm->before_reply();
  EXPECT_TRUE(n.nvm->healthy());
}

INSTANTIATE_TEST_SUITE_P(Backends, NvmGrowRestart,
                         ::testing::Values(NvmBackend::kEmulated, NvmBackend::kPmem),
                         [](const ::testing::TestParamInfo<NvmBackend>& info) {
                           return info.param == NvmBackend::kPmem ? "Pmem" : "Emulated";
                         });

TEST(NvmGrow, ASmallerNvmSizeKeepsTheFilesAndALeftoverCopyIsDiscarded) {
  TempDir dir;
  Keyspace written;
  {
    Node n(dir.path, 4 << 20, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok());
    n.run({"SET", "a", "1"});
    n.run({"SET", "b", "2"});
    n.nvm->before_reply();
    written = dump(n.h.engine);
  }
  const std::string store_path = dir.path + "/" + std::string(NvmPersistence::kStoreFileName);
  // A growth that a crash interrupted before its rename.
  std::ofstream(store_path + ".resize") << "half a copy";
  Node n(dir.path, 1 << 20, 1'700'000'000'000'000);
  ASSERT_TRUE(n.status.ok()) << n.status.to_string();
  EXPECT_TRUE(n.nvm->stats().region_larger_than_configured);
  EXPECT_EQ(n.nvm->stats().store_grown_from_bytes, 0u);
  EXPECT_EQ(file_size(store_path), uint64_t{3} << 20);
  EXPECT_EQ(file_size(store_path + ".resize"), 0u) << "the leftover is removed";
  EXPECT_EQ(dump(n.h.engine), written);
}

// A power failure can keep a new region file's name but not its size (the
// start that created it crashed before syncing it): such a file held
// nothing acknowledged, and is made anew instead of refusing the start.
TEST(NvmGrow, ARegionFileLeftWithoutItsSizeIsMadeAnew) {
  TempDir dir;
  const std::string log_path = dir.path + "/" + std::string(NvmPersistence::kLogFileName);
  const std::string store_path = dir.path + "/" + std::string(NvmPersistence::kStoreFileName);
  std::ofstream(log_path).close();
  std::ofstream(store_path).close();
  {
    Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
    ASSERT_TRUE(n.status.ok()) << n.status.to_string();
    EXPECT_EQ(n.nvm->stats().unformattable_files_removed, 2u);
    n.run({"SET", "a", "1"});
    n.nvm->before_reply();
    replay_all(*n.nvm);
  }
  EXPECT_EQ(file_size(log_path), uint64_t{256} << 10);
  // The log alone lost its size (everything in it was folded in): the
  // store's keys stay.
  ASSERT_EQ(::truncate(log_path.c_str(), 0), 0);
  Node n(dir.path, kSmallBytes, 1'700'000'000'000'000);
  ASSERT_TRUE(n.status.ok()) << n.status.to_string();
  EXPECT_EQ(n.nvm->stats().unformattable_files_removed, 1u);
  EXPECT_EQ(n.run({"GET", "a"}), "$1\r\n1\r\n");
}

}  // namespace
}  // namespace amber::nvm
