// The RDB loader on hostile input: torn files cut at every offset, every
// byte flipped, lengths that claim more than the file holds, value types
// amber cannot load, and the metadata opcodes it must read past. Each case
// must end in a clear error (offset and reason), never a crash or garbage.
#include <gtest/gtest.h>

#include "core/persist/crc64.h"
#include "core/persist/rdb_format.h"
#include "core/persist/rdb_loader.h"
#include "core/persist/rdb_writer.h"
#include "tests/core/persist/rdb_test_util.h"

namespace amber {
namespace {

using testing::TestDbs;
using namespace std::string_literals;

std::string small_file() {
  TestDbs dbs;
  dbs.set(0, "int", "12345");
  dbs.set(0, "lzf", std::string(60, 'q') + "tail");
  dbs.set(0, "ttl", "v", 1900000000000);
  dbs.set(5, "bin", "\x00\xff\x10"s);
  std::string out;
  StringRdbSink sink(&out);
  EXPECT_TRUE(write_rdb(dbs.dbs(), sink, {.ctime_s = 1}).ok());
  return out;
}

// Header + AUX-free body + EOF + checksum, for hand-made files.
std::string make_file(int version, const std::string& body, bool checksum = true) {
  char magic[16];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", version);
  std::string out = std::string(magic) + body + "\xFF";
  if (version >= 5) {
    uint64_t crc = checksum ? crc64(0, out) : 0;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  }
  return out;
}

std::string str(std::string_view s) {
  std::string out, scratch;
  append_rdb_string(&out, s, false, &scratch);
  return out;
}

Status load(const std::string& bytes, TestDbs& dbs, RdbLoadOptions options = {}) {
  RdbLoadResult result;
  return load_rdb_bytes(bytes, dbs.dbs(), options, &result);
}

void expect_clear_error(const Status& s) {
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("RDB: ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find(" at offset "), std::string::npos) << s.message();
}

TEST(RdbCorrupt, EveryTruncationIsAClearError) {
  const std::string file = small_file();
  for (size_t cut = 0; cut < file.size(); ++cut) {
    TestDbs dbs;
    Status s = load(file.substr(0, cut), dbs);
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_clear_error(s);
    EXPECT_TRUE(s.is_corruption());
  }
}

TEST(RdbCorrupt, EveryFlippedByteIsDetected) {
  const std::string file = small_file();
  for (size_t i = 0; i < file.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xFF}) {
      std::string bad = file;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      TestDbs dbs;
      Status s = load(bad, dbs);
      SCOPED_TRACE("byte " + std::to_string(i) + " mask " + std::to_string(mask));
      expect_clear_error(s);
    }
  }
}

TEST(RdbCorrupt, FlippedBytesWithoutChecksumNeverCrash) {
  const std::string file = small_file();
  int errors = 0;
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x5A);
    TestDbs dbs;
    Status s = load(bad, dbs, {.verify_checksum = false});
    if (!s.ok()) {
      ++errors;
      expect_clear_error(s);
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(RdbCorrupt, WrongChecksumNamesBothValues) {
  std::string file = small_file();
  file[file.size() - 1] ^= 0x01;
  TestDbs dbs;
  Status s = load(file, dbs);
  EXPECT_TRUE(s.is_corruption());
  EXPECT_NE(s.message().find("wrong checksum: the file says 0x"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("at offset " + std::to_string(file.size() - 8)), std::string::npos);
  TestDbs unchecked;
  EXPECT_TRUE(load(file, unchecked, {.verify_checksum = false}).ok());
}

TEST(RdbCorrupt, HugeDeclaredLengthFailsBeforeAllocating) {
  // SELECTDB 0, string key "k" whose value declares 2^40 bytes.
  std::string body = "\xFE\x00\x00"s + str("k") + "\x81" + "\x00\x00\x01\x00\x00\x00\x00\x00"s;
  std::string file = make_file(10, body);
  TestDbs dbs;
  Status s = load(file, dbs);
  EXPECT_TRUE(s.is_corruption());
  EXPECT_EQ(s.message(),
            "RDB: the value of key 'k' declares 1099511627776 bytes but the file has only 9 "
            "left at offset 14 (<memory>)");
}

TEST(RdbCorrupt, LzfLengthBeyondWhatTheInputCanHoldIsRefused) {
  // LZF: clen 2, len 1000 (more than 2 bytes can expand to).
  std::string body = "\xFE\x00\x00"s + str("k") + "\xC3\x02\x43\xE8" + "ab";
  TestDbs dbs;
  Status s = load(make_file(10, body), dbs);
  EXPECT_TRUE(s.is_corruption());
  EXPECT_NE(s.message().find("LZF string declares 1000 bytes"), std::string::npos) << s.message();
}

TEST(RdbCorrupt, InvalidLzfDataIsRefused) {
  // clen 3, len 10: a back-reference before the start of the output.
  std::string body = "\xFE\x00\x00"s + str("k") + "\xC3\x03\x0A" + "\xE0\x05\x00"s;
  TestDbs dbs;
  Status s = load(make_file(10, body), dbs);
  EXPECT_TRUE(s.is_corruption());
  EXPECT_NE(s.message().find("invalid LZF compressed"), std::string::npos) << s.message();
}

TEST(RdbCorrupt, UnsupportedTypeNamesKeyDbAndType) {
  // db 3, a 7.0 list (quicklist2) "mylist": the loader must not skip it.
  std::string body = "\xFE\x03\x12" + str("mylist") + "\x01\x02\x01" + str("x");
  TestDbs dbs;
  Status s = load(make_file(10, body), dbs);
  EXPECT_TRUE(s.is_not_supported());
  EXPECT_EQ(s.message(),
            "RDB: key 'mylist' (db 3) has type list (quicklist2), which amber cannot load yet at "
            "offset 11 (<memory>)");
}

TEST(RdbCorrupt, ModuleValueNamesTheModule) {
  // Module id of "ReJSON-RL" with encoding version 3.
  const std::string charset(rdb::kModuleNameCharset);
  uint64_t id = 0;
  for (char c : std::string("ReJSON-RL")) id = (id << 6) | charset.find(c);
  id = (id << 10) | 3;
  std::string id_bytes = "\x81";
  for (int i = 7; i >= 0; --i) id_bytes.push_back(static_cast<char>((id >> (8 * i)) & 0xff));
  std::string body = "\xFE\x00\x07"s + str("doc") + id_bytes;
  TestDbs dbs;
  Status s = load(make_file(10, body), dbs);
  EXPECT_TRUE(s.is_not_supported());
  EXPECT_NE(s.message().find("key 'doc' (db 0) has type module (module2, module 'ReJSON-RL')"),
            std::string::npos)
      << s.message();
}

TEST(RdbCorrupt, UnknownOpcodeIsAnError) {
  TestDbs dbs;
  Status s = load(make_file(10, "\x08"), dbs);
  EXPECT_EQ(s.message(), "RDB: unknown opcode or value type 8 at offset 9 (<memory>)");
}

TEST(RdbCorrupt, WrongMagicAndNewerVersionsAreRefused) {
  TestDbs dbs;
  EXPECT_TRUE(load("RODIS0010\xFF", dbs).is_corruption());
  Status s = load(make_file(11, ""), dbs);
  EXPECT_TRUE(s.is_not_supported());
  EXPECT_NE(s.message().find("can't handle RDB format version 11"), std::string::npos);
  EXPECT_TRUE(load("REDIS00x0\xFF", dbs).is_corruption());
}

TEST(RdbCorrupt, SelectingADatabaseAmberDoesNotHaveIsRefused) {
  TestDbs dbs;
  Status s = load(make_file(10, "\xFE\x14"), dbs);
  EXPECT_TRUE(s.is_not_supported());
  EXPECT_NE(s.message().find("selects database 20 but amber is configured with 16 databases"),
            std::string::npos);
}

TEST(RdbCorrupt, DuplicatedKeyIsRefused) {
  std::string key = "\x00"s + str("k") + str("v");
  TestDbs dbs;
  Status s = load(make_file(10, "\xFE\x00"s + key + key), dbs);
  EXPECT_TRUE(s.is_corruption());
  EXPECT_NE(s.message().find("duplicated key 'k' in db 0"), std::string::npos);
}

TEST(RdbCorrupt, DuplicateFarApartInOneBatchOrAcrossBatchesIsRefusedAtItsOffset) {
  // Keys are inserted a batch at a time; the error must still name the
  // second occurrence and its offset, wherever the batches break.
  for (int first : {0, 5, 31, 32, 33}) {
    for (int gap : {1, 20, 40}) {
      std::string body = "\xFE\x00"s;
      size_t dup_at = 0;
      for (int i = 0; i < 80; ++i) {
        std::string key = i == first + gap ? "k" + std::to_string(first) : "k" + std::to_string(i);
        if (i == first + gap) dup_at = std::string("REDIS0010").size() + body.size();
        body += "\x00"s + str(key) + str("v");
      }
      TestDbs dbs;
      Status s = load(make_file(10, body), dbs);
      ASSERT_TRUE(s.is_corruption()) << first << "+" << gap << ": " << s.to_string();
      EXPECT_NE(s.message().find("duplicated key 'k" + std::to_string(first) +
                                 "' in db 0 at offset " + std::to_string(dup_at)),
                std::string::npos)
          << s.to_string();
    }
  }
}

TEST(RdbCorrupt, ADuplicateBeforeATornTailIsTheErrorReported) {
  std::string key = "\x00"s + str("k") + str("v");
  std::string file = make_file(10, "\xFE\x00"s + key + key + "\x00"s + str("other"));
  file.resize(file.size() - 9);  // cut inside the last key's value, trailer gone
  TestDbs dbs;
  Status s = load(file, dbs);
  EXPECT_NE(s.message().find("duplicated key 'k'"), std::string::npos) << s.to_string();
}

TEST(RdbLoad, ResizeDbHintSizesTheTableBeforeTheKeys) {
  std::string body = "\xFE\x00\xFB"s + "\x80\x00\x00\x10\x00"s + "\x00"s;  // 4096 keys, 0 expires
  for (int i = 0; i < 4096; ++i) body += "\x00"s + str("k" + std::to_string(i)) + str("v");
  TestDbs dbs;
  ASSERT_TRUE(load(make_file(10, body), dbs).ok());
  EXPECT_EQ(dbs.db(0).size(), 4096u);
  EXPECT_EQ(dbs.db(0).dict().bucket_count(), 4096u);  // sized once, never doubled past it
}

TEST(RdbOldFormats, Version3WithoutChecksumAndSecondsExpireLoads) {
  // EXPIRETIME (seconds, 4 bytes LE) then a string key; version 3 has no trailer.
  std::string body =
      std::string("\xFE\x01\xFD") + "\x00\x00\x00\x70"s + "\x00"s + str("old") + str("value");
  TestDbs dbs;
  RdbLoadResult result;
  Status s = load_rdb_bytes(make_file(3, body), dbs.dbs(), {}, &result);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(result.version, 3);
  Entry* e = dbs.db(1).find("old");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value(), "value");
  EXPECT_EQ(e->expire_ms, int64_t{0x70000000} * 1000);
}

TEST(RdbOldFormats, IdleFreqAndFunctionsAreReadPast) {
  std::string body = "\xF5" + str("#!lua name=lib\nredis.register_function('f', function() end)");
  body += "\xFE\x00\xF8\x0A\x00"s + str("a") + str("1");  // IDLE 10 s
  body += "\xF9\x05\x00"s + str("b") + str("2");          // FREQ 5
  TestDbs dbs;
  RdbLoadResult result;
  Status s = load_rdb_bytes(make_file(10, body), dbs.dbs(), {.lru_clock = 100}, &result);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(result.function_libraries.size(), 1u);
  EXPECT_EQ(result.function_libraries[0].rfind("#!lua name=lib\n", 0), 0u);
  EXPECT_EQ(dbs.db(0).find("a")->lru, 90u);
  EXPECT_EQ(dbs.db(0).find("b")->value(), "2");
}

TEST(RdbOldFormats, ReleaseCandidateFunctionFormatIsConverted) {
  std::string body = "\xF6" + str("mylib") + str("LUA") + "\x01" + str("desc") + str("code");
  TestDbs dbs;
  RdbLoadResult result;
  ASSERT_TRUE(load_rdb_bytes(make_file(10, body), dbs.dbs(), {}, &result).ok());
  ASSERT_EQ(result.function_libraries.size(), 1u);
  EXPECT_EQ(result.function_libraries[0], "#!LUA name=mylib\ncode");
}

TEST(RdbOldFormats, ModuleAuxIsRefusedUnlessSkippingIsAsked) {
  // Module id 1<<10 (name "AAAAAAAAB"), when-opcode UINT, when 2, then a
  // string, a double and the EOF opcode.
  std::string body =
      "\xF7\x44\x00\x02\x02"s + "\x05" + str("payload") + "\x04" + std::string(8, '\x01') + "\x00"s;
  TestDbs dbs;
  Status s = load(make_file(10, body), dbs);
  EXPECT_TRUE(s.is_not_supported());
  EXPECT_NE(s.message().find("aux data of module 'AAAAAAAAB'"), std::string::npos) << s.message();
  EXPECT_TRUE(load(make_file(10, body), dbs, {.skip_module_aux = true}).ok());
}

}  // namespace
}  // namespace amber
