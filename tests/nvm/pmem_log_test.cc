// PmemLog: appends become readable after persist() and a reopen, space is
// reclaimed from the head around the circular data area, a full log says so,
// and damaged bytes are reported, not followed.
#include "nvm/pmem_log.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "core/io/random.h"
#include "nvm/emulated_region.h"

namespace amber::nvm {
namespace {

std::string payload_of(uint64_t i, size_t size) {
  std::string p(size, '\0');
  for (size_t j = 0; j < size; ++j) p[j] = static_cast<char>('a' + (i * 7 + j) % 26);
  return p;
}

std::vector<std::string> read_all(const PmemLog& log) {
  std::vector<std::string> out;
  for (uint64_t lsn = log.head_lsn(); lsn < log.tail_lsn();) {
    std::string_view payload;
    log.read(lsn, &payload, &lsn);
    out.emplace_back(payload);
  }
  return out;
}

// The durable image reopened as after a power failure.
std::unique_ptr<EmulatedRegion> crash(const EmulatedRegion& region) {
  return EmulatedRegion::from_image(region.image_copy());
}

TEST(PmemLog, PersistedRecordsSurviveAReopenAndUnpersistedOnesDoNot) {
  auto region = EmulatedRegion::from_image(std::string(8192, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(region.get(), 11, &log).ok());
  ASSERT_TRUE(log->append("one"));
  ASSERT_TRUE(log->append(""));
  log->persist();
  ASSERT_TRUE(log->append("not persisted"));
  auto after = crash(*region);
  std::unique_ptr<PmemLog> reopened;
  ASSERT_TRUE(PmemLog::open(after.get(), &reopened).ok());
  EXPECT_EQ(read_all(*reopened), (std::vector<std::string>{"one", ""}));
  EXPECT_EQ(reopened->generation(), 11u);
}

TEST(PmemLog, FormatRefusesARegionSmallerThan4096Bytes) {
  auto region = EmulatedRegion::from_image(std::string(2048, '\0'));
  std::unique_ptr<PmemLog> log;
  Status status = PmemLog::format(region.get(), 1, &log);
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument) << status.to_string();
  EXPECT_EQ(log, nullptr);
}

TEST(PmemLog, UnformattedRegionIsNotFound) {
  auto region = EmulatedRegion::from_image(std::string(8192, '\0'));
  std::unique_ptr<PmemLog> log;
  EXPECT_TRUE(PmemLog::open(region.get(), &log).is_not_found());
}

TEST(PmemLog, FullLogRefusesAppendsUntilTheHeadAdvances) {
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(region.get(), 1, &log).ok());
  int appended = 0;
  while (log->append(payload_of(appended, 100))) ++appended;
  EXPECT_EQ(appended, static_cast<int>(log->capacity_bytes() / 120));
  log->persist();
  std::string_view first;
  uint64_t next;
  log->read(log->head_lsn(), &first, &next);
  EXPECT_EQ(first, payload_of(0, 100));
  log->advance_head(next);
  EXPECT_TRUE(log->append(payload_of(appended, 100)));
}

TEST(PmemLog, RecordsWrapAroundTheDataAreaAndSurviveReopen) {
  const uint64_t seed = 20261125;
  SCOPED_TRACE("seed " + std::to_string(seed));
  SeededRandom random(seed);
  auto region = EmulatedRegion::from_image(std::string(4096, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(region.get(), 1, &log).ok());
  std::deque<std::string> live;
  for (uint64_t i = 0; i < 2000; ++i) {
    std::string payload = payload_of(i, random.uniform(300));
    while (!log->append(payload)) {
      log->persist();
      std::string_view got;
      uint64_t next;
      log->read(log->head_lsn(), &got, &next);
      ASSERT_EQ(got, live.front());
      live.pop_front();
      log->advance_head(next);
    }
    live.push_back(payload);
    if (random.uniform(4) == 0) log->persist();
  }
  log->persist();
  EXPECT_GT(log->tail_lsn(), 20 * log->capacity_bytes()) << "the log wrapped many times";
  auto after = crash(*region);
  std::unique_ptr<PmemLog> reopened;
  ASSERT_TRUE(PmemLog::open(after.get(), &reopened).ok());
  EXPECT_EQ(read_all(*reopened), std::vector<std::string>(live.begin(), live.end()));
}

TEST(PmemLog, ADamagedRecordIsReportedAsCorruption) {
  auto region = EmulatedRegion::from_image(std::string(8192, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(region.get(), 1, &log).ok());
  ASSERT_TRUE(log->append("payload"));
  log->persist();
  std::string image = region->image_copy();
  image[PmemLog::kDataOffset + PmemLog::kRecordHeaderBytes + 2] ^= 1;
  auto damaged = EmulatedRegion::from_image(image);
  std::unique_ptr<PmemLog> reopened;
  Status status = PmemLog::open(damaged.get(), &reopened);
  EXPECT_TRUE(status.is_corruption()) << status.to_string();
  EXPECT_NE(status.message().find("lsn 0"), std::string::npos) << status.to_string();
}

TEST(PmemLog, ATailPastTheCapacityIsCorruption) {
  auto region = EmulatedRegion::from_image(std::string(8192, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(region.get(), 1, &log).ok());
  region->store_u64(PmemLog::kTailOffset, 1 << 20);
  region->persist(region->base() + PmemLog::kTailOffset, 8);
  std::unique_ptr<PmemLog> reopened;
  EXPECT_TRUE(PmemLog::open(region.get(), &reopened).is_corruption());
}

TEST(PmemLog, ABatchIsPersistedWithOneDrainForItsRecordsAndOneForTheTail) {
  auto region = EmulatedRegion::from_image(std::string(8192, '\0'));
  std::unique_ptr<PmemLog> log;
  ASSERT_TRUE(PmemLog::format(region.get(), 1, &log).ok());
  int drains = 0;
  region->set_drain_hook([&] { ++drains; });
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(log->append(payload_of(i, 100)));
  log->persist();
  EXPECT_EQ(drains, 2);
}

}  // namespace
}  // namespace amber::nvm
