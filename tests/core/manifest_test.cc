// The AOF manifest: Redis 7.0's text format both ways and its error rules.
#include "core/persist/manifest.h"

#include <gtest/gtest.h>

namespace amber {
namespace {

TEST(Manifest, FormatsLikeRedis) {
  AofManifest m;
  m.next_base("appendonly.aof", true);
  m.add_incr("appendonly.aof");
  EXPECT_EQ(m.to_string(),
            "file appendonly.aof.1.base.rdb seq 1 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
  m.next_base("appendonly.aof", false);
  EXPECT_EQ(m.to_string(),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.1.incr.aof seq 1 type i\n");
}

TEST(Manifest, RoundTripsIncludingQuotedNames) {
  AofManifest m;
  m.base = AofFileInfo{"my file.1.base.rdb", 1, AofFileInfo::Type::kBase};
  m.incr.push_back(AofFileInfo{"x.3.incr.aof", 3, AofFileInfo::Type::kIncr});
  AofManifest parsed;
  ASSERT_TRUE(parse_aof_manifest(m.to_string(), &parsed).ok());
  EXPECT_EQ(parsed.base, m.base);
  EXPECT_EQ(parsed.incr, m.incr);
  EXPECT_EQ(parsed.incr_seq, 3);
}

TEST(Manifest, AcceptsCommentsAndExtraFields) {
  AofManifest m;
  ASSERT_TRUE(parse_aof_manifest("# hi\nfile a seq 1 type i future x\n", &m).ok());
  EXPECT_EQ(m.incr.size(), 1u);
}

void expect_error(std::string_view text, std::string_view reason) {
  AofManifest m;
  Status s = parse_aof_manifest(text, &m);
  ASSERT_FALSE(s.ok()) << text;
  EXPECT_NE(s.message().find(reason), std::string::npos) << s.message();
}

TEST(Manifest, RejectsWhatRedisRejects) {
  expect_error("", "Found an empty AOF manifest");
  expect_error("file a seq 1 type i", "The AOF manifest file contains too long line");
  expect_error("\n", "Invalid AOF manifest file format");
  expect_error("file a seq 1\n", "Invalid AOF manifest file format");
  expect_error("file a seq 0 type i\n", "Invalid AOF manifest file format");
  expect_error("file a/b seq 1 type i\n", "File can't be a path, just a filename");
  expect_error("file a seq 1 type x\n", "Unknown AOF file type");
  expect_error("file a seq 1 type b\nfile b seq 2 type b\n",
               "Found duplicate base file information");
  expect_error("file a seq 2 type i\nfile b seq 2 type i\n",
               "Found a non-monotonic sequence number");
  expect_error("file \"a seq 1 type i\n", "Invalid AOF manifest file format");
  expect_error("file a seq 1 type i" + std::string(1100, ' ') + "\n", "too long line");
}

}  // namespace
}  // namespace amber
