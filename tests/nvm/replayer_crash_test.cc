// Crash tests of the whole NVM write path: a host appends records (with
// back-pressure), persists them in batches (acknowledging them) and folds
// them into the store with Replayer steps. At every drain of either region,
// every crash image of both regions together must recover — log, store,
// replay to the end — to the model's state after k records, for a k at or
// past the last acknowledged record: a prefix holding every acknowledged
// write. The store must also account for every heap byte afterwards.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/planted_bugs.h"
#include "nvm/emulated_region.h"
#include "nvm/replayer.h"
#include "tests/nvm/crash_images.h"
#include "tests/nvm/store_model.h"
#include "tests/nvm/tagging_host.h"

namespace amber::nvm {
namespace {

using testing::ModelState;
using testing::ModelUnit;

struct HostHistory {
  std::vector<ModelState> states{ModelState()};  // states[k]: after k records
  std::vector<ModelUnit> units;
  size_t acked = 0;
  size_t appended = 0;
};

// `walk_first`: the store's rebuild walk ends before the replay (as when
// a restart's fill holds the replay back), the links' items pinned first
// as recovery does; the replay then frees into the free lists at once.
std::string check_pair_image(const std::vector<std::string>& images, const HostHistory& h,
                             bool walk_first = false) {
  auto log_region = EmulatedRegion::from_image(images[0]);
  auto store_region = EmulatedRegion::from_image(images[1]);
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;
  Status status = PmemLog::open(log_region.get(), &log);
  if (!status.ok()) return "log: " + status.to_string();
  status = PmemStore::open(store_region.get(), &store);
  if (!status.ok()) return "store: " + status.to_string();
  Replayer replayer(log.get(), store.get());
  if (walk_first) {
    status = replayer.pin_unlinked_items();
    if (status.ok()) status = testing::finish_walk(store.get());
    if (!status.ok()) return "walk first: " + status.to_string();
  }
  while (!replayer.caught_up()) {
    status = replayer.step(3);
    if (!status.ok()) return "replay: " + status.to_string();
  }
  status = testing::finish_walk(store.get());
  if (!status.ok()) return "walk: " + status.to_string();
  uint64_t k = store->applied_seq();
  if (k < h.acked || k > h.appended) {
    return "recovered through record " + std::to_string(k) + ", acknowledged " +
           std::to_string(h.acked);
  }
  ModelState got;
  uint64_t blocks;
  status = testing::read_store(*store, &got, &blocks);
  if (!status.ok()) return "scan: " + status.to_string();
  if (got != h.states[k]) return "state after record " + std::to_string(k) + " differs";
  return testing::check_accounting(*store, got, blocks);
}

// A small log (4 KiB, so that it wraps and fills) and store (64 slots),
// formatted as one pair.
struct RegionPair {
  std::unique_ptr<EmulatedRegion> log_region = EmulatedRegion::from_image(std::string(4096, '\0'));
  std::unique_ptr<EmulatedRegion> store_region =
      EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  std::unique_ptr<PmemLog> log;
  std::unique_ptr<PmemStore> store;

  bool format(uint64_t generation) {
    StoreFormatOptions options;
    options.slot_count = 64;
    return PmemLog::format(log_region.get(), generation, &log).ok() &&
           PmemStore::format(store_region.get(), generation, options, &store).ok();
  }
};

// Returns the crash images checked; adds the ops the host's replay skipped
// as superseded to *superseded, and the records with a link (a value the
// host wrote into the store) to *link_units.
size_t run_host_history(uint64_t seed, int records, const PlantedBugs* bugs, std::string* failure,
                        uint64_t* superseded, uint64_t* link_units) {
  SeededRandom random(seed);
  RegionPair pair;
  if (!pair.format(seed)) {
    *failure = "format failed";
    return 0;
  }
  auto& [log_region, store_region, log, store] = pair;
  log->set_planted_bugs(bugs);
  HostHistory h;
  size_t images = 0;
  testing::CrashImageOptions options;
  options.max_exhaustive_units = 9;  // two regions: keep each crash point cheap
  options.random_images = 6;
  auto hook = [&] {
    if (!failure->empty()) return;
    images +=
        testing::for_each_crash_image({log_region.get(), store_region.get()}, seed * 7919 + images,
                                      options, [&](const std::vector<std::string>& image) {
                                        if (failure->empty()) *failure = check_pair_image(image, h);
                                      });
  };
  log_region->set_drain_hook(hook);
  store_region->set_drain_hook(hook);
  Replayer replayer(log.get(), store.get());
  LogRecordBuilder builder;
  testing::TaggingHost host;
  // Group commit: durable, acknowledged, and the marks of what the durable
  // records overwrite handed to the replay.
  auto persist = [&] {
    log->persist();
    h.acked = h.appended;
    host.persisted(replayer);
  };
  for (int i = 0; i < records && failure->empty(); ++i) {
    ModelUnit unit = testing::random_unit(h.units.size() + 1, &random, 8, 3, 100, 10);
    if (testing::has_links(unit)) {
      // As NvmPersistence logs a value too long for the log: every record
      // before it folded in, then the value written into the store, then
      // the record that links it appended.
      while (failure->empty() && !replayer.caught_up()) {
        persist();
        Status status = replayer.step(1 + random.uniform(3));
        if (!status.ok()) *failure = "host catch-up: " + status.to_string();
      }
      Status status = testing::write_links(&unit, store.get());
      if (!status.ok()) *failure = "host link: " + status.to_string();
      ++*link_units;
    }
    testing::encode_unit(unit, &builder);
    host.build(unit);
    while (failure->empty() && !log->append(builder.bytes())) {
      persist();
      Status status = replayer.step(2);
      if (!status.ok()) *failure = "host replay: " + status.to_string();
    }
    h.units.push_back(unit);
    h.states.push_back(h.states.back());
    testing::apply_to_model(unit, &h.states.back());
    ++h.appended;
    host.appended();
    if (random.uniform(3) == 0) persist();
    if (random.uniform(3) == 0) {
      Status status = replayer.step(1 + random.uniform(3));
      if (status.ok()) status = store->step(random.uniform(20));
      if (!status.ok()) *failure = "host step: " + status.to_string();
    }
  }
  *superseded += replayer.superseded_ops();
  return images;
}

TEST(ReplayerCrash, EveryCrashImageRecoversAPrefixWithEveryAcknowledgedWrite) {
  size_t images = 0;
  uint64_t superseded = 0;
  uint64_t link_units = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    std::string failure;
    images += run_host_history(seed, 40, nullptr, &failure, &superseded, &link_units);
    ASSERT_EQ(failure, "") << "seed " << seed;
  }
  std::printf("%zu crash images checked, %llu superseded ops skipped, %llu records with links\n",
              images, static_cast<unsigned long long>(superseded),
              static_cast<unsigned long long>(link_units));
  EXPECT_GT(images, 5000u) << "the exhaustive enumeration ran";
  EXPECT_GT(superseded, 0u) << "the histories rewrite keys while records wait";
  EXPECT_GT(link_units, 5u) << "values were linked, not logged";
}

// A link's record right behind a rewrite of the same key and before
// another write, every crash image of their replay, recovered both with the
// store's rebuild walk still going and with it ended first (the replay's
// frees then go to the free lists at once, the linked item pinned first).
// The rewrite is superseded by the link here; a rewrite the plan could not
// mark (a barrier or a full plan table between) is why a link's record also
// gets a step of its own, behind durable units (PmemStore::link).
TEST(ReplayerCrash, ALinkBehindARewriteOfItsKeyRecoversFromEveryImage) {
  RegionPair pair;
  ASSERT_TRUE(pair.format(7));
  auto& [log_region, store_region, log, store] = pair;
  HostHistory h;
  Replayer replayer(log.get(), store.get());
  LogRecordBuilder builder;
  std::vector<ModelUnit> units = {
      {1, {{LogOpKind::kUpsert, 0, 0, "k", "first"}, {LogOpKind::kUpsert, 0, 0, "other", "o"}}},
      {2, {{LogOpKind::kUpsert, 0, 0, "k", "second"}}},
      {3, {{LogOpKind::kLink, 0, 0, "k", std::string(300, 'L')}}},
      {4, {{LogOpKind::kUpsert, 0, 0, "other", "after"}}}};
  for (ModelUnit& unit : units) {
    if (unit.seq == 3) {
      ASSERT_TRUE(testing::write_links(&unit, store.get()).ok());
    }
    testing::encode_unit(unit, &builder);
    ASSERT_TRUE(log->append(builder.bytes()));
    h.units.push_back(unit);
    h.states.push_back(h.states.back());
    testing::apply_to_model(unit, &h.states.back());
    ++h.appended;
    if (unit.seq == 1) {
      log->persist();
      ASSERT_TRUE(replayer.step(1).ok());
    }
  }
  log->persist();
  h.acked = h.appended;
  std::string failure;
  size_t images = 0;
  auto hook = [&] {
    if (!failure.empty()) return;
    images += testing::for_each_crash_image({log_region.get(), store_region.get()}, images,
                                            testing::CrashImageOptions(),
                                            [&](const std::vector<std::string>& image) {
                                              if (failure.empty())
                                                failure = check_pair_image(image, h);
                                              if (failure.empty())
                                                failure = check_pair_image(image, h, true);
                                            });
  };
  log_region->set_drain_hook(hook);
  store_region->set_drain_hook(hook);
  while (!replayer.caught_up() && failure.empty()) ASSERT_TRUE(replayer.step(10).ok());
  EXPECT_EQ(failure, "");
  EXPECT_GT(images, 20u);
}

// With the log records' persist skipped, some crash image loses an
// acknowledged write or shows a damaged record.
TEST(ReplayerCrash, SkippedLogPersistIsCaught) {
  PlantedBugs bugs;
  bugs.skip_nvm_persist = true;
  std::string failure;
  uint64_t superseded = 0;
  uint64_t link_units = 0;
  run_host_history(/*seed=*/1, 50, &bugs, &failure, &superseded, &link_units);
  EXPECT_NE(failure, "");
}

}  // namespace
}  // namespace amber::nvm
