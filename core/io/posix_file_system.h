// PosixFileSystem: the FileSystem of production, on open/read/pread/write/
// fdatasync/rename/fsync(dir) of Linux. Every descriptor is opened with
// O_CLOEXEC so that a forked child (redis-style tools, tests) inherits none;
// EINTR is retried and short writes are completed; error messages carry the
// path and strerror(errno). Writable files buffer up to 64 KiB before a
// write(2); flush() hands the buffer to the kernel.
#pragma once

#include "core/io/file_system.h"

namespace amber {

class PosixFileSystem final : public FileSystem {
 public:
  PosixFileSystem() = default;

  Status new_sequential_file(const std::string& path,
                             std::unique_ptr<SequentialFile>* file) override;
  Status new_random_access_file(const std::string& path,
                                std::unique_ptr<RandomAccessFile>* file) override;
  Status new_writable_file(const std::string& path, std::unique_ptr<WritableFile>* file) override;
  Status new_appendable_file(const std::string& path, std::unique_ptr<WritableFile>* file) override;
  Status rename_file(const std::string& from, const std::string& to) override;
  Status remove_file(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;
  Status get_children(const std::string& dir, std::vector<std::string>* names) override;
  bool file_exists(const std::string& path) override;
  Status get_file_size(const std::string& path, uint64_t* size_bytes) override;
  Status create_dir_if_missing(const std::string& dir) override;
  Status truncate_file(const std::string& path, uint64_t size_bytes) override;
};

}  // namespace amber
