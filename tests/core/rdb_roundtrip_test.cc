// RDB writer and loader together: the exact bytes redis-server would write
// for each string encoding, the file layout, and round trips of random
// datasets (rapidcheck) through memory and through the POSIX file system.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "core/io/posix_file_system.h"
#include "core/persist/crc64.h"
#include "core/persist/rdb_format.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "tests/core/persist/rdb_test_util.h"
#include "tests/core/persist/redis_process.h"

namespace amber {
namespace {

using testing::KeyState;
using testing::TestDbs;

std::string encode(std::string_view s, bool compress = true) {
  std::string out, scratch;
  append_rdb_string(&out, s, compress, &scratch);
  return out;
}

std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out.push_back(static_cast<char>(c));
  return out;
}

TEST(RdbEncoding, SmallCanonicalIntegersUseIntEncodings) {
  EXPECT_EQ(encode("0"), bytes({0xC0, 0x00}));
  EXPECT_EQ(encode("-128"), bytes({0xC0, 0x80}));
  EXPECT_EQ(encode("127"), bytes({0xC0, 0x7F}));
  EXPECT_EQ(encode("128"), bytes({0xC1, 0x80, 0x00}));
  EXPECT_EQ(encode("-32768"), bytes({0xC1, 0x00, 0x80}));
  EXPECT_EQ(encode("32768"), bytes({0xC2, 0x00, 0x80, 0x00, 0x00}));
  EXPECT_EQ(encode("-2147483648"), bytes({0xC2, 0x00, 0x00, 0x00, 0x80}));
}

TEST(RdbEncoding, NonCanonicalOrWideIntegersStayVerbatim) {
  EXPECT_EQ(encode("2147483648"),
            "\x0a"
            "2147483648");
  EXPECT_EQ(encode("007"),
            "\x03"
            "007");
  EXPECT_EQ(encode("-0"),
            "\x02"
            "-0");
  EXPECT_EQ(encode("+1"),
            "\x02"
            "+1");
  EXPECT_EQ(encode(" 1"),
            "\x02"
            " 1");
  EXPECT_EQ(encode(""), std::string(1, '\0'));
}

TEST(RdbEncoding, LengthFormsSwitchAt64And16384And2To32) {
  std::string out;
  append_rdb_length(&out, 63);
  EXPECT_EQ(out, bytes({0x3F}));
  out.clear();
  append_rdb_length(&out, 64);
  EXPECT_EQ(out, bytes({0x40, 0x40}));
  out.clear();
  append_rdb_length(&out, 16383);
  EXPECT_EQ(out, bytes({0x7F, 0xFF}));
  out.clear();
  append_rdb_length(&out, 16384);
  EXPECT_EQ(out, bytes({0x80, 0x00, 0x00, 0x40, 0x00}));
  out.clear();
  append_rdb_length(&out, 1ULL << 32);
  EXPECT_EQ(out, bytes({0x81, 0, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(RdbEncoding, CompressesOnlyAbove20BytesAndWhenItSaves4Bytes) {
  const std::string twenty(20, 'a');
  EXPECT_EQ(encode(twenty), "\x14" + twenty);
  const std::string long_run(100, 'a');
  const std::string lzf = encode(long_run);
  ASSERT_EQ(static_cast<unsigned char>(lzf[0]), 0xC3);
  EXPECT_LT(lzf.size(), 20u);
  EXPECT_EQ(encode(long_run, /*compress=*/false), "\x40\x64" + long_run);
  // 32 distinct bytes: LZF cannot save 4 of them.
  std::string incompressible;
  for (int i = 0; i < 32; ++i) incompressible.push_back(static_cast<char>(i * 37 + 11));
  EXPECT_EQ(encode(incompressible), "\x20" + incompressible);
}

TEST(RdbWriter, FileLayoutMatchesRedis) {
  TestDbs dbs;
  dbs.set(2, "k", "v", 1700000000123);
  std::string out;
  StringRdbSink sink(&out);
  RdbWriteOptions options{.ctime_s = 1700000000, .used_mem_bytes = 123456};
  ASSERT_TRUE(write_rdb(dbs.dbs(), sink, options).ok());
  std::string expected = "REDIS0010";
  expected +=
      "\xFA\x09redis-ver\x06"
      "7.0.15";
  expected += "\xFA\x0aredis-bits" + bytes({0xC0, 64});
  expected +=
      "\xFA\x05"
      "ctime" +
      bytes({0xC2, 0x00, 0xF1, 0x53, 0x65});
  expected += "\xFA\x08used-mem" + bytes({0xC2, 0x40, 0xE2, 0x01, 0x00});
  expected +=
      "\xFA\x08"
      "aof-base" +
      bytes({0xC0, 0x00});
  expected += bytes({0xFE, 0x02, 0xFB, 0x01, 0x01});
  expected += bytes({0xFC, 0x7B, 0x68, 0xE5, 0xCF, 0x8B, 0x01, 0x00, 0x00});
  expected += bytes({0x00, 0x01}) + "k" + bytes({0x01}) + "v";
  expected += bytes({0xFF});
  const uint64_t crc = crc64(0, expected);
  for (int i = 0; i < 8; ++i) expected.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  EXPECT_EQ(out, expected);
}

TEST(RdbWriter, ChecksumOffWritesZeroTrailerThatLoads) {
  TestDbs dbs;
  dbs.set(0, "a", "1");
  std::string out;
  StringRdbSink sink(&out);
  ASSERT_TRUE(write_rdb(dbs.dbs(), sink, {.checksum = false}).ok());
  EXPECT_EQ(out.substr(out.size() - 8), std::string(8, '\0'));
  TestDbs loaded;
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(out, loaded.dbs(), {}, &result).ok());
  EXPECT_FALSE(result.checksum_verified);
  EXPECT_EQ(loaded.snapshot(), dbs.snapshot());
}

class FailingSink final : public RdbSink {
 public:
  Status write(std::string_view) override { return Status::io_error("no space left (test)"); }
};

TEST(RdbWriter, SinkErrorPoisonsTheWriter) {
  FailingSink sink;
  RdbWriter writer(sink, {});
  ASSERT_TRUE(writer.write_header().ok());  // still buffered
  Status s = writer.finish();
  EXPECT_EQ(s.message(), "no space left (test)");
  EXPECT_EQ(writer.finish().message(), "no space left (test)");
}

TEST(RdbLoader, ReportsAuxFieldsVersionAndBytesConsumed) {
  TestDbs dbs;
  dbs.set(0, "x", "y");
  std::string out;
  StringRdbSink sink(&out);
  ASSERT_TRUE(write_rdb(dbs.dbs(), sink, {.aof_base = true, .ctime_s = 42}).ok());
  TestDbs loaded;
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(out + "*1\r\n$4\r\nPING\r\n", loaded.dbs(), {}, &result).ok());
  EXPECT_EQ(result.version, 10);
  EXPECT_EQ(result.bytes_consumed, out.size());
  EXPECT_TRUE(result.checksum_verified);
  ASSERT_EQ(result.aux.size(), 5u);
  EXPECT_EQ(result.aux[0], (std::pair<std::string, std::string>{"redis-ver", "7.0.15"}));
  EXPECT_EQ(result.aux[2], (std::pair<std::string, std::string>{"ctime", "42"}));
  EXPECT_EQ(result.aux[4], (std::pair<std::string, std::string>{"aof-base", "1"}));
}

TEST(RdbLoader, DropsKeysAlreadyExpiredUnlessToldToKeepThem) {
  TestDbs dbs;
  dbs.set(0, "past", "1", 1000);
  dbs.set(0, "future", "2", 5000);
  dbs.set(0, "forever", "3");
  std::string out;
  StringRdbSink sink(&out);
  ASSERT_TRUE(write_rdb(dbs.dbs(), sink, {}).ok());

  TestDbs master;
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(out, master.dbs(), {.now_ms = 2000}, &result).ok());
  EXPECT_EQ(result.keys_loaded, 2u);
  EXPECT_EQ(result.keys_expired, 1u);
  EXPECT_EQ(master.db(0).find("past"), nullptr);
  EXPECT_EQ(master.db(0).volatile_count(), 1u);

  TestDbs replica;
  ASSERT_TRUE(
      load_rdb_bytes(out, replica.dbs(), {.now_ms = 2000, .drop_expired = false}, &result).ok());
  EXPECT_EQ(replica.snapshot(), dbs.snapshot());
}

TEST(RdbLoader, LoadedStringsGetRedisEncodings) {
  TestDbs dbs;
  dbs.set(0, "int", "12345678901");
  dbs.set(0, "small", "12");
  dbs.set(0, "emb", std::string(44, 'e'));
  dbs.set(0, "raw", std::string(45, 'r'));
  std::string out;
  StringRdbSink sink(&out);
  ASSERT_TRUE(write_rdb(dbs.dbs(), sink, {}).ok());
  TestDbs loaded;
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(out, loaded.dbs(), {.lru_clock = 777}, &result).ok());
  EXPECT_EQ(loaded.db(0).find("int")->value_encoding(), Encoding::kInt);
  EXPECT_EQ(loaded.db(0).find("small")->value_encoding(), Encoding::kInt);
  EXPECT_EQ(loaded.db(0).find("emb")->value_encoding(), Encoding::kEmbstr);
  EXPECT_EQ(loaded.db(0).find("raw")->value_encoding(), Encoding::kRaw);
  EXPECT_EQ(loaded.db(0).find("raw")->lru, 777u);
}

TEST(RdbLoader, ProgressIsReportedWhileLoading) {
  TestDbs dbs;
  for (int i = 0; i < 2000; ++i) dbs.set(0, "key:" + std::to_string(i), std::string(100, 'x'));
  std::string out;
  StringRdbSink sink(&out);
  ASSERT_TRUE(write_rdb(dbs.dbs(), sink, {.compression = false}).ok());
  std::vector<uint64_t> seen;
  RdbLoadOptions options;
  options.progress = [&](uint64_t loaded, uint64_t total) {
    EXPECT_EQ(total, out.size());
    seen.push_back(loaded);
  };
  options.progress_interval_bytes = 16 * 1024;
  TestDbs loaded;
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(out, loaded.dbs(), options, &result).ok());
  ASSERT_GE(seen.size(), out.size() / (16 * 1024) - 1);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST(RdbFile, SaveAndLoadThroughPosixFileSystem) {
  testing::TempDir dir;
  PosixFileSystem fs;
  TestDbs dbs;
  dbs.set(0, "a", std::string(70000, 'z'));  // LZF-compressed
  dbs.set(0, "b", std::string_view("bytes\0with\xffnul", 14), 99999999999999);
  dbs.set(15, "last", "db");
  std::string big;
  for (int64_t i = 0; i < 300000; ++i) big.push_back(static_cast<char>((i * 7919) % 251));
  dbs.set(3, "big", big);  // bigger than the loader's 256 KiB buffer
  ASSERT_TRUE(save_rdb_file(fs, dir.path(), "dump.rdb", dbs.dbs(), {}).ok());
  TestDbs loaded;
  RdbLoadResult result;
  Status s = load_rdb_file(fs, dir.file("dump.rdb"), loaded.dbs(), {}, &result);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(loaded.snapshot(), dbs.snapshot());
  EXPECT_EQ(result.bytes_consumed, testing::read_whole_file(dir.file("dump.rdb")).size());
}

TEST(RdbFile, MissingFileIsNotFound) {
  PosixFileSystem fs;
  TestDbs loaded;
  RdbLoadResult result;
  EXPECT_TRUE(load_rdb_file(fs, "/nonexistent/dump.rdb", loaded.dbs(), {}, &result).is_not_found());
}

// A random dataset: keys of every kind in a few databases.
rc::Gen<std::string> gen_bytes() {
  return rc::gen::oneOf(
      rc::gen::string<std::string>(),  // short binary
      rc::gen::map(rc::gen::inRange<int64_t>(INT32_MIN, INT32_MAX),
                   [](int64_t v) { return std::to_string(v); }),  // int-like
      rc::gen::map(rc::gen::arbitrary<int64_t>(),
                   [](int64_t v) { return std::to_string(v); }),  // wide int
      rc::gen::map(rc::gen::pair(rc::gen::inRange(1, 3000), rc::gen::inRange<int>('a', 'd')),
                   [](std::pair<int, int> p) {  // compressible
                     std::string s;
                     for (int i = 0; i < p.first; ++i)
                       s.push_back(static_cast<char>(p.second + i % 3));
                     return s;
                   }),
      rc::gen::resize(400, rc::gen::string<std::string>()));  // long binary
}

RC_GTEST_PROP(RdbRoundTrip, RandomDatasetsSurviveWriteAndLoad, ()) {
  const auto entries =
      *rc::gen::container<std::vector<std::tuple<int, std::string, std::string, int>>>(
          rc::gen::tuple(rc::gen::inRange(0, 16), gen_bytes(), gen_bytes(),
                         rc::gen::inRange(0, 3)));
  const bool compression = *rc::gen::arbitrary<bool>();
  const bool checksum = *rc::gen::arbitrary<bool>();
  TestDbs dbs;
  for (const auto& [db, key, value, expiry] : entries) {
    int64_t expire_ms = expiry == 0 ? kNoExpire : 1700000000000 + expiry * 123456;
    dbs.set(db, key, value, expire_ms);
  }
  std::string out;
  StringRdbSink sink(&out);
  RC_ASSERT(write_rdb(dbs.dbs(), sink, {.compression = compression, .checksum = checksum}).ok());
  TestDbs loaded;
  RdbLoadResult result;
  Status s = load_rdb_bytes(out, loaded.dbs(), {.now_ms = 1600000000000}, &result);
  RC_ASSERT(s.ok());
  RC_ASSERT(loaded.snapshot() == dbs.snapshot());
  RC_ASSERT(result.checksum_verified == checksum);
}

}  // namespace
}  // namespace amber
