// Crash tests of PmemStore: at every drain of a history of units (synced
// now and then, as the Replayer does at the end of a step; some link a
// value written outside the unit, synced before and after), every
// crash image (each subset of the dirty lines; seeded random ones at line and
// word granularity beyond) must open, report an applied sequence number
// between the last synced unit and the one in progress, reach the model's
// state once the units after it are applied again (what the Replayer does),
// and account for every heap byte: no leak, no double use.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nvm/emulated_region.h"
#include "tests/nvm/crash_images.h"
#include "tests/nvm/store_model.h"

namespace amber::nvm {
namespace {

using testing::ModelOp;
using testing::ModelState;
using testing::ModelUnit;

struct StoreHistory {
  std::vector<ModelUnit> units;  // units[i] has seq i + 1
  uint64_t synced = 0;           // units whose end_unit + sync returned
  uint64_t current = 0;          // the unit in progress (or the last one)
  bool formatted = false;
};

struct CheckOptions {
  // The image is first copied into a region twice its size
  // (PmemStore::copy_to, what a start with a larger nvm-size does), and the
  // copy must recover the same way.
  bool grow = false;
  // The store's rebuild walk ends before the units are applied again (the
  // server's walk goes on while a restart fills DRAM and the replay waits).
  bool walk_first = false;
};

std::string check_store_image(const std::string& image, const StoreHistory& h,
                              const CheckOptions& check) {
  auto region = EmulatedRegion::from_image(image);
  std::unique_ptr<PmemStore> store;
  Status status = PmemStore::open(region.get(), &store);
  if (!h.formatted) return status.ok() || status.is_not_found() ? "" : status.to_string();
  if (!status.ok()) return "open: " + status.to_string();
  uint64_t applied = store->applied_seq();
  if (applied < h.synced || applied > h.current) {
    return "applied seq " + std::to_string(applied) + " outside [" + std::to_string(h.synced) +
           ", " + std::to_string(h.current) + "]";
  }
  // What recovery does first: keep the items that links to apply name.
  bool links_pending = false;
  for (uint64_t seq = applied + 1; seq <= h.current; ++seq) {
    links_pending = links_pending || testing::has_links(h.units[seq - 1]);
    status = testing::pin_links(h.units[seq - 1], store.get());
    if (!status.ok()) return "pin links of " + std::to_string(seq) + ": " + status.to_string();
  }
  auto reapply = [&]() -> std::string {
    for (uint64_t seq = store->applied_seq() + 1; seq <= h.current; ++seq) {
      ModelUnit unit = h.units[seq - 1];
      Status applied_again = testing::apply_to_store(unit, store.get());
      if (!applied_again.ok()) {
        return "re-apply " + std::to_string(seq) + ": " + applied_again.to_string();
      }
    }
    return "";
  };
  std::unique_ptr<EmulatedRegion> grown;
  if (check.grow) {
    // A store grows with its log folded in when a link is pending (its item
    // is not copied), as NvmPersistence does; else as the crash left it.
    if (links_pending) {
      std::string failed = reapply();
      if (!failed.empty()) return failed;
      store->sync();
    }
    grown = EmulatedRegion::from_image(std::string(2 * image.size(), '\0'));
    std::unique_ptr<PmemStore> copy;
    status = store->copy_to(grown.get(), &copy);
    if (!status.ok()) return "copy: " + status.to_string();
    if (copy->applied_seq() != store->applied_seq()) return "copy: applied seq differs";
    // The copy as the next start opens it: from its durable image.
    grown = EmulatedRegion::from_image(grown->image_copy());
    status = PmemStore::open(grown.get(), &store);
    if (!status.ok()) return "open the copy: " + status.to_string();
  }
  if (check.walk_first) {
    status = testing::finish_walk(store.get());
    if (!status.ok()) return "walk: " + status.to_string();
  }
  std::string failed = reapply();
  if (!failed.empty()) return failed;
  status = testing::finish_walk(store.get());
  if (!status.ok()) return "walk: " + status.to_string();
  ModelState model;
  for (uint64_t seq = 1; seq <= h.current; ++seq) testing::apply_to_model(h.units[seq - 1], &model);
  ModelState got;
  uint64_t blocks;
  status = testing::read_store(*store, &got, &blocks);
  if (!status.ok()) return "scan: " + status.to_string();
  if (got != model) {
    return "state differs from the model after unit " + std::to_string(h.current) + " (" +
           std::to_string(got.size()) + " vs " + std::to_string(model.size()) + " keys)";
  }
  return testing::check_accounting(*store, got, blocks);
}

size_t run_store_crash_history(uint64_t seed, int units, const CheckOptions& check,
                               std::string* failure, size_t* link_units = nullptr) {
  SeededRandom random(seed);
  auto region = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  StoreHistory h;
  size_t images = 0;
  testing::CrashImageOptions options;
  options.random_images = 8;
  region->set_drain_hook([&] {
    if (!failure->empty()) return;
    images += testing::for_each_crash_image({region.get()}, seed * 1000003 + images, options,
                                            [&](const std::vector<std::string>& image) {
                                              if (failure->empty())
                                                *failure = check_store_image(image[0], h, check);
                                            });
  });
  std::unique_ptr<PmemStore> store;
  StoreFormatOptions format;
  format.slot_count = 64;
  if (!PmemStore::format(region.get(), seed, format, &store).ok()) return images;
  h.formatted = true;
  for (int i = 0; i < units && failure->empty(); ++i) {
    h.units.push_back(testing::random_unit(h.units.size() + 1, &random, 10, 3, 120, 20));
    if (testing::has_links(h.units.back())) {
      // The server writes a link's value while earlier units may still be
      // unsynced; the Replayer makes them durable before it applies the link.
      Status written = testing::write_links(&h.units.back(), store.get());
      if (!written.ok()) {
        *failure = "write links: " + written.to_string();
        break;
      }
      store->sync();
      h.synced = h.current;
      if (link_units != nullptr) ++*link_units;
    }
    h.current = h.units.size();
    Status status = testing::apply_to_store(h.units.back(), store.get());
    if (!status.ok()) {
      *failure = "apply: " + status.to_string();
      break;
    }
    // Like the Replayer, sync only now and then: a unit may end without it,
    // and the next unit's structural op must then make its applied seq
    // durable before any of its own lines can reach the media. A unit with
    // a link is synced at once (PmemStore::link).
    if (testing::has_links(h.units.back()) || random.uniform(3) == 0) {
      store->sync();
      h.synced = h.current;
    }
    status = store->step(random.uniform(24));
    if (!status.ok()) *failure = "step: " + status.to_string();
    if (random.uniform(40) == 0) {
      // A clean restart in the middle of the history: the rebuild runs
      // interleaved with the next units. Clean: the units so far are
      // durable (else the next unit would have to wait for their
      // re-application, which is the crash images' part).
      store->sync();
      h.synced = h.current;
      auto reopened = EmulatedRegion::from_image(region->image_copy());
      if (!PmemStore::open(reopened.get(), &store).ok()) *failure = "reopen failed";
      reopened->set_drain_hook(region->drain_hook());
      region = std::move(reopened);
    }
  }
  return images;
}

// Back-to-back SWAPDB units with no sync between them (the Replayer syncs
// at the end of a step): a unit's base permutation must never reach the
// media ahead of the applied seq of the unit before it, even when the line
// is written back early. Found by `amber-sim --mode nvm --seed 100670`.
TEST(PmemStoreCrash, BackToBackSwapUnitsWithoutASyncRecoverFromEveryImage) {
  auto region = EmulatedRegion::from_image(std::string(64 << 10, '\0'));
  StoreHistory h;
  std::string failure;
  size_t images = 0;
  region->set_drain_hook([&] {
    if (!failure.empty()) return;
    images += testing::for_each_crash_image({region.get()}, images, testing::CrashImageOptions(),
                                            [&](const std::vector<std::string>& image) {
                                              if (failure.empty())
                                                failure = check_store_image(image[0], h, {});
                                            });
  });
  std::unique_ptr<PmemStore> store;
  StoreFormatOptions format;
  format.slot_count = 64;
  ASSERT_TRUE(PmemStore::format(region.get(), 1, format, &store).ok());
  h.formatted = true;
  auto upsert = [](uint32_t db, std::string key, std::string value) {
    return ModelOp{LogOpKind::kUpsert, db, 0, std::move(key), std::move(value)};
  };
  auto swap = [](uint32_t a, uint32_t b) { return ModelOp{LogOpKind::kSwapDb, a, b}; };
  h.units = {{1, {upsert(0, "a", "0"), upsert(1, "b", "1"), upsert(2, "c", "2")}},
             {2, {swap(0, 1), upsert(2, "d", "x")}},
             {3, {swap(1, 2)}},
             {4, {swap(0, 2), upsert(0, "a", "y")}},
             {5, {swap(0, 1)}}};
  for (ModelUnit& unit : h.units) {
    h.current = unit.seq;
    ASSERT_TRUE(testing::apply_to_store(unit, store.get()).ok());
    ASSERT_EQ(failure, "") << "crash in unit " << unit.seq;
    if (unit.seq == 1) {
      store->sync();
      h.synced = 1;
    }
  }
  store->sync();
  ASSERT_EQ(failure, "") << "crash in the last sync";
  EXPECT_GT(images, 100u);
}

TEST(PmemStoreCrash, EveryCrashImageRecoversWithoutLossLeakOrDamage) {
  size_t images = 0;
  size_t link_units = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    std::string failure;
    images += run_store_crash_history(seed, 60, {}, &failure, &link_units);
    ASSERT_EQ(failure, "") << "seed " << seed;
  }
  EXPECT_GT(images, 10000u) << "the exhaustive enumeration ran";
  EXPECT_GT(link_units, 10u) << "values written unlinked, then linked";
}

// A unit applied again after a crash may find its FLUSHDB or FLUSHALL in
// place already and its later upserts in the store, counted by a walk that
// ended first; and the units before it write items that this flush kills
// at birth. Neither may skew the key count or leak the dead items.
TEST(PmemStoreCrash, EveryCrashImageRecoversWhenTheRebuildWalkEndsFirst) {
  size_t images = 0;
  for (uint64_t seed = 21; seed <= 22; ++seed) {
    std::string failure;
    images += run_store_crash_history(seed, 60, {.walk_first = true}, &failure);
    ASSERT_EQ(failure, "") << "seed " << seed;
  }
  EXPECT_GT(images, 5000u) << "the exhaustive enumeration ran";
}

// Growing a crashed store (a restart with a larger nvm-size after a power
// failure in the middle of a unit) changes nothing recovery can see.
TEST(PmemStoreCrash, EveryCrashImageCopiedIntoALargerRegionRecoversTheSame) {
  size_t images = 0;
  for (uint64_t seed = 11; seed <= 12; ++seed) {
    std::string failure;
    images += run_store_crash_history(seed, 60, {.grow = true}, &failure);
    ASSERT_EQ(failure, "") << "seed " << seed;
  }
  EXPECT_GT(images, 5000u) << "the exhaustive enumeration ran";
}

}  // namespace
}  // namespace amber::nvm
