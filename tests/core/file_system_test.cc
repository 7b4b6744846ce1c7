// PosixFileSystem basics in a temp directory, and the crash-safe
// write_file_atomically helper.
#include "core/io/posix_file_system.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/core/persist/redis_process.h"

namespace amber {
namespace {

using testing::TempDir;

class FileSystemTest : public ::testing::Test {
 protected:
  Status write(const std::string& path, std::string_view bytes) {
    std::unique_ptr<WritableFile> f;
    AMBER_RETURN_IF_ERROR(fs_.new_writable_file(path, &f));
    AMBER_RETURN_IF_ERROR(f->append(bytes));
    AMBER_RETURN_IF_ERROR(f->sync());
    return f->close();
  }
  std::string read_all(const std::string& path) {
    std::unique_ptr<SequentialFile> f;
    EXPECT_TRUE(fs_.new_sequential_file(path, &f).ok());
    std::string out;
    char buf[7];  // odd size: exercises several reads
    size_t got;
    do {
      EXPECT_TRUE(f->read(sizeof(buf), buf, &got).ok());
      out.append(buf, got);
    } while (got == sizeof(buf));
    return out;
  }

  TempDir dir_;
  PosixFileSystem fs_;
};

TEST_F(FileSystemTest, WrittenAndSyncedBytesReadBack) {
  const std::string path = dir_.file("a");
  ASSERT_TRUE(write(path, "hello world").ok());
  EXPECT_EQ(read_all(path), "hello world");
  uint64_t size = 0;
  ASSERT_TRUE(fs_.get_file_size(path, &size).ok());
  EXPECT_EQ(size, 11u);
}

TEST_F(FileSystemTest, LargeAppendsBypassingTheBufferKeepOrder) {
  const std::string path = dir_.file("big");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.new_writable_file(path, &f).ok());
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    std::string chunk(static_cast<size_t>(i) * 9000 + 1, static_cast<char>('a' + i));
    ASSERT_TRUE(f->append(chunk).ok());
    expected += chunk;
  }
  EXPECT_EQ(f->size(), expected.size());
  ASSERT_TRUE(f->close().ok());
  EXPECT_EQ(read_all(path), expected);
}

TEST_F(FileSystemTest, AppendableFileContinuesAtTheEnd) {
  const std::string path = dir_.file("log");
  ASSERT_TRUE(write(path, "one").ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_.new_appendable_file(path, &f).ok());
  EXPECT_EQ(f->size(), 3u);
  ASSERT_TRUE(f->append("two").ok());
  ASSERT_TRUE(f->flush().ok());
  EXPECT_EQ(read_all(path), "onetwo");  // flushed bytes are visible before close
  ASSERT_TRUE(f->close().ok());
  EXPECT_FALSE(f->append("x").ok());  // closed files refuse writes
}

TEST_F(FileSystemTest, RandomAccessReadsAtOffsetsAndStopsAtEnd) {
  const std::string path = dir_.file("r");
  ASSERT_TRUE(write(path, "0123456789").ok());
  std::unique_ptr<RandomAccessFile> f;
  ASSERT_TRUE(fs_.new_random_access_file(path, &f).ok());
  char buf[8];
  size_t got;
  ASSERT_TRUE(f->read_at(7, sizeof(buf), buf, &got).ok());
  EXPECT_EQ(std::string(buf, got), "789");
  ASSERT_TRUE(f->read_at(2, 3, buf, &got).ok());
  EXPECT_EQ(std::string(buf, got), "234");
}

TEST_F(FileSystemTest, SequentialSkipMovesForward) {
  const std::string path = dir_.file("s");
  ASSERT_TRUE(write(path, "abcdef").ok());
  std::unique_ptr<SequentialFile> f;
  ASSERT_TRUE(fs_.new_sequential_file(path, &f).ok());
  ASSERT_TRUE(f->skip(4).ok());
  char buf[4];
  size_t got;
  ASSERT_TRUE(f->read(sizeof(buf), buf, &got).ok());
  EXPECT_EQ(std::string(buf, got), "ef");
}

TEST_F(FileSystemTest, RenameListUnlinkAndTruncate) {
  ASSERT_TRUE(write(dir_.file("x"), "12345").ok());
  ASSERT_TRUE(fs_.rename_file(dir_.file("x"), dir_.file("y")).ok());
  ASSERT_TRUE(fs_.sync_dir(dir_.path()).ok());
  EXPECT_FALSE(fs_.file_exists(dir_.file("x")));
  EXPECT_TRUE(fs_.file_exists(dir_.file("y")));
  ASSERT_TRUE(fs_.truncate_file(dir_.file("y"), 2).ok());
  EXPECT_EQ(read_all(dir_.file("y")), "12");
  ASSERT_TRUE(fs_.create_dir_if_missing(dir_.file("sub")).ok());
  ASSERT_TRUE(fs_.create_dir_if_missing(dir_.file("sub")).ok());  // existing dir is fine
  std::vector<std::string> names;
  ASSERT_TRUE(fs_.get_children(dir_.path(), &names).ok());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"sub", "y"}));
  ASSERT_TRUE(fs_.remove_file(dir_.file("y")).ok());
  EXPECT_FALSE(fs_.file_exists(dir_.file("y")));
}

TEST_F(FileSystemTest, MissingFileIsNotFoundAndNamesThePath) {
  std::unique_ptr<SequentialFile> f;
  Status s = fs_.new_sequential_file(dir_.file("nope"), &f);
  EXPECT_TRUE(s.is_not_found());
  EXPECT_NE(s.message().find(dir_.file("nope")), std::string::npos);
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos);
  EXPECT_TRUE(fs_.remove_file(dir_.file("nope")).is_not_found());
  uint64_t size;
  EXPECT_FALSE(fs_.get_file_size(dir_.file("nope"), &size).ok());
}

TEST_F(FileSystemTest, CreateDirOverAFileFails) {
  ASSERT_TRUE(write(dir_.file("f"), "x").ok());
  Status s = fs_.create_dir_if_missing(dir_.file("f"));
  EXPECT_TRUE(s.is_io_error());
  EXPECT_EQ(s.sys_errno(), EEXIST);
}

TEST_F(FileSystemTest, WriteFileAtomicallyReplacesTheFile) {
  ASSERT_TRUE(write(dir_.file("dump.rdb"), "old").ok());
  Status s = write_file_atomically(fs_, dir_.path(), "dump.rdb",
                                   [](WritableFile& f) { return f.append("new contents"); });
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(read_all(dir_.file("dump.rdb")), "new contents");
  EXPECT_FALSE(fs_.file_exists(dir_.file(temp_file_name("dump.rdb"))));
}

TEST_F(FileSystemTest, WriteFileAtomicallyLeavesOldFileOnProducerError) {
  ASSERT_TRUE(write(dir_.file("dump.rdb"), "old").ok());
  Status s = write_file_atomically(fs_, dir_.path(), "dump.rdb", [](WritableFile& f) {
    EXPECT_TRUE(f.append("half").ok());
    return Status::io_error("disk full (simulated)");
  });
  EXPECT_EQ(s.message(), "disk full (simulated)");
  EXPECT_EQ(read_all(dir_.file("dump.rdb")), "old");
  EXPECT_FALSE(fs_.file_exists(dir_.file(temp_file_name("dump.rdb"))));
}

TEST_F(FileSystemTest, WriteFileAtomicallyIntoMissingDirFails) {
  Status s = write_file_atomically(fs_, dir_.file("missing"), "f",
                                   [](WritableFile& f) { return f.append("x"); });
  EXPECT_TRUE(s.is_not_found());
  EXPECT_NE(s.message().find("missing"), std::string::npos);
}

}  // namespace
}  // namespace amber
