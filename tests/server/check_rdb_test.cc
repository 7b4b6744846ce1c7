// amber-check-rdb's report: a file redis-server 7.0.15 saved (strings only)
// checks OK with redis-check-rdb's exact lines and counts; a truncated copy,
// a copy with one flipped byte, and a file holding a real list key each fail
// at the offset of the first bad record with a reason that says what is
// wrong (the list by its type name).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/io/posix_file_system.h"
#include "server/rdb_check.h"

namespace amber {
namespace {

constexpr int64_t kNowMs = 1'800'000'000'000;  // before the fixtures' expire (year 2100)

std::filesystem::path data_path(const std::string& name) {
  return std::filesystem::path(__FILE__).parent_path() / "data" / name;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class CheckRdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("amber_check_rdb_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  bool check(const std::string& path, std::string* report) {
    return check_rdb_file(fs_, path, kNowMs, report);
  }

  PosixFileSystem fs_;
  std::filesystem::path dir_;
};

TEST_F(CheckRdbTest, RedisSavedFileLooksOkWithRedisCheckRdbLines) {
  const std::string path = write("dump.rdb", read_bytes(data_path("redis7_strings.rdb")));
  std::string report;
  ASSERT_TRUE(check(path, &report)) << report;
  EXPECT_EQ(report, "[offset 0] Checking RDB file " + path +
                        "\n"
                        "[offset 27] AUX FIELD redis-ver = '7.0.15'\n"
                        "[offset 41] AUX FIELD redis-bits = '64'\n"
                        "[offset 53] AUX FIELD ctime = '1795627063'\n"
                        "[offset 68] AUX FIELD used-mem = '1063104'\n"
                        "[offset 80] AUX FIELD aof-base = '0'\n"
                        "[offset 82] Selecting DB ID 0\n"
                        "[offset 132] Checksum OK\n"
                        "[offset 132] \\o/ RDB looks OK! \\o/\n"
                        "[info] 3 keys read\n"
                        "[info] 1 expires\n"
                        "[info] 0 already expired\n");
}

TEST_F(CheckRdbTest, KeysExpiringBeforeNowCountAsAlreadyExpired) {
  const std::string path = write("dump.rdb", read_bytes(data_path("redis7_strings.rdb")));
  std::string report;
  ASSERT_TRUE(check_rdb_file(fs_, path, 4'200'000'000'000, &report)) << report;
  EXPECT_NE(report.find("[info] 1 already expired\n"), std::string::npos) << report;
}

TEST_F(CheckRdbTest, TruncatedFileFailsInTheKeyItEndsIn) {
  const std::string full = read_bytes(data_path("redis7_strings.rdb"));
  // Offset 100 lies inside the value of the second key (after "a" = 1).
  const std::string path = write("cut.rdb", full.substr(0, 100));
  std::string report;
  ASSERT_FALSE(check(path, &report));
  EXPECT_NE(report.find("[offset 82] Selecting DB ID 0\n--- RDB ERROR DETECTED ---\n"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("the value of key 'b' declares 5 bytes but the file has only 2 left at "
                        "offset 97"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("[additional info] While doing: read-object-value\n"), std::string::npos)
      << report;
  EXPECT_EQ(report.find("looks OK"), std::string::npos) << report;
}

TEST_F(CheckRdbTest, FlippedByteInAValueFailsTheChecksum) {
  std::string bytes = read_bytes(data_path("redis7_strings.rdb"));
  const size_t at = bytes.find("hello");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'j';
  const std::string path = write("flip.rdb", bytes);
  std::string report;
  ASSERT_FALSE(check(path, &report));
  EXPECT_NE(report.find("--- RDB ERROR DETECTED ---\n[offset 123] RDB: wrong checksum"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("[info] 3 keys read\n"), std::string::npos) << report;
}

TEST_F(CheckRdbTest, FlippedTypeByteIsAnUnknownOpcode) {
  std::string bytes = read_bytes(data_path("redis7_strings.rdb"));
  ASSERT_EQ(static_cast<uint8_t>(bytes[82]), 0xFB);  // RESIZEDB after SELECTDB 0
  bytes[82] = static_cast<char>(0xEE);
  const std::string path = write("op.rdb", bytes);
  std::string report;
  ASSERT_FALSE(check(path, &report));
  EXPECT_NE(report.find("[offset 82] RDB: unknown opcode or value type 238 at offset 82"),
            std::string::npos)
      << report;
}

TEST_F(CheckRdbTest, RealListKeyIsRefusedByItsTypeName) {
  const std::string path = write("list.rdb", read_bytes(data_path("redis7_list_key.rdb")));
  std::string report;
  ASSERT_FALSE(check(path, &report));
  EXPECT_NE(report.find("key 'l' (db 0) has type list (quicklist2)"), std::string::npos) << report;
  EXPECT_NE(report.find("[additional info] Reading key 'l'\n"
                        "[additional info] Reading type 18 (quicklist2)\n"),
            std::string::npos)
      << report;
}

TEST_F(CheckRdbTest, MissingFileIsAnError) {
  std::string report;
  EXPECT_FALSE(check((dir_ / "nope.rdb").string(), &report));
  EXPECT_NE(report.find("--- RDB ERROR DETECTED ---"), std::string::npos) << report;
}

}  // namespace
}  // namespace amber
