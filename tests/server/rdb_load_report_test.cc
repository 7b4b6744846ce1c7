// Startup load reporting: INFO's loading_* figures follow redis-server
// 7.0's formulas (file size, else AUX used-mem capped at 99.99%; ETA from
// the rate so far, 1 s in the first second); a load logs Redis's lines in
// Redis's order, a progress line every few seconds of a long load, and
// leaves INFO at loading:0 with the keys loaded/expired counted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/engine.h"
#include "core/io/random.h"
#include "server/config.h"
#include "server/rdb_load_report.h"
#include "server/rdb_persistence.h"
#include "server/server.h"

namespace amber {
namespace {

// A clock that moves on by `step_us` each time it is read: a load that
// reads it often looks long.
class SteppingClock final : public Clock {
 public:
  SteppingClock(int64_t start_us, int64_t step_us) : now_us_(start_us), step_us_(step_us) {}
  int64_t now_us() const override { return now_us_ += step_us_; }
  void set_step_us(int64_t step_us) { step_us_ = step_us; }

 private:
  mutable int64_t now_us_;
  int64_t step_us_;
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(LoadingInfo, NothingWhenNotLoading) { EXPECT_EQ(loading_info_lines(LoadingState{}, 0), ""); }

TEST(LoadingInfo, PercentAndEtaFromTheFileSize) {
  LoadingState s{.active = true,
                 .start_time_s = 1000,
                 .total_bytes = 4000,
                 .rdb_used_mem = 9999,
                 .loaded_bytes = 999};
  EXPECT_EQ(loading_info_lines(s, 1010),
            "loading_start_time:1000\r\nloading_total_bytes:4000\r\n"
            "loading_rdb_used_mem:9999\r\nloading_loaded_bytes:999\r\n"
            "loading_loaded_perc:24.98\r\nloading_eta_seconds:30\r\n");
}

TEST(LoadingInfo, FirstSecondHasAMadeUpEtaOfOne) {
  LoadingState s{.active = true, .start_time_s = 50, .total_bytes = 10, .loaded_bytes = 0};
  EXPECT_NE(loading_info_lines(s, 50).find("loading_eta_seconds:1\r\n"), std::string::npos);
}

TEST(LoadingInfo, UsedMemEstimateIsCappedBelowHundredPercent) {
  LoadingState s{.active = true, .start_time_s = 0, .rdb_used_mem = 100, .loaded_bytes = 500};
  const std::string lines = loading_info_lines(s, 2);
  EXPECT_NE(lines.find("loading_loaded_perc:99.99\r\n"), std::string::npos) << lines;
  EXPECT_NE(lines.find("loading_eta_seconds:0\r\n"), std::string::npos) << lines;  // 2*1/501
}

class RdbLoadReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("amber_rdb_load_report_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    log_path_ = dir_ / "amber.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes dump.rdb with `keys` keys (one already expired at load time).
  void write_dump(int keys, int64_t expired_at_ms) {
    Config config;
    std::string error;
    ASSERT_TRUE(config.load_from_text("dir " + dir_.string() + "\nsave \"\"\n", &error)) << error;
    SteppingClock clock(kStartUs, 0);
    SeededRandom random(1);
    Logger logger(LogLevel::kWarning, "");
    Server server(config, clock, random, logger);
    Db& db = server.engine().db(0);
    for (int i = 0; i < keys; ++i) {
      std::string value(100, static_cast<char>('a' + i % 26));
      db.insert("key:" + std::to_string(i), value, encoding_for_new_string(value));
    }
    db.set_expire(db.insert("gone", "x", encoding_for_new_string("x")), expired_at_ms);
    ASSERT_TRUE(server.rdb().save_now().ok());
  }

  // The loading server's config: its log goes to log_path_.
  std::string server_config() const {
    return "dir " + dir_.string() + "\nsave \"\"\nlogfile " + log_path_.string() + "\n";
  }

  static constexpr int64_t kStartUs = 1'700'000'000'000'000;
  std::filesystem::path dir_;
  std::filesystem::path log_path_;
};

TEST_F(RdbLoadReportTest, LoadLogsRedisLinesInOrderAndInfoShowsLoadingDone) {
  write_dump(2000, kStartUs / 1000 + 500);
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text(
      server_config() + "loading-process-events-interval-bytes 1024\n", &error))
      << error;
  // 100 s pass before the server starts; then each clock read takes 1 s.
  SteppingClock clock(kStartUs + 100'000'000, 1'000'000);
  SeededRandom random(1);
  Logger logger(LogLevel::kNotice, log_path_.string());
  Server server(config, clock, random, logger);
  ASSERT_TRUE(server.rdb().load_at_startup(&error)) << error;

  const std::string log = read_text(log_path_);
  const size_t produced = log.find("* Loading RDB produced by version 7.0.15\n");
  // The file was written 100 s (plus the clock reads of startup) earlier.
  const size_t age = log.find("* RDB age 1");
  const size_t mem = log.find("* RDB memory usage when created ");
  const size_t progress = log.find("* Loading RDB: ");
  const size_t done = log.find("* Done loading RDB, keys loaded: 2000, keys expired: 1.\n");
  const size_t loaded = log.find("* DB loaded from disk: ");
  ASSERT_NE(produced, std::string::npos) << log;
  ASSERT_NE(age, std::string::npos) << log;
  ASSERT_NE(mem, std::string::npos) << log;
  ASSERT_NE(progress, std::string::npos) << log;
  ASSERT_NE(done, std::string::npos) << log;
  ASSERT_NE(loaded, std::string::npos) << log;
  ASSERT_NE(log.find(" seconds\n", age), std::string::npos);
  EXPECT_LT(std::stoi(log.substr(age + 10)), 130) << log;
  EXPECT_LT(produced, age);
  EXPECT_LT(age, mem);
  EXPECT_LT(mem, progress);
  EXPECT_LT(progress, done);
  EXPECT_LT(done, loaded);
  EXPECT_EQ(log.find("RDB is base AOF"), std::string::npos) << log;  // aof-base is 0

  EXPECT_FALSE(server.rdb().loading());
  EXPECT_EQ(server.rdb().loading_info_fields(), "");
  const std::string info = server.rdb().info_fields();
  EXPECT_EQ(info.rfind("loading:0\r\n", 0), 0u) << info;
  EXPECT_NE(info.find("rdb_last_load_keys_expired:1\r\nrdb_last_load_keys_loaded:2000\r\n"),
            std::string::npos)
      << info;
  EXPECT_EQ(server.engine().db(0).size(), 2000u);
}

TEST_F(RdbLoadReportTest, QuickLoadLogsNoProgressLine) {
  write_dump(10, 0);
  Config config;
  std::string error;
  ASSERT_TRUE(config.load_from_text(server_config(), &error)) << error;
  SteppingClock clock(kStartUs, 0);
  SeededRandom random(1);
  Logger logger(LogLevel::kNotice, log_path_.string());
  Server server(config, clock, random, logger);
  ASSERT_TRUE(server.rdb().load_at_startup(&error)) << error;
  const std::string log = read_text(log_path_);
  EXPECT_NE(log.find("Done loading RDB, keys loaded: 10, keys expired: 1."), std::string::npos)
      << log;
  EXPECT_EQ(log.find("Loading RDB: "), std::string::npos) << log;
}

}  // namespace
}  // namespace amber
